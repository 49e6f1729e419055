package io.moesim.ir.model;

import com.fasterxml.jackson.databind.JsonNode;
import io.moesim.ir.DType;
import io.moesim.ir.op.FfnActivation;
import io.moesim.ir.op.Norm;
import io.moesim.ir.op.Scoring;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The Hugging Face families of 2025–26 beside {@link HfConfigImporter}'s original eight, and the
 * generic import of an unknown architecture whose keys follow the common conventions.
 *
 * <ul>
 * <li>{@code Glm4MoeForCausalLM} (GLM-4.5, GLM-4.5-Air, GLM-4.6): {@code first_k_dense_replace} dense
 * layers, then MoE layers with {@code n_shared_experts} shared experts; partial rotary has no
 * parameters; the {@code num_nextn_predict_layers} MTP layer is not part of the imported model
 * (speculative decoding only), as for DeepSeek-V3.</li>
 * <li>{@code Llama4ForConditionalGeneration} (its {@code text_config}) and {@code Llama4ForCausalLM}:
 * MoE on every {@code interleave_moe_layer_step}-th layer (layers step-1, 2·step-1, ...), one shared
 * expert of {@code intermediate_size}, dense layers of {@code intermediate_size_mlp}. The vision
 * encoder is not imported. Llama 4's chunked local attention ({@code attention_chunk_size} on 3 of 4
 * layers) is costed as full attention.</li>
 * <li>{@code MiniMaxM2ForCausalLM}: GQA with {@code head_dim}, 256 experts, no shared expert; the MTP
 * modules ({@code num_mtp_modules}) are not imported; a lightning-attention layer in
 * {@code attn_type_list} is rejected.</li>
 * <li>{@code DeepseekV32ForCausalLM}: DeepSeek-V3's MLA and MoE with DeepSeek Sparse Attention: the lightning
 * indexer (its projections, its fp8 key cache, its O(context) scoring: {@link io.moesim.ir.op.LightningIndexer}) and
 * MLA over the {@code index_topk} keys it selects.</li>
 * <li>{@code Qwen3NextForCausalLM}: Gated DeltaNet linear-attention layers ({@link LinearAttention}) with a
 * gated GQA layer every {@code full_attention_interval}-th layer, and MoE with one shared expert.</li>
 * <li>Any other architecture name: imported from the common keys, or one error naming every key that
 * is missing or could not be interpreted.</li>
 * </ul>
 */
final class HfFamilies {
    /** The architecture names this class imports (the generic path aside). */
    static final List<String> NAMES = List.of("Glm4MoeForCausalLM", "Llama4ForConditionalGeneration", "Llama4ForCausalLM",
            "MiniMaxM2ForCausalLM", "DeepseekV32ForCausalLM", "Qwen3NextForCausalLM");

    /** The family of an imported DeepSeek-V3.2. */
    static final String DEEPSEEK_V32_FAMILY = "deepseek_v32";

    private HfFamilies() {
    }

    /** Imports {@code arch} from {@code root}; {@code supported} lists every known name for the error message. */
    static ModelConfig load(String file, String arch, JsonNode root, String name, List<String> supported) {
        switch (arch) {
            case "Glm4MoeForCausalLM":
                return glm4Moe(new HfKeys(file, arch, root, ""), name);
            case "Llama4ForConditionalGeneration":
                return llama4(new HfKeys(file, arch, root, "text_config."), name);
            case "Llama4ForCausalLM":
                return llama4(new HfKeys(file, arch, root, ""), name);
            case "MiniMaxM2ForCausalLM":
                return minimaxM2(new HfKeys(file, arch, root, ""), name);
            case "DeepseekV32ForCausalLM":
                return deepseekV32(new HfKeys(file, arch, root, ""), name);
            case "Qwen3NextForCausalLM":
                return qwen3Next(new HfKeys(file, arch, root, ""), name);
            default:
                return generic(file, arch, root, name, supported);
        }
    }

    private static AttentionConfig gqa(HfKeys c, int hidden) {
        int heads = c.intReq("num_attention_heads");
        return AttentionConfig.of(heads, c.intOpt("num_key_value_heads", heads), c.intOpt("head_dim", hidden / heads));
    }

    private static ModelConfig glm4Moe(HfKeys c, String name) {
        int hidden = c.intReq("hidden_size");
        long expertFfn = c.longReq("moe_intermediate_size");
        MoeConfig moe = MoeConfig.of(c.intReq("n_routed_experts"), c.intReq("num_experts_per_tok"), expertFfn)
                .withScoring(scoring(c, "sigmoid")).withLayout(c.intOpt("first_k_dense_replace", 0), 1, new TreeSet<>());
        int shared = c.intOpt("n_shared_experts", 0);
        if (shared > 0) {
            moe = moe.withShared(shared, expertFfn);
        }
        return new ModelConfig(name, "glm4_moe", hidden, c.intReq("num_hidden_layers"), c.longReq("vocab_size"), c.longReq("intermediate_size"),
                gqa(c, hidden), moe, FfnActivation.SWIGLU, Norm.Kind.RMS, c.doubleOpt("rms_norm_eps", 1e-5), c.boolOpt("tie_word_embeddings", false),
                0, c.dtype());
    }

    private static ModelConfig llama4(HfKeys c, String name) {
        int hidden = c.intReq("hidden_size");
        int layers = c.intReq("num_hidden_layers");
        int step = c.intOpt("interleave_moe_layer_step", 1);
        if (step < 1) {
            throw c.bad("interleave_moe_layer_step", "an integer >= 1", c.find("interleave_moe_layer_step"));
        }
        long expertFfn = c.longReq("intermediate_size");
        int shared = c.intOpt("n_shared_experts", 1); // Llama4TextMoe always has one shared expert of intermediate_size
        MoeConfig moe = MoeConfig.of(c.intReq("num_local_experts"), c.intReq("num_experts_per_tok"), expertFfn).withScoring(Scoring.SIGMOID)
                .withLayout(0, step, new TreeSet<>());
        if (shared > 0) {
            moe = moe.withShared(shared, expertFfn);
        }
        // an explicit moe_layers list must be the interleaved layout (the only one ModelConfig can hold)
        List<Integer> listed = c.intList("moe_layers");
        if (!listed.isEmpty()) {
            List<Integer> derived = new ArrayList<>();
            for (int i = 0; i < layers; i++) {
                if (moe.isMoeLayer(i)) {
                    derived.add(i);
                }
            }
            if (!derived.equals(listed)) {
                throw new ModelException(c.file + ": key '" + c.prefix + "moe_layers' is not every " + step
                        + "th layer as interleave_moe_layer_step says; only that layout is supported (" + c.arch + ")");
            }
        }
        long denseFfn = step > 1 ? c.longReq("intermediate_size_mlp") : c.longOpt("intermediate_size_mlp", 0);
        return new ModelConfig(name, "llama4", hidden, layers, c.longReq("vocab_size"), denseFfn, gqa(c, hidden), moe, FfnActivation.SWIGLU,
                Norm.Kind.RMS, c.doubleOpt("rms_norm_eps", 1e-5), c.boolOpt("tie_word_embeddings", c.rootBool("tie_word_embeddings", false)), 0,
                c.dtype());
    }

    private static ModelConfig minimaxM2(HfKeys c, String name) {
        int hidden = c.intReq("hidden_size");
        int layers = c.intReq("num_hidden_layers");
        List<Integer> types = c.intList("attn_type_list");
        for (int t : types) {
            if (t != 1) {
                throw new ModelException(c.file + ": key 'attn_type_list' holds " + t
                        + " (lightning/linear attention); moesim models only softmax attention layers (1) (" + c.arch + ")");
            }
        }
        long shared = c.longOpt("shared_intermediate_size", 0);
        MoeConfig moe = MoeConfig.of(c.intReq("num_local_experts"), c.intReq("num_experts_per_tok"), c.longReq("intermediate_size"))
                .withScoring(scoring(c, "softmax"));
        if (shared > 0) {
            moe = moe.withShared(1, shared);
        }
        return new ModelConfig(name, "minimax_m2", hidden, layers, c.longReq("vocab_size"), 0, gqa(c, hidden), moe, FfnActivation.SWIGLU,
                Norm.Kind.RMS, c.doubleOpt("rms_norm_eps", 1e-6), c.boolOpt("tie_word_embeddings", false), 0, c.dtype());
    }

    private static ModelConfig deepseekV32(HfKeys c, String name) {
        int hidden = c.intReq("hidden_size");
        int heads = c.intReq("num_attention_heads");
        int qLora = c.intReq("q_lora_rank"); // the indexer's query is projected from the query latent
        int indexHeads = c.intReq("index_n_heads");
        int indexHeadDim = c.intReq("index_head_dim");
        if (qLora <= 0 || indexHeads <= 0 || indexHeadDim <= 0) {
            throw new ModelException(c.file + ": keys 'q_lora_rank', 'index_n_heads' and 'index_head_dim' must be > 0, got " + qLora + ", " + indexHeads
                    + ", " + indexHeadDim + " (" + c.arch + ")");
        }
        int topk = c.intReq("index_topk");
        if (topk <= 0) {
            throw c.bad("index_topk", "an integer > 0", c.find("index_topk"));
        }
        MlaDims mla = new MlaDims(qLora, c.intReq("kv_lora_rank"), c.intReq("qk_nope_head_dim"), c.intReq("qk_rope_head_dim"), c.intReq("v_head_dim"),
                indexHeads, indexHeadDim, topk);
        int freq = c.intOpt("moe_layer_freq", 1);
        if (freq != 1) {
            throw new ModelException(c.file + ": moe_layer_freq " + freq + " is not supported (only 1) (" + c.arch + ")");
        }
        MoeConfig moe = MoeConfig.of(c.intReq("n_routed_experts"), c.intReq("num_experts_per_tok"), c.longReq("moe_intermediate_size"))
                .withScoring(scoring(c, "sigmoid")).withLayout(c.intOpt("first_k_dense_replace", 0), 1, new TreeSet<>());
        int shared = c.intOpt("n_shared_experts", 0);
        if (shared > 0) {
            moe = moe.withShared(shared, c.longReq("moe_intermediate_size"));
        }
        return new ModelConfig(name, DEEPSEEK_V32_FAMILY, hidden, c.intReq("num_hidden_layers"), c.longReq("vocab_size"), c.longReq("intermediate_size"),
                AttentionConfig.mla(heads, mla), moe, FfnActivation.SWIGLU, Norm.Kind.RMS, c.doubleOpt("rms_norm_eps", 1e-6),
                c.boolOpt("tie_word_embeddings", false), 0, c.dtype());
    }

    /**
     * Qwen3-Next: Gated DeltaNet layers with a gated full-attention layer every {@code full_attention_interval}-th
     * (or as {@code layer_types} lists them, which must follow one interval), MoE of {@code num_experts} with one
     * shared expert of {@code shared_expert_intermediate_size} (its sigmoid gate, hidden × 1, is left out). The MTP
     * layer is not imported.
     */
    private static ModelConfig qwen3Next(HfKeys c, String name) {
        int hidden = c.intReq("hidden_size");
        int layers = c.intReq("num_hidden_layers");
        int interval = fullAttentionInterval(c, layers);
        LinearAttention linear;
        try {
            linear = new LinearAttention(c.intReq("linear_num_key_heads"), c.intReq("linear_num_value_heads"), c.intReq("linear_key_head_dim"),
                    c.intReq("linear_value_head_dim"), c.intReq("linear_conv_kernel_dim"), interval);
        } catch (ModelException e) {
            throw new ModelException(c.file + ": keys 'linear_*': " + e.getMessage() + " (" + c.arch + ")", e);
        }
        MoeConfig moe = MoeConfig.of(c.intReq("num_experts"), c.intReq("num_experts_per_tok"), c.longReq("moe_intermediate_size"))
                .withLayout(0, c.intOpt("decoder_sparse_step", 1), new TreeSet<>(c.intList("mlp_only_layers")));
        long shared = c.longOpt("shared_expert_intermediate_size", 0);
        if (shared > 0) {
            moe = moe.withShared(1, shared);
        }
        AttentionConfig att = gqa(c, hidden).withOutputGate(true).withLinear(linear);
        return new ModelConfig(name, "qwen3_next", hidden, layers, c.longReq("vocab_size"), c.longOpt("intermediate_size", 0), att, moe,
                FfnActivation.SWIGLU, Norm.Kind.RMS, c.doubleOpt("rms_norm_eps", 1e-6), c.boolOpt("tie_word_embeddings", false), 0, c.dtype());
    }

    /**
     * The full-attention period: {@code layer_types} when given (it must be "linear_attention" except each n-th layer,
     * n - 1, 2n - 1, ...; all linear gives 0), else {@code full_attention_interval} (Qwen3NextConfig's default 4).
     */
    private static int fullAttentionInterval(HfKeys c, int layers) {
        if (c.find("layer_types") == null) {
            int n = c.intOpt("full_attention_interval", 4);
            if (n < 1) {
                throw c.bad("full_attention_interval", "an integer >= 1", c.find("full_attention_interval"));
            }
            return n;
        }
        List<String> types = c.textList("layer_types");
        int first = types.indexOf("full_attention");
        int n = first < 0 ? 0 : first + 1;
        boolean ok = types.size() == layers;
        for (int i = 0; ok && i < types.size(); i++) {
            String want = n > 0 && (i + 1) % n == 0 ? "full_attention" : "linear_attention";
            ok = want.equals(types.get(i));
        }
        if (!ok) {
            throw new ModelException(c.file + ": key '" + c.prefix + "layer_types' must hold " + layers
                    + " entries of linear_attention with full_attention on every n-th layer (the one layout moesim holds) (" + c.arch + ")");
        }
        if (c.find("full_attention_interval") != null && c.intOpt("full_attention_interval", n) != n && n > 0) {
            throw new ModelException(c.file + ": keys 'layer_types' and 'full_attention_interval' disagree (every " + n + "th layer vs "
                    + c.intOpt("full_attention_interval", n) + ") (" + c.arch + ")");
        }
        return n;
    }

    private static Scoring scoring(HfKeys c, String dflt) {
        String s = c.textOpt("scoring_func", dflt);
        switch (s) {
            case "softmax":
                return Scoring.SOFTMAX;
            case "sigmoid":
                return Scoring.SIGMOID;
            default:
                throw new ModelException(c.file + ": key '" + c.prefix + "scoring_func' must be softmax or sigmoid, got '" + s + "' (" + c.arch + ")");
        }
    }

    // ---- generic import ----

    private static final List<String> EXPERT_KEYS = List.of("num_local_experts", "num_experts", "n_routed_experts");

    /**
     * An unknown architecture from the common keys. Every key that is missing or cannot be read is
     * collected and reported in one line, after the "unsupported architecture" sentence.
     */
    private static ModelConfig generic(String file, String arch, JsonNode root, String name, List<String> supported) {
        String prefix = root.get("hidden_size") == null && root.path("text_config").isObject() ? "text_config." : "";
        HfKeys c = new HfKeys(file, arch, root, prefix);
        if (c.find("layer_types") != null || c.find("full_attention_interval") != null) {
            List<String> types = c.find("layer_types") != null && c.find("layer_types").isArray() ? c.textListLenient("layer_types") : List.of();
            boolean allFull = !types.isEmpty() && types.stream().allMatch("full_attention"::equals);
            if (!allFull) {
                throw new ModelException(c.file + ": unsupported architecture '" + arch + "': key '" + prefix
                        + (c.find("layer_types") != null ? "layer_types" : "full_attention_interval")
                        + "' sets per-layer attention kinds, which the generic import cannot interpret (supported: " + String.join(", ", supported) + ")");
            }
        }
        Set<String> problems = new LinkedHashSet<>();
        Integer hidden = c.tryInt("hidden_size", true, problems);
        Integer layers = c.tryInt("num_hidden_layers", true, problems);
        Integer heads = c.tryInt("num_attention_heads", true, problems);
        Long vocab = c.tryLong("vocab_size", true, problems);
        Integer kv = c.tryInt("num_key_value_heads", false, problems);
        Integer headDim = c.tryInt("head_dim", false, problems);
        Long ffn = c.tryLong("intermediate_size", false, problems);
        Long moeFfn = c.tryLong("moe_intermediate_size", false, problems);
        String expertKey = null;
        for (String k : EXPERT_KEYS) {
            if (c.find(k) != null) {
                expertKey = k;
                break;
            }
        }
        Integer experts = expertKey == null ? null : c.tryInt(expertKey, true, problems);
        Integer topK = expertKey == null ? null : c.tryInt("num_experts_per_tok", true, problems);
        Integer firstDense = c.tryInt("first_k_dense_replace", false, problems);
        Integer sharedCount = c.tryInt("n_shared_experts", false, problems);
        Long sharedFfn = c.tryLong("shared_expert_intermediate_size", false, problems);
        Integer step = c.tryInt("decoder_sparse_step", false, problems);
        Integer freq = c.tryInt("moe_layer_freq", false, problems);
        if (freq != null && freq != 1) {
            problems.add("moe_layer_freq (only 1 is understood)");
        }
        if (c.find("kv_lora_rank") != null) {
            problems.add("kv_lora_rank (multi-head latent attention needs DeepseekV3ForCausalLM)");
        }
        if (c.find("mlp_only_layers") != null && !c.find("mlp_only_layers").isArray()) {
            problems.add("mlp_only_layers");
        }
        // the FFN sizes: an MoE model needs its expert size (moe_intermediate_size, else intermediate_size as in
        // Mixtral); dense layers (first_k_dense_replace, mlp_only_layers, a sparse step) need intermediate_size
        boolean moe = expertKey != null && experts != null && experts > 0;
        if (!moe && ffn == null && !problems.contains("intermediate_size")) {
            problems.add("intermediate_size");
        }
        if (moe && moeFfn == null && ffn == null && !problems.contains("intermediate_size")) {
            problems.add("moe_intermediate_size or intermediate_size");
        }
        List<Integer> denseListed = List.of();
        if (problems.isEmpty()) {
            denseListed = c.intList("mlp_only_layers");
        }
        boolean hasDense = (firstDense != null && firstDense > 0) || (step != null && step > 1) || !denseListed.isEmpty();
        if (moe && hasDense && moeFfn != null && ffn == null && !problems.contains("intermediate_size")) {
            problems.add("intermediate_size (the dense layers' FFN)");
        }
        if (sharedCount != null && sharedCount > 0 && moeFfn == null && ffn == null) {
            problems.add("moe_intermediate_size (the shared experts' FFN)");
        }
        Boolean tied = c.tryBool("tie_word_embeddings", problems);
        Double eps = c.tryDouble("rms_norm_eps", problems);
        Long window = c.tryLong("sliding_window", false, problems);
        Boolean useWindow = c.tryBool("use_sliding_window", problems);
        DType dtype = null;
        try {
            dtype = c.dtype();
        } catch (ModelException e) {
            problems.add("torch_dtype");
        }
        if (!problems.isEmpty()) {
            List<String> named = new ArrayList<>();
            for (String p : problems) {
                named.add("'" + prefix + p + "'");
            }
            throw new ModelException(file + ": unsupported architecture '" + arch + "' (supported: " + String.join(", ", supported)
                    + "); the generic import could not interpret " + String.join(", ", named));
        }
        int h = hidden;
        if (heads == 0 || (kv != null && (kv == 0 || heads % kv != 0))) {
            throw new ModelException(file + ": generic import of '" + arch + "': keys '" + prefix + "num_attention_heads' " + heads + " and '" + prefix
                    + "num_key_value_heads' " + kv + " do not form grouped-query attention");
        }
        AttentionConfig att = AttentionConfig.of(heads, kv == null ? heads : kv, headDim == null ? h / heads : headDim);
        if (window != null && window > 0 && !Boolean.FALSE.equals(useWindow)) {
            att = att.withSlidingWindow(window, 1);
        }
        MoeConfig mc = null;
        long denseFfn = ffn == null ? 0 : ffn;
        if (moe) {
            long expertFfn = moeFfn != null ? moeFfn : ffn;
            mc = MoeConfig.of(experts, topK, expertFfn).withLayout(firstDense == null ? 0 : firstDense, step == null ? 1 : step,
                    new TreeSet<>(denseListed));
            if (sharedCount != null && sharedCount > 0) {
                mc = mc.withShared(sharedCount, expertFfn);
            } else if (sharedFfn != null && sharedFfn > 0) {
                mc = mc.withShared(1, sharedFfn);
            }
            if (moeFfn == null && !hasDense) {
                denseFfn = 0; // intermediate_size was the expert size (Mixtral convention)
            }
        }
        String family = c.rootText("model_type", arch);
        try {
            return new ModelConfig(name, family, h, layers, vocab, denseFfn, att, mc, FfnActivation.SWIGLU, Norm.Kind.RMS, eps == null ? 1e-6 : eps,
                    tied != null && tied, 0, dtype);
        } catch (ModelException e) {
            throw new ModelException(file + ": generic import of '" + arch + "': " + e.getMessage(), e);
        }
    }


}
