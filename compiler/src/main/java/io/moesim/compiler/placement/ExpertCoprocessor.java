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
 * the xPU; the one with the fewest tokens (ties: lowest index) moves to PIM, then the next, as long
 * as the finishing time max(xPU side, PIM side) strictly improves. Each side's time is the cost
 * model's time for one expert_ffn over that side's experts.
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

    /** What one expert set costs: the expert's shape, independent of its tokens. */
    public record Shape(long hidden, long ffn, FfnActivation activation, DType wdtype, DType dtype, io.moesim.ir.WeightFormat wfmt) {
        /** Weights stored in {@code wdtype}. */
        public Shape(long hidden, long ffn, FfnActivation activation, DType wdtype, DType dtype) {
            this(hidden, ffn, activation, wdtype, dtype, null);
        }

        public Shape {
            wfmt = wfmt == null ? io.moesim.ir.WeightFormat.of(wdtype) : wfmt;
        }

        public static Shape of(ExpertFfn f, DType activationDtype) {
            return new Shape(f.hidden(), f.ffn(), f.activation(), f.wdtype(), activationDtype, f.wfmt());
        }
    }

    private record Signature(Shape shape, LongImmutableList tokens) {
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
        return memo.computeIfAbsent(new Signature(shape, LongImmutableList.of(tokens)), s -> compute(shape, tokens));
    }

    /** Distinct signatures decided so far. */
    public int memoSize() {
        return memo.size();
    }

    private Decision compute(Shape shape, long[] tokens) {
        int n = tokens.length;
        Integer[] order = new Integer[n];
        for (int e = 0; e < n; e++) {
            order[e] = e;
        }
        Arrays.sort(order, (a, b) -> tokens[a] != tokens[b] ? Long.compare(tokens[a], tokens[b]) : Integer.compare(a, b));
        boolean[] onPim = new boolean[n];
        double bestX = side(shape, tokens, onPim, false, xpu);
        double bestP = 0;
        double best = bestX;
        for (int k = 0; k < n; k++) {
            onPim[order[k]] = true;
            double x = side(shape, tokens, onPim, false, xpu);
            double p = side(shape, tokens, onPim, true, pim);
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

    private double side(Shape s, long[] tokens, boolean[] onPim, boolean pimSide, ProcessorSpec proc) {
        LongArrayList t = new LongArrayList();
        for (int e = 0; e < tokens.length; e++) {
            if (onPim[e] == pimSide) {
                t.add(tokens[e]);
            }
        }
        if (t.isEmpty()) {
            return 0;
        }
        ExpertFfn op = subset(s, t.toLongArray());
        return cost.seconds(op, List.of(TensorType.of(s.dtype(), op.totalTokens(), s.hidden())), device, proc);
    }

    /** An expert_ffn over some experts with these token counts. */
    public static ExpertFfn subset(Shape s, long[] tokens) {
        int n = tokens.length;
        return new ExpertFfn(n, 1, LongImmutableList.of(tokens), s.hidden(), s.ffn(), s.activation(), s.wdtype(), s.wfmt());
    }
}
