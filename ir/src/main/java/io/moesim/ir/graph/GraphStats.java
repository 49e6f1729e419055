package io.moesim.ir.graph;

import io.moesim.ir.TensorType;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.Traffic;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Totals of a graph computed through its repeat blocks (a body's figures times its count): FLOPs,
 * minimum DRAM traffic, parameters (total and active per token), and the same per op kind.
 */
public final class GraphStats {

    /** Figures of one op kind: executions (repeats counted), FLOPs, traffic. */
    public record KindStats(String mnemonic, long count, long flops, Traffic traffic) {
        public double opPerByte() {
            return traffic.total() == 0 ? 0 : (double) flops / traffic.total();
        }
    }

    private long flops;
    private Traffic traffic = Traffic.ZERO;
    private long params;
    private long activeParams;
    private final Map<String, long[]> kindCounts = new TreeMap<>();
    private final Map<String, Traffic> kindTraffic = new TreeMap<>();

    private GraphStats() {
    }

    public static GraphStats of(Graph g) {
        GraphStats s = new GraphStats();
        s.add(g.body(), 1);
        return s;
    }

    private void add(Block b, long times) {
        for (Node n : b.nodes()) {
            if (n.hasBody()) {
                long count = ((io.moesim.ir.op.Repeat) n.op()).count();
                add(n.body(), Math.multiplyExact(times, count));
                continue;
            }
            Op op = n.op();
            List<TensorType> in = new ArrayList<>();
            for (Value v : n.operands()) {
                in.add(v.type());
            }
            long f = Math.multiplyExact(op.flops(in), times);
            Traffic t = op.traffic(in).times(times);
            flops = Math.addExact(flops, f);
            traffic = traffic.plus(t);
            params = Math.addExact(params, Math.multiplyExact(op.params(), times));
            activeParams = Math.addExact(activeParams, Math.multiplyExact(op.activeParams(), times));
            long[] c = kindCounts.computeIfAbsent(op.mnemonic(), k -> new long[2]);
            c[0] += times;
            c[1] += f;
            kindTraffic.merge(op.mnemonic(), t, Traffic::plus);
        }
    }

    public long flops() {
        return flops;
    }

    public Traffic traffic() {
        return traffic;
    }

    public long bytes() {
        return traffic.total();
    }

    public double opPerByte() {
        return traffic.total() == 0 ? 0 : (double) flops / traffic.total();
    }

    public long params() {
        return params;
    }

    public long activeParams() {
        return activeParams;
    }

    /** Per op kind, sorted by mnemonic. */
    public List<KindStats> byKind() {
        List<KindStats> out = new ArrayList<>();
        for (Map.Entry<String, long[]> e : kindCounts.entrySet()) {
            out.add(new KindStats(e.getKey(), e.getValue()[0], e.getValue()[1], kindTraffic.get(e.getKey())));
        }
        return Collections.unmodifiableList(out);
    }
}
