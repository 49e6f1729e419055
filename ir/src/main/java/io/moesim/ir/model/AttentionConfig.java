package io.moesim.ir.model;

import io.moesim.ir.op.AttentionKind;

/**
 * Self-attention of every layer. The kind follows from the head counts (MHA: kvHeads = heads, MQA:
 * 1, GQA otherwise) except MLA, which carries its {@link MlaDims} (kvHeads = heads, headDim unused).
 * Sliding windows: layer i attends to the last {@code slidingWindow} keys when
 * {@code slidingPeriod > 0 && i % slidingPeriod == 0} (period 1: every layer; GPT-OSS: period 2,
 * layers 0, 2, 4, ... sliding and the others full).
 */
public record AttentionConfig(AttentionKind kind, int heads, int kvHeads, int headDim, MlaDims mla, long slidingWindow, int slidingPeriod,
        io.moesim.ir.DType kvDtype, LinearAttention linear, boolean outputGate) {

    /** No linear-attention layers, no output gate. */
    public AttentionConfig(AttentionKind kind, int heads, int kvHeads, int headDim, MlaDims mla, long slidingWindow, int slidingPeriod,
            io.moesim.ir.DType kvDtype) {
        this(kind, heads, kvHeads, headDim, mla, slidingWindow, slidingPeriod, kvDtype, null, false);
    }

    /** KV cache in the serving dtype. */
    public AttentionConfig(AttentionKind kind, int heads, int kvHeads, int headDim, MlaDims mla, long slidingWindow, int slidingPeriod) {
        this(kind, heads, kvHeads, headDim, mla, slidingWindow, slidingPeriod, null);
    }

    public AttentionConfig {
        if (kind == null) {
            throw new ModelException("attention: kind is required");
        }
        ModelConfig.dimension("attention heads", heads, 1 << 16);
        ModelConfig.positive("attention kv heads", kvHeads);
        ModelConfig.dimension("attention head dim", headDim, 1 << 16);
        if (heads % kvHeads != 0) {
            throw new ModelException("attention: heads " + heads + " is not a multiple of kv heads " + kvHeads);
        }
        AttentionKind implied = kvHeads == heads ? AttentionKind.MHA : kvHeads == 1 ? AttentionKind.MQA : AttentionKind.GQA;
        if (kind == AttentionKind.MLA) {
            if (mla == null) {
                throw new ModelException("attention: MLA needs its dimensions (q_lora_rank, kv_lora_rank, ...)");
            }
        } else {
            if (mla != null) {
                throw new ModelException("attention: MLA dimensions given for " + kind + " attention");
            }
            if (kind != implied) {
                throw new ModelException("attention: " + heads + " heads with " + kvHeads + " kv heads is " + implied + ", not " + kind);
            }
        }
        if (slidingWindow < 0 || slidingPeriod < 0) {
            throw new ModelException("attention: sliding window and period must be >= 0");
        }
        if ((slidingWindow > 0) != (slidingPeriod > 0)) {
            throw new ModelException("attention: a sliding window needs a period and a period needs a window");
        }
        if (outputGate && kind == AttentionKind.MLA) {
            throw new ModelException("attention: an output gate is modelled for standard attention only, not MLA");
        }
    }

    /** Standard attention (MHA, GQA or MQA by the head counts), no sliding window. */
    public static AttentionConfig of(int heads, int kvHeads, int headDim) {
        AttentionKind k = kvHeads == heads ? AttentionKind.MHA : kvHeads == 1 ? AttentionKind.MQA : AttentionKind.GQA;
        return new AttentionConfig(k, heads, kvHeads, headDim, null, 0, 0);
    }

    public static AttentionConfig mla(int heads, MlaDims dims) {
        return new AttentionConfig(AttentionKind.MLA, heads, heads, dims.vHeadDim(), dims, 0, 0);
    }

    public AttentionConfig withSlidingWindow(long window, int period) {
        return new AttentionConfig(kind, heads, kvHeads, headDim, mla, window, period, kvDtype, linear, outputGate);
    }

    /** The same attention with its KV cache stored in {@code d} (null: the serving dtype). */
    public AttentionConfig withKvDtype(io.moesim.ir.DType d) {
        return new AttentionConfig(kind, heads, kvHeads, headDim, mla, slidingWindow, slidingPeriod, d, linear, outputGate);
    }

    /** The same attention on the full-attention layers, with Gated DeltaNet layers as {@code l} says (null: none). */
    public AttentionConfig withLinear(LinearAttention l) {
        return new AttentionConfig(kind, heads, kvHeads, headDim, mla, slidingWindow, slidingPeriod, kvDtype, l, outputGate);
    }

    /**
     * The same attention with a sigmoid output gate (Qwen3-Next's gated attention: the query projection yields a
     * second heads·head_dim block g, and the attention output is multiplied by sigmoid(g) before o_proj).
     */
    public AttentionConfig withOutputGate(boolean gate) {
        return new AttentionConfig(kind, heads, kvHeads, headDim, mla, slidingWindow, slidingPeriod, kvDtype, linear, gate);
    }

    /** Whether layer i is a Gated DeltaNet linear-attention layer. */
    public boolean isLinear(int layer) {
        return linear != null && linear.isLinear(layer);
    }

    /** Layers out of {@code layers} that keep a per-token KV cache (the full-attention ones). */
    public int fullAttentionLayers(int layers) {
        int n = 0;
        for (int i = 0; i < layers; i++) {
            n += isLinear(i) ? 0 : 1;
        }
        return n;
    }

    /** Query heads per KV head (the GQA group size; 1 for MHA and MLA). */
    public int groupSize() {
        return heads / kvHeads;
    }

    /** The window of layer i, 0 for full attention. */
    public long windowOf(int layer) {
        return slidingPeriod > 0 && layer % slidingPeriod == 0 ? slidingWindow : 0;
    }
}
