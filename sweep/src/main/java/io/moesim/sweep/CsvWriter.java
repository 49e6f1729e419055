package io.moesim.sweep;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** RFC 4180 CSV of a result table: a header, then one line per row, '\n' line ends, exact doubles. */
public final class CsvWriter {
    private CsvWriter() {
    }

    public static byte[] write(ResultTable t) {
        StringBuilder sb = new StringBuilder();
        line(sb, t.columns().stream().map(c -> (Object) c.name()).toList());
        for (List<Object> row : t.rows()) {
            line(sb, row);
        }
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void line(StringBuilder sb, List<Object> cells) {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            Object v = cells.get(i);
            if (v == null) {
                continue;
            }
            // Double.toString parses back to the very same double, so the CSV loses nothing.
            String s = v.toString();
            if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0 || s.indexOf('\r') >= 0) {
                sb.append('"').append(s.replace("\"", "\"\"")).append('"');
            } else {
                sb.append(s);
            }
        }
        sb.append('\n');
    }
}
