package io.moesim.sim.kernel;

/**
 * How many CTAs TensorRT-LLM's masked multi-head attention decode kernel (MMHA, its fallback beside XQA: groups of 1 and
 * groups above XQA's) splits each (sequence, query head)'s keys over in multi-block mode, and how its CTAs fill the SMs.
 * The launcher ({@code mmha_launch_kernel_ex} and {@code multi_block_grid_setup}, cpp/tensorrt_llm/kernels/
 * decoderMaskedMultiheadAttention/decoderMaskedMultiheadAttentionLaunch.h) and the attention op's workspace
 * ({@code AttentionOp::getMaxNumSeqLenTile}: divUp(SMs, batch x heads), "only one wave of blocks") give, for P = sequences x
 * query heads on {@code s} SMs:
 * <ol>
 *   <li>the split is at most divUp(s, P), so only P below s splits at all;</li>
 *   <li>such a grid runs blocks of 1024 threads: the block-size factor is min(divUp(s x 4, P), 4) on a 256-thread base that
 *       fits 4 blocks per SM (32 warps per SM, "limited by registers"), 4 wherever P is at most s; one such block per SM;</li>
 *   <li>each CTA walks at least one unrolled loop of keys, so the split is also at most divUp(kv + 1, divUp(1024, threads per
 *       value) x 8), a thread group of 16-byte loads covering one head ({@link #threadsPerValue}).</li>
 * </ol>
 * So a P that does not divide the SMs runs a second, partial wave: 64 pairs split 3 ways are 192 CTAs, 132 then 60. Each CTA
 * writes a partial softmax state and the last of a split merges them. Not modelled: the shared-memory floor on the split
 * ({@code estimate_min_multi_block_count}: about 38,400 keys per CTA on Hopper's 227 KB), which only keys beyond that per
 * CTA reach.
 */
public final class MmhaMultiBlock {
    /** The threads of a multi-block CTA (256-thread base x the block-size factor of 4). */
    public static final int BLOCK_THREADS = 1024;
    /** Keys per thread group in one pass of the key loop ({@code seq_len_per_kv_loop}: "unroll size is default at 8"). */
    public static final int KEY_LOOP_UNROLL = 8;
    /** Bytes one thread loads per vector access (a 16-byte vector of bf16 values). */
    public static final int VECTOR_BYTES = 16;
    /** Bytes per element of the kernel's compute type (bf16 / fp16). */
    public static final int ELEMENT_BYTES = 2;

    private MmhaMultiBlock() {
    }

    /** {@code mmha::dh_max}: the head dim rounded up to a power of two. */
    static int headDimMax(int headDim) {
        int d = Math.max(1, headDim);
        return Integer.bitCount(d) == 1 ? d : Integer.highestOneBit(d) << 1;
    }

    /** {@code mmha::threads_per_value}: the threads that load one head's vector of values, 16 bytes each. */
    static int threadsPerValue(int headDim) {
        return Math.max(1, headDimMax(headDim) * ELEMENT_BYTES / VECTOR_BYTES);
    }

    /**
     * The CTAs per (sequence, query head), MMHA's {@code seq_len_tile}: {@code pairs} = sequences x query heads, {@code kvLen} past
     * keys, on {@code sms} SMs.
     */
    public static int tiles(long pairs, int headDim, long kvLen, int sms) {
        if (pairs <= 0 || pairs >= sms) {
            return 1;
        }
        long oneWave = FrameworkCost.ceilDiv(sms, pairs);
        long keyLoop = FrameworkCost.ceilDiv(BLOCK_THREADS, threadsPerValue(headDim)) * KEY_LOOP_UNROLL;
        return (int) Math.max(1, Math.min(oneWave, FrameworkCost.ceilDiv(kvLen + 1, keyLoop)));
    }
}
