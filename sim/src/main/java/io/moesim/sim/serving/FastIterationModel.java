package io.moesim.sim.serving;

import io.moesim.ir.MoesimException;
import io.moesim.sim.energy.EnergyBreakdown;
import java.util.HashMap;
import java.util.Map;

/**
 * The fast iteration cost model: an iteration's cost is interpolated between the exactly simulated
 * costs ({@link IterationCache}) of grid signatures around it, so a run with varied lengths simulates
 * fewer shapes event by event than it meets.
 *
 * <p>A decode-only iteration (n_d decodes at mean context c_d) is interpolated bilinearly over
 * (n_d, c_d): n_d on a grid of {@link #DEFAULT_DECODE_BITS} significant bits (the cost steps with it:
 * Duplex moves an expert to co-processing, a GEMM adds a wave), c_d on {@link #DEFAULT_GRID_BITS}
 * (the cost is near affine in it: decode attention reads Σ context = n_d · c_d). An iteration with
 * prefill chunks adds the chunks' increment over the decodes alone, cost(n_d, c_d, n_p, l_p, c_p) −
 * cost(n_d, c_d), interpolated multilinearly over n_d and c_d ({@link #MIXED_BITS}) and the chunk
 * l_p and its earlier context c_p − l_p ({@link #PREFILL_BITS}); the number of chunks n_p is exact.
 * Values below 2^bits are grid points themselves (0 and 1 decodes, whole prompts never mix with
 * anything else); a corner of zero weight is never simulated. Where a corner does not compile (a
 * larger shape than the devices hold), the signature is simulated exactly instead.
 *
 * <p>The error is where the exact cost is not smooth between grid points: a wave or co-processing
 * step, and each signature's own routing draw, which under skewed routing makes neighbouring shapes'
 * exact costs jump. The draw is seeded by the routed shape (decodes, prompts, chunk length), not by the
 * contexts ({@link BatchSignature#mix}), so the corners along a context axis carry the same expert
 * loads as the signature between them: on Duplex with idle experts, where the xPU/PIM split moves with
 * every draw, a context-seeded draw put single decode shapes up to 20% off and the TBT p50 of the
 * skewed run 5.6% off; the corners along the decode and chunk axes still differ in their draws. {@code FastIterationModelTest} states the bound held
 * on fixed runs and where it is not held. The increment's weights can be negative, so fields are
 * clamped (makespan at least the roofline bound, busy times and bytes at least 0); longs are rounded.
 * Corners are combined in a fixed order, so a run is deterministic. Not thread-safe, like the cache
 * it wraps.
 */
public final class FastIterationModel implements IterationModel {
    /**
     * Significant bits of the grid over the number of decodes: exact below 128, steps of 2 to 255,
     * of 4 to 511, and so on (an iteration's cost steps with it: Duplex moves an expert to co-processing, a GEMM
     * adds a wave).
     */
    public static final int DEFAULT_DECODE_BITS = 7;
    /** Significant bits of the grid over the decodes' mean context, along which a decode iteration's cost is near affine. */
    public static final int DEFAULT_GRID_BITS = 1;

    private final IterationCache exact;
    /** Significant bits of the prefill chunk and its earlier context, in the prefill increment. */
    public static final int PREFILL_BITS = 3;
    /** Significant bits of the decodes and their context in the prefill increment (it depends on them weakly). */
    public static final int MIXED_BITS = 3;
    private final int decodeBits;
    private final int bits;
    private final Map<BatchSignature, IterationOutcome> memo = new HashMap<>();
    private final java.util.Set<BatchSignature> infeasible = new java.util.HashSet<>();
    private long hits;
    private long fallbacks;

    public FastIterationModel(IterationCache exact) {
        this(exact, DEFAULT_DECODE_BITS, DEFAULT_GRID_BITS);
    }

    public FastIterationModel(IterationCache exact, int decodeBits, int gridBits) {
        if (gridBits < 1 || gridBits > 30 || decodeBits < 1 || decodeBits > 30) {
            throw new IllegalArgumentException("grid bits must be in 1..30, got " + decodeBits + " and " + gridBits);
        }
        this.exact = exact;
        this.decodeBits = decodeBits;
        this.bits = gridBits;
    }

    /** The grid value at or below {@code x} and the next one above (equal when {@code x} is on the grid). */
    static long[] bracket(long x, int bits) {
        if (x < (1L << bits)) {
            return new long[] {x, x};
        }
        int shift = 63 - Long.numberOfLeadingZeros(x) - bits + 1;
        long lo = (x >> shift) << shift;
        return new long[] {lo, lo == x ? x : lo + (1L << shift)};
    }

    @Override
    public IterationOutcome get(BatchSignature s) {
        IterationOutcome o = memo.get(s);
        if (o != null) {
            hits++;
            return o;
        }
        if (s.decodeQuery() > 1) {
            // speculative verifier passes are off the interpolation grid (its corners are plain steps): exact
            o = exact.get(s);
            memo.put(s, o);
            return o;
        }
        try {
            o = interpolate(s);
        } catch (MoesimException e) {
            // a grid corner past this shape may not fit the devices (its KV cache, say) where the shape
            // itself does: this signature is simulated exactly instead
            o = exact.get(s);
            fallbacks++;
        }
        memo.put(s, o);
        return o;
    }

    /** Signatures simulated exactly because a grid corner around them could not be compiled. */
    public long fallbacks() {
        return fallbacks;
    }

    private IterationOutcome corner(BatchSignature s) {
        if (infeasible.contains(s)) {
            throw new MoesimException("grid signature " + s + " does not compile");
        }
        try {
            return exact.get(s);
        } catch (MoesimException e) {
            infeasible.add(s);
            throw e;
        }
    }

    private IterationOutcome interpolate(BatchSignature s) {
        Acc acc = new Acc(exact.processorNames().length);
        if (s.decodes() > 0) {
            decodes(acc, 1, s.decodes(), s.decodeContext());
        }
        if (s.prefills() == 0) {
            return acc.outcome();
        }
        // the prefill chunks' increment over the decodes alone, interpolated on a coarser grid
        long[][] box = new long[4][];
        box[0] = bracket(s.decodes(), MIXED_BITS);
        box[1] = s.decodes() == 0 ? new long[] {0, 0} : bracket(s.decodeContext(), MIXED_BITS);
        box[2] = bracket(s.prefillLength(), PREFILL_BITS);
        box[3] = bracket(s.prefillContext() - s.prefillLength(), PREFILL_BITS);
        double[] t = new double[4];
        t[0] = frac(s.decodes(), box[0]);
        t[1] = frac(s.decodeContext(), box[1]);
        t[2] = frac(s.prefillLength(), box[2]);
        t[3] = frac(s.prefillContext() - s.prefillLength(), box[3]);
        for (int corner = 0; corner < 16; corner++) {
            double w = 1;
            long[] at = new long[4];
            for (int d = 0; d < 4; d++) {
                boolean hi = (corner >> d & 1) == 1;
                w *= hi ? t[d] : 1 - t[d];
                at[d] = box[d][hi ? 1 : 0];
            }
            if (w == 0) {
                continue;
            }
            acc.add(w, corner(new BatchSignature((int) at[0], at[1], s.prefills(), at[2], at[2] + at[3])));
            if (at[0] > 0) {
                acc.add(-w, corner(new BatchSignature((int) at[0], at[1], 0, 0)));
            }
        }
        return acc.outcome();
    }

    /** Adds {@code scale} × the decode-only cost of (n, context), interpolated over the decode grid. */
    private void decodes(Acc acc, double scale, int n, long context) {
        long[] bn = bracket(n, decodeBits);
        long[] bc = bracket(context, bits);
        double tn = frac(n, bn);
        double tc = frac(context, bc);
        for (int corner = 0; corner < 4; corner++) {
            boolean hn = (corner & 1) == 1;
            boolean hc = (corner & 2) == 2;
            double w = scale * (hn ? tn : 1 - tn) * (hc ? tc : 1 - tc);
            if (w != 0) {
                acc.add(w, corner(new BatchSignature((int) bn[hn ? 1 : 0], bc[hc ? 1 : 0], 0, 0)));
            }
        }
    }

    private static double frac(long x, long[] b) {
        return b[1] == b[0] ? 0 : (double) (x - b[0]) / (b[1] - b[0]);
    }

    /** A weighted sum of outcomes, field by field. */
    private static final class Acc {
        double makespan;
        final double[] busy;
        double intra;
        double inter;
        double flops;
        double mem;
        double dram;
        double sram;
        double logic;
        double link;
        double stat;
        double roof;

        Acc(int processors) {
            busy = new double[processors];
        }

        void add(double w, IterationOutcome o) {
            makespan += w * o.makespanPs();
            for (int i = 0; i < busy.length; i++) {
                busy[i] += w * o.busyPs()[i];
            }
            intra += w * o.intraLinkBusyPs();
            inter += w * o.interLinkBusyPs();
            flops += w * o.flops();
            mem += w * o.memoryBoundPs();
            EnergyBreakdown e = o.dynamicEnergy();
            dram += w * e.dramJ();
            sram += w * e.sramJ();
            logic += w * e.logicJ();
            link += w * e.linkJ();
            stat += w * e.staticJ();
            roof += w * o.rooflinePs();
        }

        IterationOutcome outcome() {
            long[] b = new long[busy.length];
            for (int i = 0; i < b.length; i++) {
                b[i] = Math.max(0, Math.round(busy[i]));
            }
            long r = Math.max(0, Math.round(roof));
            // an increment may be negative; the iteration never beats its own roofline bound
            return new IterationOutcome(Math.max(Math.max(1, r), Math.round(makespan)), b, Math.max(0, Math.round(intra)),
                    Math.max(0, Math.round(inter)), Math.max(0, Math.round(flops)), Math.max(0, mem),
                    new EnergyBreakdown(dram, sram, logic, link, stat), r, null);
        }
    }

    @Override
    public IterationOutcome exact(BatchSignature s) {
        return exact.exact(s);
    }

    @Override
    public String[] processorNames() {
        return exact.processorNames();
    }

    @Override
    public int size() {
        return memo.size();
    }

    @Override
    public long hits() {
        return hits;
    }

    @Override
    public long simulated() {
        return exact.simulated();
    }
}
