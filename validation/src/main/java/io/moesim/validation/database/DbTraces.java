package io.moesim.validation.database;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moesim.ir.MoesimException;
import io.moesim.validation.trace.IrOps;
import io.moesim.validation.trace.Measurement;
import io.moesim.validation.trace.TraceReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The committed sample of the database as measurement traces ({@code traces/aiconfigurator/<gpu>/<framework>.jsonl},
 * the format of traces/README.md): {@code env.timing} names the framework that ran the op, collectives
 * name their system ({@code h100x<group>}). {@code moesim validate --measurements} reads them like any
 * trace; {@link #read} reads them back as {@link DbRow}s.
 */
public final class DbTraces {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DbTraces() {
    }

    /** Writes the rows, one file per (GPU, framework), rows in sample order; returns the files written. */
    public static List<Path> write(List<DbRow> rows, Path dir) {
        Map<String, List<DbRow>> files = new TreeMap<>();
        for (DbRow r : rows) {
            files.computeIfAbsent(r.gpu() + "_sxm/" + r.framework() + ".jsonl", k -> new ArrayList<>()).add(r);
        }
        List<Path> out = new ArrayList<>();
        for (Map.Entry<String, List<DbRow>> e : files.entrySet()) {
            Path f = dir.resolve(e.getKey());
            StringBuilder sb = new StringBuilder();
            sb.append("# Seeded sample of NVIDIA AIConfigurator's measured kernel database (Apache-2.0; see README.md and LICENSE here).\n");
            sb.append("# Written by: bin/moesim validate --database-convert DIR (io.moesim.validation.database.AicConverter). One JSON object per line.\n");
            for (DbRow r : e.getValue()) {
                sb.append(line(r)).append('\n');
            }
            try {
                Files.createDirectories(f.getParent());
                Files.writeString(f, sb.toString(), StandardCharsets.UTF_8);
            } catch (IOException ex) {
                throw new MoesimException(f + ": cannot write: " + ex.getMessage());
            }
            out.add(f);
        }
        return out;
    }

    static String line(DbRow r) {
        ObjectNode o = JSON.createObjectNode();
        o.put("op", r.op().text());
        o.put("gpu", r.device());
        o.put("target", r.gpu());
        if (IrOps.isCollective(r.op().kind())) {
            o.put("system", r.system());
        }
        o.put("median_us", Double.parseDouble(String.format(Locale.ROOT, "%.4g", r.us())));
        o.put("source", r.source() + " (latency ms per call, as us)");
        o.putObject("env").put("timing", r.framework());
        try {
            return JSON.writeValueAsString(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every {@code *.jsonl} under the folder (recursively, in path order), as database rows. */
    public static List<DbRow> read(Path dir) {
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".jsonl")).sorted().toList();
        } catch (IOException e) {
            throw new MoesimException(dir + ": cannot list: " + e.getMessage());
        }
        List<DbRow> out = new ArrayList<>();
        for (Path f : files) {
            for (Measurement m : TraceReader.read(f)) {
                String fw = m.env().timing();
                if (fw.isEmpty()) {
                    throw new MoesimException(m.where() + ": database rows name their framework in env.timing");
                }
                String src = m.source().replace(" (latency ms per call, as us)", "");
                out.add(DbRow.of(m.op().text(), m.target(), m.gpu(), fw, m.medianUs(), src));
            }
        }
        return out;
    }
}
