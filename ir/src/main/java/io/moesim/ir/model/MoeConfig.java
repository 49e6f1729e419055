package io.moesim.ir.model;

import io.moesim.ir.op.Scoring;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The mixture of experts of the MoE layers. Layer i (from 0) is an MoE layer when
 * {@code i >= firstDense}, {@code (i + 1) % step == 0} and i is not in {@code denseLayers}; the
 * others use the dense FFN. This covers DeepSeek's first-k-dense ({@code first_k_dense_replace}),
 * GShard/GLaM's every-other-layer (step 2: layers 1, 3, 5, ...) and Qwen's
 * {@code decoder_sparse_step} and {@code mlp_only_layers}. Shared experts (count × FFN size each)
 * run on every token beside the routed ones.
 */
public record MoeConfig(int experts, int topK, long expertFfn, int sharedExperts, long sharedFfn, Scoring scoring, int firstDense, int step,
        SortedSet<Integer> denseLayers, ExpertQuant quant) {

    /** Routed experts in the serving dtype (no {@link ExpertQuant}). */
    public MoeConfig(int experts, int topK, long expertFfn, int sharedExperts, long sharedFfn, Scoring scoring, int firstDense, int step,
            SortedSet<Integer> denseLayers) {
        this(experts, topK, expertFfn, sharedExperts, sharedFfn, scoring, firstDense, step, denseLayers, null);
    }

    public MoeConfig {
        ModelConfig.positive("moe experts", experts);
        ModelConfig.positive("moe top_k", topK);
        ModelConfig.positive("moe expert ffn", expertFfn);
        ModelConfig.positive("moe step", step);
        ModelConfig.atMost("moe experts", experts, MAX_EXPERTS);
        ModelConfig.atMost("moe expert ffn", expertFfn, ModelConfig.MAX_FFN);
        ModelConfig.atMost("moe shared experts", sharedExperts, MAX_EXPERTS);
        ModelConfig.atMost("moe shared ffn", sharedFfn, ModelConfig.MAX_FFN);
        if (topK > experts) {
            throw new ModelException("moe: top_k " + topK + " exceeds experts " + experts);
        }
        if (sharedExperts < 0 || firstDense < 0) {
            throw new ModelException("moe: shared experts and first dense layers must be >= 0");
        }
        if ((sharedExperts > 0) != (sharedFfn > 0)) {
            throw new ModelException("moe: shared experts need an FFN size (and an FFN size needs shared experts)");
        }
        if (scoring == null) {
            throw new ModelException("moe: scoring is required");
        }
        denseLayers = java.util.Collections.unmodifiableSortedSet(new TreeSet<>(denseLayers == null ? List.of() : denseLayers));
    }

    /** At most this many experts (the most in a published model is 384). */
    public static final int MAX_EXPERTS = 1 << 16;

    /** Every layer MoE, softmax scoring, no shared experts. */
    public static MoeConfig of(int experts, int topK, long expertFfn) {
        return new MoeConfig(experts, topK, expertFfn, 0, 0, Scoring.SOFTMAX, 0, 1, new TreeSet<>());
    }

    public MoeConfig withShared(int count, long ffn) {
        return new MoeConfig(experts, topK, expertFfn, count, ffn, scoring, firstDense, step, denseLayers, quant);
    }

    public MoeConfig withScoring(Scoring s) {
        return new MoeConfig(experts, topK, expertFfn, sharedExperts, sharedFfn, s, firstDense, step, denseLayers, quant);
    }

    public MoeConfig withLayout(int firstDenseLayers, int everyStep, SortedSet<Integer> dense) {
        return new MoeConfig(experts, topK, expertFfn, sharedExperts, sharedFfn, scoring, firstDenseLayers, everyStep, dense, quant);
    }

    /** The same experts stored as {@code q} says (null: the serving dtype). */
    public MoeConfig withQuant(ExpertQuant q) {
        return new MoeConfig(experts, topK, expertFfn, sharedExperts, sharedFfn, scoring, firstDense, step, denseLayers, q);
    }

    public boolean isMoeLayer(int layer) {
        return layer >= firstDense && (layer + 1) % step == 0 && !denseLayers.contains(layer);
    }
}
