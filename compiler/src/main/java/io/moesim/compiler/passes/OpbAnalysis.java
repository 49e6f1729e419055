package io.moesim.compiler.passes;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The fact Op/B analysis leaves: figures per node (program order), and per op kind. */
public record OpbAnalysis(List<OpFigures> ops) {

    public OpbAnalysis {
        ops = List.copyOf(ops);
    }

    public OpFigures at(String path) {
        for (OpFigures f : ops) {
            if (f.path().equals(path)) {
                return f;
            }
        }
        return null;
    }

    /** Every node's figures by path (the first where a path repeats, as {@link #at}), for lookups in a loop. */
    public Map<String, OpFigures> byPath() {
        Map<String, OpFigures> m = new java.util.HashMap<>();
        for (OpFigures f : ops) {
            m.putIfAbsent(f.path(), f);
        }
        return m;
    }

    /** Totals per mnemonic, repeat counts applied, in first-seen order. */
    public record KindTotals(String mnemonic, long count, long flops, long bytes) {
        public double opPerByte() {
            return bytes == 0 ? 0 : (double) flops / bytes;
        }
    }

    public List<KindTotals> byKind() {
        Map<String, long[]> m = new LinkedHashMap<>();
        for (OpFigures f : ops) {
            long[] t = m.computeIfAbsent(f.mnemonic(), k -> new long[3]);
            t[0] += f.times();
            t[1] += f.flops() * f.times();
            t[2] += f.bytes() * f.times();
        }
        List<KindTotals> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(new KindTotals(k, v[0], v[1], v[2])));
        return out;
    }

    /** Upper edges of the Op/B histogram bins; the last bin is open. */
    public static final double[] BIN_EDGES = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512};

    /** Executions per Op/B bin (ops that move bytes), bins as {@link #BIN_EDGES} plus the open one. */
    public long[] histogram() {
        long[] h = new long[BIN_EDGES.length + 1];
        for (OpFigures f : ops) {
            if (f.bytes() == 0 || f.flops() == 0) {
                continue;
            }
            int b = 0;
            while (b < BIN_EDGES.length && f.opPerByte() >= BIN_EDGES[b]) {
                b++;
            }
            h[b] += f.times();
        }
        return h;
    }

    public static String binLabel(int b) {
        if (b == 0) {
            return "<" + fmt(BIN_EDGES[0]);
        }
        if (b == BIN_EDGES.length) {
            return ">=" + fmt(BIN_EDGES[b - 1]);
        }
        return fmt(BIN_EDGES[b - 1]) + "-" + fmt(BIN_EDGES[b]);
    }

    private static String fmt(double d) {
        return Long.toString((long) d);
    }
}
