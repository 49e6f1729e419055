package io.moesim.sim.kernel.engine;

import io.moesim.sim.kernel.dram.AccessPattern;
import io.moesim.sim.kernel.dram.Transfer;
import java.util.PriorityQueue;

/**
 * Attention on a GPU/xPU, flash style: a CTA owns a block of query rows of one (sequence, KV head)
 * and walks the keys in blocks of {@link #BLOCK_KV}; per key block it runs S = Q·Kᵀ and O += P·V on
 * the engine's MAC array (query rows padded to the array's tile: GQA decode rows are few) and the
 * online softmax on the vector units. A CTA costs what a flash kernel's main loop does
 * ({@link #ctaCycles}):
 *
 * <ul>
 *   <li><b>O stays on chip</b>: the output accumulator is stationary across the CTA's whole key
 *       range: P·V is one output-stationary product of (rows × keys)·(keys × v), each array tile
 *       of O filled and drained once per CTA (as {@link GemmModel} costs a CTA output tile).</li>
 *   <li><b>S streams</b>: the S tiles of consecutive key blocks go through the array back to back
 *       with fill and drain overlapped (Q·Kᵀ of block j+1 overlaps the softmax and P·V of block j:
 *       FA3's ping-pong / intra-warpgroup pipelining), so only the stream's first tile pays the
 *       array's fill and drain: the stream costs what one array tile of K = (all S tiles × qk)
 *       costs in {@link MacArraySim#cycles}.</li>
 *   <li><b>Softmax</b> (assumption): per score one exponential on the special-function units and
 *       {@link #SOFTMAX_FLOPS} FLOPs (max, scale, sum, O rescale) on the FP32 lanes. The FP32-lane
 *       work overlaps the matrix work (the other warpgroup's GEMMs); the exponentials do not: they
 *       sit between S and P·V of the same block and are counted after the matrix clocks. The
 *       special-function rate is the FP32 lane rate / {@link #SFU_RATIO} (CUDA C++ Programming
 *       Guide throughput table, compute capability 8.x/9.0: 16 exp2 vs 128 FP32 FMA per SM per
 *       clock). FA3's paper (Shah et al. 2024, Sec. 3) gives the same figures (989 TFLOP/s matmul
 *       vs 3.9 TFLOP/s special functions) and names the exponential as the forward pass's
 *       bottleneck next to the GEMMs.</li>
 *   <li><b>Causal</b>: a CTA sees only the key blocks up to its diagonal (fully masked blocks are
 *       skipped; the diagonal block is computed in full).</li>
 *   <li><b>Per CTA</b>: the spec's {@code tile_overhead_cycles} (prologue: Q load, first K/V
 *       stage; epilogue: O normalise and store), the same calibration mechanism as GEMM tiles;
 *       none by default.</li>
 *   <li><b>Prefill / chunked prefill</b>: CTAs of {@link #BLOCK_Q} query rows of one head; causal
 *       CTAs differ in length, so they are placed on the engines longest first (a list schedule,
 *       which is where the wave tail shows). A short prompt of a grouped-query model packs the group's
 *       heads into a tile ({@link #packsGqa}, FlashAttention-3's PackGQA) rather than padding each head's
 *       few rows to a tile.</li>
 *   <li><b>Decode</b>: one CTA per (sequence, KV head) holds that head's query group; the keys are
 *       split (flash-decoding) into the count, up to one wave of engines, that the model finds
 *       fastest (more engines never make it slower); each split is a CTA of the rule above over its keys. With few query rows the MAC array is mostly padding, and
 *       DRAM time dominates. A decode CTA is short, so what a long CTA hides does not hide here: per
 *       wave of CTAs the stream waits one memory latency (the Q load and first K stage) and the
 *       per-CTA overhead (epilogue), on top of the KV stream. With more than one split, a second
 *       kernel merges the partial O and log-sum-exp (fp32): one more launch, one memory latency and
 *       the partials' traffic.</li>
 * </ul>
 * DRAM: the op's minimum traffic (Q, K, V, O; the KV cache once: the CTAs of one KV head run in
 * the same wave and share it through L2), at the sequential pattern's achieved bandwidth.
 * Time = launch + fill + max(compute schedule, DRAM time). The MAC array's clocks run at the spec's
 * matrix efficiency for the dtype (array clocks / efficiency), as in {@link GemmModel}; the softmax
 * on the vector units does not.
 */
public final class AttentionModel {
    public static final int BLOCK_Q = 128;
    public static final int BLOCK_KV = 128;
    /** FP32-lane FLOPs per score besides the exponential: running max, scale, row sum, O rescale. */
    static final double SOFTMAX_FLOPS = 4;
    /** FP32 FLOPs per clock (2 per FMA lane) per special-function result per clock: 2 × 128 / 16. */
    static final double SFU_RATIO = 16;

    private AttentionModel() {
    }

    /**
     * @param units      independent (sequence, KV head) pairs
     * @param qRows      query rows per unit (query heads of the group × q_len)
     * @param qLen       new tokens per sequence (1 in decode)
     * @param kvLen      keys per sequence
     * @param qkDim      dimension of the scores' contraction
     * @param vDim       value dimension
     * @param causal     whether query i sees only keys up to its position
     * @param bytes      the op's minimum DRAM traffic
     */
    public static WorkBreakdown run(EngineContext ctx, long units, long qRows, long qLen, long kvLen, long qkDim, long vDim,
            boolean causal, long bytes, int macs) {
        return run(ctx, units, qRows, qLen, kvLen, qkDim, vDim, causal, bytes, macs, 1.0);
    }

    /** @param efficiency fraction of the array's MACs per clock the main loop sustains (0 < e ≤ 1), as in {@link GemmModel#run} */
    public static WorkBreakdown run(EngineContext ctx, long units, long qRows, long qLen, long kvLen, long qkDim, long vDim,
            boolean causal, long bytes, int macs, double efficiency) {
        if (!(efficiency > 0) || efficiency > 1) {
            throw new IllegalArgumentException("matrix efficiency must be in (0, 1], got " + efficiency);
        }
        int[] arr = MacArraySim.shapeFor(macs);
        long engines = ctx.engines();
        long kvBlocks = (kvLen + BLOCK_KV - 1) / BLOCK_KV;
        if (qLen == 1 || qRows <= BLOCK_Q) {
            // decode: whole query group in one CTA; the keys split over CTAs (flash-decoding) as a library's
            // split heuristic would: the split count up to one wave of engines that the model finds fastest
            // (wave fill against the merge kernel); ties go to fewer splits
            long most = Math.max(1, Math.min(kvBlocks, engines / units));
            WorkBreakdown best = null;
            for (long s = 1; s <= most; s++) {
                WorkBreakdown w = decode(ctx, arr, units, qRows, kvBlocks, qkDim, vDim, bytes, efficiency, s);
                if (best == null || w.totalSeconds() < best.totalSeconds()) {
                    best = w;
                }
            }
            return best;
        }
        double vec = ctx.vectorFlops();
        long groupRows = qRows / qLen; // query heads per KV head
        boolean pack = packsGqa(qLen, groupRows);
        // a CTA tile holds BLOCK_Q rows of one query head (positions i*BLOCK_Q ...), or packed, BLOCK_Q rows of the
        // whole group, position-major (positions up to (i + 1) * BLOCK_Q / group)
        long tilesPerUnit = pack ? (qRows + BLOCK_Q - 1) / BLOCK_Q : (qLen + BLOCK_Q - 1) / BLOCK_Q;
        long[] cycles = new long[(int) Math.min(tilesPerUnit, 1 << 20)]; // cycles of distinct CTA kinds
        long[] counts = new long[cycles.length];
        for (int i = 0; i < cycles.length; i++) {
            long lastPos = pack ? ((i + 1L) * BLOCK_Q + groupRows - 1) / groupRows : (i + 1L) * BLOCK_Q;
            long lastQ = kvLen - qLen + Math.min(qLen, lastPos); // keys the block's last query sees
            long blocks = causal ? (lastQ + BLOCK_KV - 1) / BLOCK_KV : kvBlocks;
            cycles[i] = ctaCycles(arr, BLOCK_Q, blocks, qkDim, vDim, vec, efficiency, ctx.tileOverheadCycles());
            counts[i] = pack ? units : units * groupRows;
        }
        long ctas = prefillCtas(units, qLen, groupRows);
        double computeS = listSchedule(cycles, counts, engines) * ctx.cycleSeconds();
        Transfer mem = ctx.transfer(AccessPattern.SEQUENTIAL, bytes, Math.min(ctas, engines));
        double fill = ctx.dramLatencySeconds();
        long waves = (ctas + engines - 1) / engines;
        double total = ctx.launchSeconds() + fill + Math.max(computeS, mem.seconds());
        return new WorkBreakdown(total, computeS, mem.seconds(), ctx.launchSeconds(), fill, bytes, waves, ctas,
                BLOCK_Q + "x" + BLOCK_KV, mem.rowHitRate(), mem.refreshShare(), ctx.clockMHz(), false);
    }

    /**
     * Whether a prefill kernel packs the query heads of a KV head's group into its query tiles (FlashAttention-3's
     * PackGQA: the tile's rows are (position, head) pairs, so a short prompt fills the tile with the group's heads instead
     * of padding one head's few positions to {@link #BLOCK_Q}). As FA3 decides it for a fixed-length batch
     * ({@code should_pack_gqa}, hopper/heuristics.h, Dao-AILab/flash-attention): when the share of a tile's rows a head
     * fills alone, q_len / roundup(q_len, BLOCK_Q), is under 0.9 of the share the packed group fills,
     * q_len x group / roundup(q_len x group, BLOCK_Q).
     */
    public static boolean packsGqa(long qLen, long group) {
        if (group <= 1) {
            return false;
        }
        double alone = (double) qLen / roundUp(qLen, BLOCK_Q);
        double packed = (double) (qLen * group) / roundUp(qLen * group, BLOCK_Q);
        return alone < 0.9 * packed;
    }

    /** The CTAs of a prefill over {@code units} (sequence, KV head) pairs: one per query tile, packed or per head ({@link #packsGqa}). */
    public static long prefillCtas(long units, long qLen, long group) {
        return packsGqa(qLen, group) ? units * ((qLen * group + BLOCK_Q - 1) / BLOCK_Q) : units * group * ((qLen + BLOCK_Q - 1) / BLOCK_Q);
    }

    /** The CTAs of a prefill over {@code units} (sequence, KV head) pairs by a kernel that never packs: one per query head and tile of query rows. */
    public static long perHeadCtas(long units, long qLen, long group) {
        return units * group * ((qLen + BLOCK_Q - 1) / BLOCK_Q);
    }

    private static long roundUp(long a, long b) {
        return (a + b - 1) / b * b;
    }

    /**
     * Decode with the keys of each (sequence, KV head) split {@code splits} ways. A decode CTA is short:
     * its Q load waits one memory latency before the KV stream starts and its epilogue (normalise,
     * store O) runs after it ends, so each wave adds both to the stream; with more than one split a
     * second kernel merges the partial O and log-sum-exp (fp32).
     */
    private static WorkBreakdown decode(EngineContext ctx, int[] arr, long units, long qRows, long kvBlocks, long qkDim, long vDim,
            long bytes, double efficiency, long splits) {
        long engines = ctx.engines();
        long blocksPer = (kvBlocks + splits - 1) / splits;
        long[] cycles = {ctaCycles(arr, qRows, blocksPer, qkDim, vDim, ctx.vectorFlops(), efficiency, ctx.tileOverheadCycles())};
        long ctas = units * splits;
        double computeS = listSchedule(cycles, new long[] {ctas}, engines) * ctx.cycleSeconds();
        Transfer mem = ctx.transfer(AccessPattern.SEQUENTIAL, bytes, Math.min(ctas, engines));
        double fill = ctx.dramLatencySeconds();
        long waves = (ctas + engines - 1) / engines;
        double perWave = waves * (fill + ctx.tileOverheadCycles() * ctx.cycleSeconds());
        double memS = mem.seconds() + perWave;
        double merge = 0;
        if (splits > 1) {
            long partials = units * splits * qRows * (vDim + 1) * 4;
            merge = ctx.launchSeconds() + fill + ctx.transfer(AccessPattern.SEQUENTIAL, 2 * partials, Math.min(units, engines)).seconds();
        }
        double total = ctx.launchSeconds() + fill + Math.max(computeS, memS) + merge;
        return new WorkBreakdown(total, computeS, mem.seconds(), ctx.launchSeconds() * (splits > 1 ? 2 : 1), fill + perWave, bytes, waves,
                ctas, BLOCK_Q + "x" + BLOCK_KV, mem.rowHitRate(), mem.refreshShare(), ctx.clockMHz(), false);
    }

    /**
     * Clocks of one CTA: {@code rows} query rows over {@code blocks} key blocks of {@link #BLOCK_KV}.
     * Matrix = (S stream: one array tile of K = S tiles × qk) + (P·V: rows × v output tiles, K = all
     * the CTA's keys), over the efficiency; plus the exponentials on the special-function units;
     * the FP32-lane softmax overlaps both (max); plus the per-CTA overhead.
     */
    static long ctaCycles(int[] arr, long rows, long blocks, long qkDim, long vDim, double vecFlops, double efficiency,
            long overheadCycles) {
        if (blocks <= 0) {
            return overheadCycles;
        }
        long sTiles = blocks * MacArraySim.tiles(arr[0], arr[1], rows, BLOCK_KV);
        long s = MacArraySim.cycles(arr[0], arr[1], arr[0], arr[1], sTiles * qkDim);
        long pv = MacArraySim.cycles(arr[0], arr[1], rows, vDim, blocks * BLOCK_KV);
        long matrix = (long) Math.ceil((s + pv) / efficiency);
        double scores = (double) rows * BLOCK_KV * blocks;
        long exp = (long) Math.ceil(scores * SFU_RATIO / vecFlops);
        long lanes = (long) Math.ceil(scores * SOFTMAX_FLOPS / vecFlops);
        return Math.max(matrix + exp, lanes) + overheadCycles;
    }

    /** Longest-first list schedule of CTAs on engines; returns the makespan in cycles. */
    static long listSchedule(long[] cycles, long[] counts, long engines) {
        Integer[] order = new Integer[cycles.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Long.compare(cycles[b], cycles[a]));
        long total = 0;
        for (long c : counts) {
            total += c;
        }
        if (cycles.length == 1 && total <= 200_000) {
            // CTAs all alike (decode): the list schedule is whole waves, no placing needed
            return (total + engines - 1) / engines * cycles[0];
        }
        if (total > 200_000) {
            // too many CTAs to place one by one: full waves of each kind, then the tail placed
            long makespanLoad = 0;
            long maxC = 0;
            for (int i = 0; i < cycles.length; i++) {
                makespanLoad += cycles[i] * counts[i];
                maxC = Math.max(maxC, cycles[i]);
            }
            return (makespanLoad + engines - 1) / engines + maxC;
        }
        PriorityQueue<long[]> heap = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
        for (long e = 0; e < Math.min(engines, total); e++) {
            heap.add(new long[] {0});
        }
        long makespan = 0;
        for (int idx : order) {
            for (long j = 0; j < counts[idx]; j++) {
                long[] e = heap.poll();
                e[0] += cycles[idx];
                makespan = Math.max(makespan, e[0]);
                heap.add(e);
            }
        }
        return makespan;
    }
}
