package io.moesim.sim.kernel;

/**
 * How many CTAs TensorRT-LLM's XQA decode kernel splits each (sequence, KV head)'s keys over in multi-block mode
 * ({@code computeMultiBlockCount}, cpp/tensorrt_llm/kernels/decoderMaskedMultiheadAttention/decoderXQAImplCommon.h;
 * constants in decoderXQAConstants.h). Each CTA of a split walks its share of the keys and writes a partial softmax
 * state; the last of them merges. So a short batch of long sequences runs many CTAs, each paying the kernel's fixed
 * work per CTA, where one CTA per pair would leave most SMs idle.
 *
 * <p>The rule, for a batch of {@code b} sequences of {@code kv} past keys over {@code h} KV heads on {@code s} SMs:
 * <ol>
 *   <li>blocks = kv / {@link #MIN_HISTORY_TOKENS_PER_BLOCK} (integer division);</li>
 *   <li>at most round(sqrt(8 x blocks)) (the final reduction must not dominate), at least 1;</li>
 *   <li>where b x h x blocks / s waves exceed {@link #TARGET_WAVE_FACTOR}, blocks shrink by that excess (floor), at least 1;</li>
 *   <li>at most {@link #MAX_SUB_SEQUENCES} / b (the reserved workspace), at least 1.</li>
 * </ol>
 */
public final class XqaMultiBlock {
    /** {@code kMinHistoryTokensPerBlock}: the fewest past keys one CTA of a split takes. */
    public static final int MIN_HISTORY_TOKENS_PER_BLOCK = 128;
    /** {@code kTargetWaveFactor}: the most waves of CTAs over the SMs a split may make. */
    public static final int TARGET_WAVE_FACTOR = 8;
    /** {@code getXqaMaxNumSubSeq} for non-MLA kernels: the sub-sequences the workspace is reserved for. */
    public static final int MAX_SUB_SEQUENCES = 6000;

    private XqaMultiBlock() {
    }

    /** The CTAs per (sequence, KV head) for {@code batch} sequences of {@code kvLen} past keys over {@code kvHeads} KV heads on {@code sms} SMs. */
    public static int blocks(long batch, long kvHeads, long kvLen, int sms) {
        long blocks = kvLen / MIN_HISTORY_TOKENS_PER_BLOCK;
        blocks = Math.min(blocks, Math.round(Math.sqrt(blocks * 8.0)));
        blocks = Math.max(blocks, 1);
        double waves = (double) batch * kvHeads * blocks / Math.max(1, sms);
        double excess = waves / TARGET_WAVE_FACTOR;
        if (excess > 1) {
            blocks = (long) Math.floor(blocks / excess);
        }
        blocks = Math.max(blocks, 1);
        blocks = Math.max(Math.min(blocks, MAX_SUB_SEQUENCES / Math.max(1, batch)), 1);
        return (int) blocks;
    }
}
