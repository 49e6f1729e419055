package io.moesim.compiler.placement;

import io.moesim.compiler.cost.CostModel;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.FfnActivation;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Duplex's expert co-processing as a pure function: given the tokens of each expert of one MoE
 * layer on one device, which experts run on the xPU and which on Logic-PIM. All experts start on
 * the xPU; the one of lowest Op/B moves to PIM, then the next, as long as the finishing time
 * max(xPU side, PIM side) strictly improves. An expert's weight Op/B is 2·tokens·params /
 * (params·bits/8), so the order is by tokens / bits per weight (ties: lowest index): with one format
 * for the layer that is the fewest tokens first; in a mixed layer an int8 expert (half the Op/B of
 * an int4 one with the same tokens) moves first. Each side's time is the cost model's time for one
 * expert_ffn over that side's experts, each expert in its own format (a side without tokens: no kernel, 0).
 * Idle experts (no tokens) take no part in the search: they cost nothing on either side, are listed on the
 * xPU side, and the active experts are split exactly as in the same layer without the idle ones (a move of
 * an idle expert would never strictly improve the finish, and used to end the search before any active
 * expert moved, leaving a pre-gated step with idle experts all on the xPU).
 *
 * <p>The simulator's serving loop calls {@link #decide} for every iteration; decisions are
 * memoised by signature (the token counts and the expert shape), so a run with millions of
 * iterations decides each distinct routing once. Thread-safe.
 */
public final class ExpertCoprocessor {
    private final CostModel cost;
    private final DeviceSpec device;
    private final ProcessorSpec xpu;
    private final ProcessorSpec pim;
    private final Map<Signature, Decision> memo = new ConcurrentHashMap<>();

    public ExpertCoprocessor(CostModel cost, DeviceSpec device, ProcessorSpec xpu, ProcessorSpec pim) {
        this.cost = cost;
        this.device = device;
        this.xpu = xpu;
        this.pim = pim;
    }

    /** The pair of a device's primary processor and its first PIM processor, if it has one. */
    public static java.util.Optional<ExpertCoprocessor> forDevice(CostModel cost, DeviceSpec device) {
        return device.pimProcessor().map(p -> new ExpertCoprocessor(cost, device, device.primary(), p));
    }

    /**
     * What one expert set costs: the expert's shape, independent of its tokens, and the layer's top_k (a token's experts;
     * a cost model reads a block's call tokens as its rows over top_k: a fused MoE block's tile, an fp8 block's input quantise).
     */
    public record Shape(long hidden, long ffn, FfnActivation activation, DType wdtype, DType dtype, io.moesim.ir.WeightFormat wfmt, int topK) {
        /** Weights stored in {@code wdtype}, top 1. */
        public Shape(long hidden, long ffn, FfnActivation activation, DType wdtype, DType dtype) {
            this(hidden, ffn, activation, wdtype, dtype, null, 1);
        }

        public Shape {
            wfmt = wfmt == null ? io.moesim.ir.WeightFormat.of(wdtype) : wfmt;
            if (topK < 1) {
                throw new IllegalArgumentException("expert shape: top_k " + topK + " must be at least 1");
            }
        }

        /** The shape of {@code f}'s experts, with its top_k. */
        public static Shape of(ExpertFfn f, DType activationDtype) {
            return new Shape(f.hidden(), f.ffn(), f.activation(), f.wdtype(), activationDtype, f.wfmt(), f.topK());
        }
    }

    private record Signature(Shape shape, LongImmutableList tokens, List<io.moesim.ir.WeightFormat> formats) {
    }

    /**
     * The split. Expert indices refer to positions in {@code tokens}, ascending.
     *
     * @param xpuSeconds predicted time of the xPU side; {@code pimSeconds} of the PIM side
     */
    public record Decision(String xpu, String pim, int[] xpuExperts, int[] pimExperts, double xpuSeconds, double pimSeconds) {
        public Decision {
            xpuExperts = xpuExperts.clone();
            pimExperts = pimExperts.clone();
        }

        public double seconds() {
            return Math.max(xpuSeconds, pimSeconds);
        }
    }

    public Decision decide(Shape shape, long[] tokens) {
        return decide(shape, tokens, null);
    }

    /**
     * The split of experts with their own formats ({@code formats[i]} for {@code tokens[i]}; null: all
     * in the shape's format).
     */
    public Decision decide(Shape shape, long[] tokens, List<io.moesim.ir.WeightFormat> formats) {
        List<io.moesim.ir.WeightFormat> f = formats == null || formats.stream().allMatch(x -> x.equals(formats.get(0)) && x.equals(shape.wfmt()))
                ? null : List.copyOf(formats);
        return memo.computeIfAbsent(new Signature(shape, LongImmutableList.of(tokens), f), s -> compute(shape, tokens, f));
    }

    /** Distinct signatures decided so far. */
    public int memoSize() {
        return memo.size();
    }

    private Decision compute(Shape shape, long[] tokens, List<io.moesim.ir.WeightFormat> formats) {
        int n = tokens.length;
        Integer[] order = new Integer[n];
        long[] mb = new long[n];
        for (int e = 0; e < n; e++) {
            order[e] = e;
            mb[e] = formats == null ? shape.wfmt().milliBits() : formats.get(e).milliBits();
        }
        // ascending Op/B: tokens[a] / bits[a] < tokens[b] / bits[b]  <=>  tokens[a]·bits[b] < tokens[b]·bits[a]
        Arrays.sort(order, (a, b) -> {
            int c = Long.compare(Math.multiplyExact(tokens[a], mb[b]), Math.multiplyExact(tokens[b], mb[a]));
            return c != 0 ? c : Integer.compare(a, b);
        });
        boolean[] onPim = new boolean[n];
        double bestX = side(shape, tokens, formats, onPim, false, xpu);
        double bestP = 0;
        double best = bestX;
        for (int k = 0; k < n; k++) {
            if (tokens[order[k]] == 0) {
                continue; // idle: sorted first (Op/B 0), costs nothing anywhere, stays listed on the xPU side
            }
            onPim[order[k]] = true;
            double x = side(shape, tokens, formats, onPim, false, xpu);
            double p = side(shape, tokens, formats, onPim, true, pim);
            if (Math.max(x, p) < best) {
                best = Math.max(x, p);
                bestX = x;
                bestP = p;
            } else {
                onPim[order[k]] = false;
                break;
            }
        }
        List<Integer> xs = new ArrayList<>();
        List<Integer> ps = new ArrayList<>();
        for (int e = 0; e < n; e++) {
            (onPim[e] ? ps : xs).add(e);
        }
        return new Decision(xpu.name(), pim.name(), xs.stream().mapToInt(Integer::intValue).toArray(),
                ps.stream().mapToInt(Integer::intValue).toArray(), bestX, bestP);
    }

    private double side(Shape s, long[] tokens, List<io.moesim.ir.WeightFormat> formats, boolean[] onPim, boolean pimSide, ProcessorSpec proc) {
        LongArrayList t = new LongArrayList();
        long sum = 0;
        List<io.moesim.ir.WeightFormat> f = formats == null ? null : new ArrayList<>();
        for (int e = 0; e < tokens.length; e++) {
            if (onPim[e] == pimSide) {
                t.add(tokens[e]);
                sum += tokens[e];
                if (f != null) {
                    f.add(formats.get(e));
                }
            }
        }
        if (sum == 0) {
            return 0; // no expert with tokens on this side: no kernel runs there (MoeLowering emits no task)
        }
        ExpertFfn op = subset(s, t.toLongArray(), f);
        return cost.seconds(op, List.of(TensorType.of(s.dtype(), op.totalTokens(), s.hidden())), device, proc);
    }

    /** An expert_ffn over some experts with these token counts. */
    public static ExpertFfn subset(Shape s, long[] tokens) {
        return subset(s, tokens, null);
    }

    /**
     * An expert_ffn over some of a MoE layer's routed experts with these token counts (routed, one expert too), expert i in
     * {@code formats[i]} (null: the shape's format), top_k the layer's where the subset holds that many experts (as
     * {@code ShardingRules} gives a device's experts: min(top_k, experts)).
     */
    public static ExpertFfn subset(Shape s, long[] tokens, List<io.moesim.ir.WeightFormat> formats) {
        int n = tokens.length;
        return new ExpertFfn(n, Math.min(s.topK(), n), LongImmutableList.of(tokens), s.hidden(), s.ffn(), s.activation(), s.wdtype(), s.wfmt(),
                formats, true);
    }
}
