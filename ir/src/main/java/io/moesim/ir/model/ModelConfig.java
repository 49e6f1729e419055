package io.moesim.ir.model;

import io.moesim.ir.DType;
import io.moesim.ir.op.AttentionKind;
import io.moesim.ir.op.FfnActivation;
import io.moesim.ir.op.Norm;
import java.util.Locale;

/**
 * The architecture of a decoder-only transformer, as much as the cost of one forward pass needs.
 * {@code moe == null} is a dense model. {@code ffn} is the dense FFN size (0 when every layer is
 * MoE). {@code learnedPositions} is the size of a learned position table (OPT), 0 with RoPE.
 * Biases, rotary tables, attention sinks and QK-norm scales are left out: together they are well
 * under 0.1% of any preset's parameters.
 */
public record ModelConfig(String name, String family, int hidden, int layers, long vocab, long ffn, AttentionConfig attention, MoeConfig moe,
        FfnActivation activation, Norm.Kind norm, double normEps, boolean tiedEmbeddings, long learnedPositions, DType weightDtype,
        Residual residual) {

    /** A model with the standard residual stream. */
    public ModelConfig(String name, String family, int hidden, int layers, long vocab, long ffn, AttentionConfig attention, MoeConfig moe,
            FfnActivation activation, Norm.Kind norm, double normEps, boolean tiedEmbeddings, long learnedPositions, DType weightDtype) {
        this(name, family, hidden, layers, vocab, ffn, attention, moe, activation, norm, normEps, tiedEmbeddings, learnedPositions, weightDtype,
                Residual.STANDARD);
    }

    public ModelConfig {
        if (residual == null) {
            residual = Residual.STANDARD;
        }
        if (name == null || name.isBlank()) {
            throw new ModelException("model: name is required");
        }
        String where = "model '" + name + "': ";
        if (family == null || family.isBlank()) {
            throw new ModelException(where + "architecture family is required");
        }
        positive(where + "hidden", hidden);
        positive(where + "layers", layers);
        positive(where + "vocab", vocab);
        atMost(where + "hidden", hidden, MAX_WIDTH);
        atMost(where + "layers", layers, MAX_LAYERS);
        atMost(where + "vocab", vocab, MAX_VOCAB);
        atMost(where + "ffn", ffn, MAX_FFN);
        atMost(where + "learned positions", learnedPositions, MAX_VOCAB);
        if (attention == null || activation == null || norm == null || weightDtype == null) {
            throw new ModelException(where + "attention, activation, norm and weight dtype are required");
        }
        if (!(normEps > 0)) {
            throw new ModelException(where + "norm eps must be > 0, got " + normEps);
        }
        if (ffn < 0 || learnedPositions < 0) {
            throw new ModelException(where + "ffn and learned positions must be >= 0");
        }
        if (attention.kind() != AttentionKind.MLA && (long) attention.heads() * attention.headDim() <= 0) {
            throw new ModelException(where + "attention width must be > 0");
        }
        int moeLayers = 0;
        for (int i = 0; i < layers; i++) {
            if (moe != null && moe.isMoeLayer(i)) {
                moeLayers++;
            }
        }
        if (moe != null && moeLayers == 0) {
            throw new ModelException(where + "MoE config given but no layer is an MoE layer");
        }
        if (moeLayers < layers && ffn <= 0) {
            throw new ModelException(where + (layers - moeLayers) + " dense layer(s) need a dense FFN size > 0");
        }
        if (!weightDtype.isFloating()) {
            throw new ModelException(where + "weight dtype must be a floating type, got " + weightDtype);
        }
        double params = roughParameters(hidden, layers, vocab, ffn, attention, moe, activation);
        if (!(params <= MAX_PARAMETERS)) {
            throw new ModelException(where + String.format(Locale.ROOT, "about %.3g parameters is more than moesim models (at most %.0e)",
                    params, MAX_PARAMETERS));
        }
    }

    /**
     * Bounds that keep every count of a graph (elements, bytes, FLOPs) inside a long and a graph's
     * size in memory: each is far above any published model (the largest layer count is 126, the
     * widest hidden size 18,432, the largest vocabulary 256,000, the largest FFN 53,248).
     */
    public static final int MAX_LAYERS = 10_000;
    public static final int MAX_WIDTH = 1 << 20;
    public static final long MAX_VOCAB = 1L << 26;
    public static final long MAX_FFN = 1L << 24;
    /** 10^15 parameters: 500 times the largest published MoE (about 2 x 10^12). */
    public static final double MAX_PARAMETERS = 1e15;

    static void atMost(String what, long v, long max) {
        if (v > max) {
            throw new ModelException(what + " must be <= " + max + ", got " + v);
        }
    }

    /** An upper estimate in floating point (it cannot overflow): embeddings, attention projections, FFNs. */
    private static double roughParameters(int hidden, int layers, long vocab, long ffn, AttentionConfig att, MoeConfig moe, FfnActivation act) {
        double h = hidden;
        double attn = 4.0 * h * Math.max(h, (double) att.heads() * att.headDim());
        double dense = act.matrices() * h * ffn;
        double experts = moe == null ? 0 : act.matrices() * h * ((double) moe.experts() * moe.expertFfn() + (double) moe.sharedExperts() * moe.sharedFfn());
        return 2.0 * vocab * h + layers * (attn + Math.max(dense, experts));
    }

    /** A dimension: more than 0 and at most {@code max}. */
    static void dimension(String what, long v, long max) {
        positive(what, v);
        atMost(what, v, max);
    }

    static void positive(String what, long v) {
        if (v <= 0) {
            throw new ModelException(what + " must be > 0, got " + v);
        }
    }

    /**
     * The precision of the vocabulary's tables (the embedding table, a learned-position table, the LM head) served in
     * {@code serving}: the serving dtype at 16 bits and wider; under a quantised one (fp8, int8, int4) the checkpoint's,
     * bf16 where the checkpoint is narrower, since quantising recipes keep them unquantised. NVIDIA ModelOpt quantises
     * linear layers, and its default quantizer config, which its FP8 presets and TensorRT-LLM's checkpoints use, disables
     * {@code *lm_head*}; vLLM's fp8 method quantises linear layers, neither its VocabParallelEmbedding nor its
     * ParallelLMHead.
     */
    public DType vocabTableDType(DType serving) {
        if (serving.bits() >= 16) {
            return serving;
        }
        return weightDtype.isFloating() && weightDtype.bits() >= 16 ? weightDtype : DType.BF16;
    }

    public boolean isMoe() {
        return moe != null;
    }

    public boolean isMoeLayer(int layer) {
        return moe != null && moe.isMoeLayer(layer);
    }

    public int heads() {
        return attention.heads();
    }

    public int kvHeads() {
        return attention.kvHeads();
    }

    public int headDim() {
        return attention.headDim();
    }

    public int moeLayerCount() {
        int n = 0;
        for (int i = 0; i < layers; i++) {
            n += isMoeLayer(i) ? 1 : 0;
        }
        return n;
    }

    /** A copy with another layer count (the rest unchanged). */
    public ModelConfig withLayers(int n) {
        return new ModelConfig(name, family, hidden, n, vocab, ffn, attention, moe, activation, norm, normEps, tiedEmbeddings, learnedPositions,
                weightDtype, residual);
    }

    /** A copy whose KV cache is stored in {@code d} (null: the serving dtype). */
    public ModelConfig withKvDtype(DType d) {
        return new ModelConfig(name, family, hidden, layers, vocab, ffn, attention.withKvDtype(d), moe, activation, norm, normEps, tiedEmbeddings,
                learnedPositions, weightDtype, residual);
    }

    /** A copy whose routed experts are stored as {@code q} says (checked against the layers). */
    public ModelConfig withExpertQuant(ExpertQuant q) {
        if (moe == null) {
            throw new ModelException("model '" + name + "': expert formats need an MoE model (this one is dense)");
        }
        if (q != null) {
            q.check(this);
        }
        return new ModelConfig(name, family, hidden, layers, vocab, ffn, attention, moe.withQuant(q), activation, norm, normEps, tiedEmbeddings,
                learnedPositions, weightDtype, residual);
    }

    public ModelConfig withName(String n) {
        return new ModelConfig(n, family, hidden, layers, vocab, ffn, attention, moe, activation, norm, normEps, tiedEmbeddings, learnedPositions,
                weightDtype, residual);
    }

    /** A copy whose residual stream has the form {@code r} (see {@link Residual}). */
    public ModelConfig withResidual(Residual r) {
        return new ModelConfig(name, family, hidden, layers, vocab, ffn, attention, moe, activation, norm, normEps, tiedEmbeddings, learnedPositions,
                weightDtype, r);
    }

    /** Lower-case name, used to match names case-insensitively. */
    public String key() {
        return name.toLowerCase(Locale.ROOT);
    }
}
