package io.moesim.reports;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads a sweep's result CSV (RFC 4180: comma separated, fields may be double-quoted with "" for a
 * quote; a header line first). Columns named like a simulator metric are metrics, the rest are axes.
 */
public final class SweepCsv {
    /**
     * Names (or name prefixes) of the simulator's metrics as the sweep writes them (sweep's
     * {@code SimulatorEvaluator.metrics}); any other column is an axis of the sweep.
     */
    private SweepCsv() {
    }

    public static boolean isMetric(String column) {
        return io.moesim.sim.metrics.ResultSchema.isMetric(column);
    }

    public static SweepTable read(Path file) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (CharacterCodingException e) {
            throw new ReportException(file + ": not UTF-8 text");
        } catch (IOException e) {
            throw new ReportException(file + ": cannot read (" + e.getMessage() + ")", e);
        }
        return parse(file.toString(), text);
    }

    static SweepTable parse(String source, String text) {
        List<Rec> records = records(source, text);
        if (records.isEmpty()) {
            throw new ReportException(source + ": empty file (expected a header line and one row per sweep point)");
        }
        List<String> header = records.get(0).fields();
        Set<String> seen = new HashSet<>();
        List<Integer> axisCols = new ArrayList<>();
        List<Integer> metricCols = new ArrayList<>();
        for (int c = 0; c < header.size(); c++) {
            String name = header.get(c).strip();
            if (name.isEmpty()) {
                throw new ReportException(source + ":1: column " + (c + 1) + " has no name");
            }
            if (!seen.add(name)) {
                throw new ReportException(source + ":1: duplicate column '" + name + "'");
            }
            (isMetric(name) ? metricCols : axisCols).add(c);
        }
        if (metricCols.isEmpty()) {
            throw new ReportException(source + ":1: no metric column (expected names such as throughput_tokens_per_s or tbt_p90_ms)");
        }
        List<SweepRow> rows = new ArrayList<>();
        for (int r = 1; r < records.size(); r++) {
            List<String> rec = records.get(r).fields();
            int line = records.get(r).line();
            if (rec.size() != header.size()) {
                throw new ReportException(source + ":" + line + ": " + rec.size() + " fields, the header has " + header.size());
            }
            List<String> axes = axisCols.stream().map(rec::get).toList();
            List<Double> metrics = new ArrayList<>();
            for (int c : metricCols) {
                metrics.add(number(source, line, header.get(c).strip(), rec.get(c)));
            }
            rows.add(new SweepRow(axes, metrics));
        }
        return new SweepTable(source, axisCols.stream().map(c -> header.get(c).strip()).toList(),
                metricCols.stream().map(c -> header.get(c).strip()).toList(), rows);
    }

    /** An empty cell (a failed point) is NaN: it stays in the table and off the front. */
    private static double number(String source, int line, String column, String cell) {
        String s = cell.strip();
        if (s.isEmpty() || s.equalsIgnoreCase("nan")) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new ReportException(source + ":" + line + ": column '" + column + "' must be a number, found '" + s + "'");
        }
    }

    /** One CSV record and the line it starts on, for error messages. */
    private record Rec(int line, List<String> fields) {
    }

    /** Splits into records of fields, skipping blank lines. */
    private static List<Rec> records(String source, String text) {
        List<Rec> out = new ArrayList<>();
        int start = 1;
        List<String> fields = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        boolean fieldStarted = false;
        int line = 1;
        int i = text.startsWith("\uFEFF") ? 1 : 0;
        for (; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        f.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (ch == '\n') {
                        line++;
                    }
                    f.append(ch);
                }
            } else if (ch == '"' && f.length() == 0 && !fieldStarted) {
                quoted = true;
                fieldStarted = true;
            } else if (ch == ',') {
                fields.add(f.toString());
                f.setLength(0);
                fieldStarted = false;
            } else if (ch == '\n' || ch == '\r') {
                if (ch == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                fields.add(f.toString());
                f.setLength(0);
                fieldStarted = false;
                if (!(fields.size() == 1 && fields.get(0).isEmpty())) {
                    out.add(new Rec(start, List.copyOf(fields)));
                }
                fields.clear();
                line++;
                start = line;
            } else {
                f.append(ch);
                fieldStarted = true;
            }
        }
        if (quoted) {
            throw new ReportException(source + ":" + start + ": unterminated quoted field");
        }
        if (fieldStarted || f.length() > 0 || !fields.isEmpty()) {
            fields.add(f.toString());
            out.add(new Rec(start, List.copyOf(fields)));
        }
        return out;
    }
}
