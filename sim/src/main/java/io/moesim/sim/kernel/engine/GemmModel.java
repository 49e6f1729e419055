package io.moesim.sim.kernel.engine;

import io.moesim.sim.kernel.dram.AccessPattern;
import io.moesim.sim.kernel.dram.Transfer;
import java.util.List;

/**
 * A GEMM (or a group of GEMMs in one kernel) on a GPU/xPU, tile by tile.
 *
 * <ul>
 *   <li><b>Tiles</b>: the kernel picks, like a library heuristic, the fastest of a few CTA tiles
 *       (128×256, 256×128, 128×128, 64×256, 64×128, 64×64; K staged by 64) and split-K factors;
 *       M, N (and K per split) are padded to the tile: <i>tile quantisation</i>.</li>
 *   <li><b>Engine</b>: an SM/CU's matrix units are one output-stationary MAC array of the same MACs
 *       per clock ({@link MacArraySim#shapeFor}); a CTA tile is {@code ceil(tm/R)·ceil(tn/C)} array
 *       tiles back to back, with the array's fill and drain.</li>
 *   <li><b>Waves</b>: tiles are equal, so the kernel takes {@code ceil(tiles / engines)} tile
 *       times: <i>wave quantisation</i>.</li>
 *   <li><b>Traffic</b>: an operand panel is re-read from HBM unless it stays in L2: with half of
 *       L2 for operands, the output is walked in super-blocks whose A row panels and B column
 *       panels fit; A is read once per super-block column, B once per super-block row. A super-block
 *       is never smaller than one wave's block of tiles (about √engines on a side, as rasterised
 *       kernels walk it): the CTAs of a wave stream K in step, so each panel they share is read from
 *       HBM once and served to the others from L2 whatever its full length. Split-K partial sums
 *       (fp32) are written and read back. C is written once.</li>
 *   <li><b>Feed</b>: a tile's operands ((tm + tn)·K elements) pass the engine's L2 feed
 *       ({@link EngineContext#FEED_BYTES_PER_CLOCK}); small tiles become feed bound.</li>
 *   <li><b>Efficiency</b>: the main loop runs at the spec's matrix efficiency for the dtype (array
 *       clocks / efficiency), and each tile adds the spec's per-tile overhead clocks (prologue and
 *       epilogue no other work hides); both default to none.</li>
 *   <li><b>Time</b>: launch + fill (DRAM latency of the first K stage) + max(compute, DRAM time
 *       of the traffic at the sequential pattern's achieved bandwidth) + drain (write latency of
 *       the last C tiles).</li>
 * </ul>
 */
public final class GemmModel {
    private static final int[][] TILES = {{128, 256}, {256, 128}, {128, 128}, {64, 256}, {64, 128}, {64, 64}};
    private static final int[] SPLITS = {1, 2, 4, 8, 16};
    private static final int K_STAGE = 64;

    private GemmModel() {
    }

    /** {@code count} independent products of (m × k)·(k × n). */
    public record Shape(long m, long n, long k, long count) {
    }

    /** @param efficiency fraction of the array's MACs per clock the main loop sustains (0 < e ≤ 1) */
    public static WorkBreakdown run(EngineContext ctx, List<Shape> shapes, int inBytes, int outBytes, int macs, double efficiency) {
        return run(ctx, shapes, inBytes, outBytes, macs, efficiency, inBytes, 0);
    }

    /**
     * The same with the B operand (the weights) stored in {@code weightBytes} bytes per element (a
     * fraction for sub-byte formats): B's DRAM traffic, its L2 panels and its feed scale with it.
     * A compressed B tile is decoded in shared memory before the MMA: {@code dequantInstructions}
     * lane instructions per weight on the engine's vector lanes ({@link EngineContext#vectorFlops()}
     * / 2 a clock, an FMA being one instruction), added to every tile's clocks (each CTA decodes the
     * B tile it loads; the decode is not overlapped with the tile's MMA).
     */
    public static WorkBreakdown run(EngineContext ctx, List<Shape> shapes, int inBytes, int outBytes, int macs, double efficiency,
            double weightBytes, double dequantInstructions) {
        WorkBreakdown best = null;
        for (int[] tile : TILES) {
            for (int split : SPLITS) {
                WorkBreakdown w = candidate(ctx, shapes, inBytes, outBytes, macs, efficiency, tile[0], tile[1], split, weightBytes,
                        dequantInstructions);
                if (w != null && (best == null || w.totalSeconds() < best.totalSeconds())) {
                    best = w;
                }
            }
        }
        return best;
    }

    private static WorkBreakdown candidate(EngineContext ctx, List<Shape> shapes, int inBytes, int outBytes, int macs, double efficiency,
            int tm, int tn, int split, double wB, double dequant) {
        int[] arr = MacArraySim.shapeFor(macs);
        double smem = ctx.sharedMemoryBytes();
        if (smem > 0 && 2.0 * (tm * inBytes + tn * wB) * K_STAGE > smem) {
            return null; // two K stages must fit shared memory
        }
        long tiles = 0;
        long maxK = 0;
        long traffic = 0;
        double l2Half = ctx.l2Bytes() / 2;
        long engines = ctx.engines();
        for (Shape s : shapes) {
            if (s.m == 0 || s.count == 0) {
                continue;
            }
            if (split > 1 && s.k / split < 4L * K_STAGE) {
                return null; // split-K only where each split keeps a few stages
            }
            long mt = (s.m + tm - 1) / tm;
            long nt = (s.n + tn - 1) / tn;
            tiles += mt * nt * split * s.count;
            long kPer = (s.k + split - 1) / split;
            maxK = Math.max(maxK, kPer);
            long a = s.m * s.k * inBytes;
            long b = (long) Math.ceil(s.k * s.n * wB);
            long rA;
            long rB;
            if (a + b <= l2Half) {
                rA = 1;
                rB = 1;
            } else {
                double panelA = (double) tm * s.k * inBytes;
                double panelB = (double) tn * s.k * wB;
                // one wave's block of tiles: wm rows of tiles by wn columns, wm·wn ≈ the CTAs in flight
                long inFlight = Math.min(mt * nt * split, engines);
                long wm = Math.max(1, Math.min(mt, (long) Math.ceil(Math.sqrt((double) inFlight))));
                long wn = Math.max(1, Math.min(nt, (inFlight + wm - 1) / wm));
                long bn = Math.max(wn, Math.min(nt, (long) (l2Half / 2 / panelB)));
                long bm = Math.max(wm, Math.min(mt, (long) (l2Half / 2 / panelA)));
                rA = (nt + bn - 1) / bn;
                rB = (mt + bm - 1) / bm;
            }
            traffic += s.count * (a * rA + b * rB + s.m * s.n * outBytes);
            if (split > 1) {
                traffic += s.count * 2L * split * s.m * s.n * 4;
            }
        }
        if (tiles == 0) {
            return null;
        }
        long kPadded = (maxK + K_STAGE - 1) / K_STAGE * K_STAGE;
        long arrayCycles = (long) Math.ceil(MacArraySim.cycles(arr[0], arr[1], tm, tn, kPadded) / efficiency);
        // operands of a tile come through the engine's feed: (tm + tn) × K elements per tile
        long feedCycles = (long) Math.ceil((tm * (double) inBytes + tn * wB) * kPadded / EngineContext.FEED_BYTES_PER_CLOCK);
        long dequantCycles = dequant > 0 ? (long) Math.ceil(tn * (double) kPadded * dequant / (ctx.vectorFlops() / 2)) : 0;
        long tileCycles = Math.max(arrayCycles, feedCycles) + dequantCycles + ctx.tileOverheadCycles();
        long waves = (tiles + engines - 1) / engines;
        long busy = Math.min(tiles, engines);
        double compute = waves * tileCycles * ctx.cycleSeconds();
        if (split > 1) {
            compute += ctx.dramLatencySeconds(); // the partial sums' reduction waits for the last split
        }
        Transfer mem = ctx.transfer(AccessPattern.SEQUENTIAL, traffic, busy);
        // the first K stage waits for DRAM; the last C tile's write is the drain (latencies: the
        // bandwidth part is already in the DRAM time of the traffic)
        double fill = ctx.dramLatencySeconds();
        double drain = ctx.dramLatencySeconds();
        double total = ctx.launchSeconds() + fill + Math.max(compute, mem.seconds()) + drain;
        String tile = tm + "x" + tn + "x" + K_STAGE + (split > 1 ? "/splitk" + split : "");
        return new WorkBreakdown(total, compute, mem.seconds(), ctx.launchSeconds(), fill + drain, traffic, waves, tiles, tile,
                mem.rowHitRate(), mem.refreshShare(), ctx.clockMHz(), false);
    }
}
