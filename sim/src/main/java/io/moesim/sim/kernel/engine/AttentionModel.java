package io.moesim.sim.kernel.engine;

import io.moesim.sim.kernel.dram.AccessPattern;
import io.moesim.sim.kernel.dram.Transfer;
import java.util.PriorityQueue;

/**
 * Attention on a GPU/xPU, flash style: a CTA owns a block of query rows of one (sequence, KV head)
 * and walks the keys in blocks of {@link #BLOCK_KV}; per key block it runs Q·Kᵀ and P·V on the
 * engine's MAC array (query rows padded to the array's tile: GQA decode rows are few) and the
 * online softmax (5 FLOPs per score) on the vector units.
 *
 * <ul>
 *   <li>Prefill / chunked prefill: CTAs of {@link #BLOCK_Q} query rows of one head; causal CTAs see
 *       only the key blocks up to their diagonal, so CTA lengths differ and they are placed on the
 *       engines longest first (a list schedule, which is where the wave tail shows).</li>
 *   <li>Decode: one CTA per (sequence, KV head) holds that head's query group; the keys are split
 *       (flash-decoding) until there are about as many CTAs as engines, then reduced.</li>
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
        double vec = ctx.vectorFlops();
        long kvBlocks = (kvLen + BLOCK_KV - 1) / BLOCK_KV;
        long ctas;
        long[] cycles; // cycles of distinct CTA kinds
        long[] counts;
        if (qLen == 1 || qRows <= BLOCK_Q) {
            // decode: whole query group in one CTA, keys split over CTAs
            long splits = Math.max(1, Math.min(kvBlocks, (engines + units - 1) / units));
            long blocksPer = (kvBlocks + splits - 1) / splits;
            long perBlock = blockCycles(arr, qRows, qkDim, vDim, vec, efficiency);
            cycles = new long[] {blocksPer * perBlock};
            counts = new long[] {units * splits};
            ctas = units * splits;
        } else {
            long qBlocksPerHead = (qLen + BLOCK_Q - 1) / BLOCK_Q;
            long groupRows = qRows / qLen; // query heads per KV head
            long perBlock = blockCycles(arr, BLOCK_Q, qkDim, vDim, vec, efficiency);
            cycles = new long[(int) Math.min(qBlocksPerHead, 1 << 20)];
            counts = new long[cycles.length];
            for (int i = 0; i < cycles.length; i++) {
                long lastQ = kvLen - qLen + Math.min(qLen, (i + 1L) * BLOCK_Q); // keys the block's last query sees
                long blocks = causal ? (lastQ + BLOCK_KV - 1) / BLOCK_KV : kvBlocks;
                cycles[i] = blocks * perBlock;
                counts[i] = units * groupRows;
            }
            ctas = units * groupRows * qBlocksPerHead;
        }
        double computeS = listSchedule(cycles, counts, engines) * ctx.cycleSeconds();
        long busy = Math.min(ctas, engines);
        Transfer mem = ctx.transfer(AccessPattern.SEQUENTIAL, bytes, busy);
        double fill = ctx.dramLatencySeconds();
        long waves = (ctas + engines - 1) / engines;
        double total = ctx.launchSeconds() + fill + Math.max(computeS, mem.seconds());
        return new WorkBreakdown(total, computeS, mem.seconds(), ctx.launchSeconds(), fill, bytes, waves, ctas,
                BLOCK_Q + "x" + BLOCK_KV, mem.rowHitRate(), mem.refreshShare(), ctx.clockMHz(), false);
    }

    /** One key block: Q·Kᵀ (rows × 128 × qk), P·V (rows × v × 128) on the array, softmax on vector units. */
    private static long blockCycles(int[] arr, long rows, long qkDim, long vDim, double vecFlops, double efficiency) {
        long qk = (long) Math.ceil(MacArraySim.cycles(arr[0], arr[1], rows, BLOCK_KV, qkDim) / efficiency);
        long pv = (long) Math.ceil(MacArraySim.cycles(arr[0], arr[1], rows, vDim, BLOCK_KV) / efficiency);
        long softmax = (long) Math.ceil(5.0 * rows * BLOCK_KV / vecFlops);
        return qk + pv + softmax;
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
