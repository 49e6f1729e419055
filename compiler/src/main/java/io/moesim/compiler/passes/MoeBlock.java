package io.moesim.compiler.passes;

import it.unimi.dsi.fastutil.longs.LongImmutableList;

/**
 * The nodes of one routed-expert block of the parallel graph (paths; null where absent), and the
 * routing of the whole batch: the graph holds device 0's slice and an even spread of its copies
 * over its local experts; lowering specialises each device from {@code globalTokens} and the expert
 * assignment.
 *
 * @param a2aDispatch  the all-to-all carrying token copies to the experts' devices (ep > 1)
 * @param a2aCombine   the all-to-all bringing results back (ep > 1)
 * @param globalTokens copies per expert over the whole batch (Σ = T·top_k)
 * @param expertFormats each global expert's weight format when the layer mixes formats, else null
 */
public record MoeBlock(String dispatch, String a2aDispatch, String ffn, String a2aCombine, String combine,
        int experts, int topK, long hidden, LongImmutableList globalTokens, java.util.List<io.moesim.ir.WeightFormat> expertFormats) {
    public MoeBlock(String dispatch, String a2aDispatch, String ffn, String a2aCombine, String combine,
            int experts, int topK, long hidden, LongImmutableList globalTokens) {
        this(dispatch, a2aDispatch, ffn, a2aCombine, combine, experts, topK, hidden, globalTokens, null);
    }
}
