package io.moesim.ir.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.ir.DType;
import io.moesim.ir.MoesimException;
import io.moesim.ir.io.TextFiles;
import io.moesim.ir.op.FfnActivation;
import io.moesim.ir.op.Norm;
import io.moesim.ir.op.Scoring;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

/**
 * Reads a Hugging Face {@code config.json} into a {@link ModelConfig}. Unknown keys are ignored;
 * a missing required key, an unsupported architecture or malformed JSON is one
 * {@link ModelException} whose message names the file (and the key, or the line).
 */
public final class HfConfigImporter {
    /** The {@code architectures[0]} values understood. */
    public static final List<String> SUPPORTED = java.util.stream.Stream.concat(java.util.stream.Stream.of("MixtralForCausalLM", "Qwen2MoeForCausalLM",
            "Qwen3MoeForCausalLM", "DeepseekV3ForCausalLM", "DbrxForCausalLM", "OlmoeForCausalLM", "GptOssForCausalLM", "LlamaForCausalLM"),
            HfFamilies.NAMES.stream()).toList();

    /** Trailing text after the object is an error, not ignored. */
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** The names of transformers' ACT2FN table (activations.py). */
    static final List<String> ACTIVATIONS = List.of("gelu", "gelu_10", "gelu_fast", "gelu_new", "gelu_python", "gelu_pytorch_tanh",
            "gelu_accurate", "laplace", "leaky_relu", "linear", "mish", "quick_gelu", "relu", "relu2", "relu6", "sigmoid", "silu", "swish",
            "tanh", "prelu", "xielu");

    private HfConfigImporter() {
    }

    public static ModelConfig load(Path configJson) {
        String file = configJson.toString();
        JsonNode root;
        String text;
        try {
            text = TextFiles.read(configJson);
        } catch (MoesimException e) {
            throw new ModelException(e.getMessage(), e);
        }
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new ModelException(file + ":" + line + ": malformed JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelException(file + ": expected a JSON object");
        }
        JsonNode archs = root.get("architectures");
        if (archs == null || !archs.isArray() || archs.isEmpty() || !archs.get(0).isTextual()) {
            throw new ModelException(file + ": missing key 'architectures' (supported: " + String.join(", ", SUPPORTED) + ")");
        }
        String arch = archs.get(0).asText();
        HfKeys k = new HfKeys(file, arch, root, "");
        String name = name(configJson, root);
        try {
            k.activation();
            return build(k, name, arch);
        } catch (ModelException e) {
            // a semantic problem found by the model records ("moe: top_k 9 exceeds experts 8"): say which file
            if (e.getMessage().startsWith(file)) {
                throw e;
            }
            throw new ModelException(file + ": " + e.getMessage() + " (" + arch + ")", e);
        }
    }

    private static ModelConfig build(HfKeys k, String name, String arch) {
        String file = k.file;
        switch (arch) {
            case "MixtralForCausalLM":
                return mixtral(k, name);
            case "Qwen2MoeForCausalLM":
                return qwenMoe(k, name, "qwen2_moe", true);
            case "Qwen3MoeForCausalLM":
                return qwenMoe(k, name, "qwen3_moe", false);
            case "DeepseekV3ForCausalLM":
                return deepseekV3(k, name);
            case "DbrxForCausalLM":
                return dbrx(k, name);
            case "OlmoeForCausalLM":
                return olmoe(k, name);
            case "GptOssForCausalLM":
                return gptOss(k, name);
            case "LlamaForCausalLM":
                return llama(k, name);
            default: // the 2025-26 families, Qwen3-Next's rejection, and the generic import of other names
                return HfFamilies.load(file, arch, k.root, name, SUPPORTED);
        }
    }

    private static String name(Path p, JsonNode root) {
        JsonNode n = root.get("_name_or_path");
        if (n != null && n.isTextual() && !n.asText().isBlank()) {
            String s = n.asText();
            return s.substring(s.lastIndexOf('/') + 1);
        }
        // a downloaded model folder holds config.json: the folder names the model; any other file names itself
        String file = p.getFileName().toString();
        if (!file.equals("config.json")) {
            return file.endsWith(".json") ? file.substring(0, file.length() - 5) : file;
        }
        Path parent = p.toAbsolutePath().getParent();
        return parent != null && parent.getFileName() != null ? parent.getFileName().toString() : file;
    }

    private static AttentionConfig standardAttention(HfKeys k, int hidden) {
        int heads = k.posReq("num_attention_heads");
        int kv = k.find("num_key_value_heads") == null ? heads : k.posReq("num_key_value_heads");
        if (heads % kv != 0) {
            throw new ModelException(k.file + ": key 'num_attention_heads' " + heads + " is not a multiple of 'num_key_value_heads' " + kv
                    + " (" + k.arch + ")");
        }
        int headDim = k.find("head_dim") == null ? hidden / heads : k.posReq("head_dim");
        if (headDim <= 0) {
            throw new ModelException(k.file + ": key 'hidden_size' " + hidden + " is smaller than 'num_attention_heads' " + heads
                    + ": a head would have no width (" + k.arch + ")");
        }
        return AttentionConfig.of(heads, kv, headDim);
    }

    /** Experts and top_k, checked against each other with the keys named. */
    private static MoeConfig moe(HfKeys k, String expertsKey, String topKKey, String ffnKey) {
        int experts = k.posReq(expertsKey);
        int topK = k.posReq(topKKey);
        if (topK > experts) {
            throw new ModelException(k.file + ": key '" + topKKey + "' " + topK + " exceeds '" + expertsKey + "' " + experts + " (" + k.arch + ")");
        }
        long ffn = k.longReq(ffnKey);
        if (ffn <= 0 || ffn > ModelConfig.MAX_FFN) {
            throw new ModelException(k.file + ": key '" + ffnKey + "' must be between 1 and " + ModelConfig.MAX_FFN + ", got " + ffn + " (" + k.arch + ")");
        }
        return MoeConfig.of(experts, topK, ffn);
    }

    private static ModelConfig mixtral(HfKeys k, String name) {
        int hidden = k.posReq("hidden_size");
        AttentionConfig att = standardAttention(k, hidden);
        long window = k.longOpt("sliding_window", 0);
        if (window > 0) {
            att = att.withSlidingWindow(window, 1);
        }
        MoeConfig moe = moe(k, "num_local_experts", "num_experts_per_tok", "intermediate_size");
        return new ModelConfig(name, "mixtral", hidden, k.posReq("num_hidden_layers"), k.longReq("vocab_size"), 0, att, moe, FfnActivation.SWIGLU,
                Norm.Kind.RMS, k.doubleOpt("rms_norm_eps", 1e-5), k.boolOpt("tie_word_embeddings", false), 0, k.dtype());
    }

    private static ModelConfig qwenMoe(HfKeys k, String name, String family, boolean sharedExpert) {
        int hidden = k.posReq("hidden_size");
        MoeConfig moe = moe(k, "num_experts", "num_experts_per_tok", "moe_intermediate_size")
                .withLayout(0, k.intOpt("decoder_sparse_step", 1), new TreeSet<>(k.intList("mlp_only_layers")));
        if (sharedExpert) {
            long shared = k.longReq("shared_expert_intermediate_size");
            if (shared > 0) {
                moe = moe.withShared(1, shared);
            }
        }
        return new ModelConfig(name, family, hidden, k.posReq("num_hidden_layers"), k.longReq("vocab_size"), k.longReq("intermediate_size"),
                standardAttention(k, hidden), moe, FfnActivation.SWIGLU, Norm.Kind.RMS, k.doubleOpt("rms_norm_eps", 1e-6),
                k.boolOpt("tie_word_embeddings", false), 0, k.dtype());
    }

    private static ModelConfig deepseekV3(HfKeys k, String name) {
        int hidden = k.posReq("hidden_size");
        int heads = k.posReq("num_attention_heads");
        MlaDims mla = new MlaDims(k.intOpt("q_lora_rank", 0), k.intReq("kv_lora_rank"), k.intReq("qk_nope_head_dim"), k.intReq("qk_rope_head_dim"),
                k.intReq("v_head_dim"));
        int freq = k.intOpt("moe_layer_freq", 1);
        if (freq != 1) {
            throw new ModelException(k.file + ": moe_layer_freq " + freq + " is not supported (only 1) (" + k.arch + ")");
        }
        String scoring = k.textOpt("scoring_func", "sigmoid");
        MoeConfig moe = moe(k, "n_routed_experts", "num_experts_per_tok", "moe_intermediate_size")
                .withScoring("softmax".equals(scoring) ? Scoring.SOFTMAX : Scoring.SIGMOID)
                .withLayout(k.intOpt("first_k_dense_replace", 0), 1, new TreeSet<>());
        int shared = k.intOpt("n_shared_experts", 0);
        if (shared > 0) {
            moe = moe.withShared(shared, k.longReq("moe_intermediate_size"));
        }
        return new ModelConfig(name, "deepseek_v3", hidden, k.posReq("num_hidden_layers"), k.longReq("vocab_size"), k.longReq("intermediate_size"),
                AttentionConfig.mla(heads, mla), moe, FfnActivation.SWIGLU, Norm.Kind.RMS, k.doubleOpt("rms_norm_eps", 1e-6),
                k.boolOpt("tie_word_embeddings", false), 0, k.dtype());
    }

    private static ModelConfig dbrx(HfKeys k, String name) {
        int hidden = k.posReq("d_model");
        int heads = k.posReq("n_heads");
        AttentionConfig att = AttentionConfig.of(heads, k.posReq("attn_config.kv_n_heads"), Math.max(1, hidden / heads));
        MoeConfig moe = moe(k, "ffn_config.moe_num_experts", "ffn_config.moe_top_k", "ffn_config.ffn_hidden_size");
        // DBRX uses LayerNorm (eps fixed at 1e-5 in its modelling code, not in config.json)
        return new ModelConfig(name, "dbrx", hidden, k.posReq("n_layers"), k.longReq("vocab_size"), 0, att, moe, FfnActivation.SWIGLU, Norm.Kind.LAYER,
                1e-5, k.boolOpt("tie_word_embeddings", false), 0, k.dtype());
    }

    private static ModelConfig olmoe(HfKeys k, String name) {
        int hidden = k.posReq("hidden_size");
        MoeConfig moe = moe(k, "num_experts", "num_experts_per_tok", "intermediate_size");
        return new ModelConfig(name, "olmoe", hidden, k.posReq("num_hidden_layers"), k.longReq("vocab_size"), 0, standardAttention(k, hidden), moe,
                FfnActivation.SWIGLU, Norm.Kind.RMS, k.doubleOpt("rms_norm_eps", 1e-5), k.boolOpt("tie_word_embeddings", false), 0, k.dtype());
    }

    private static ModelConfig gptOss(HfKeys k, String name) {
        int hidden = k.posReq("hidden_size");
        int layers = k.posReq("num_hidden_layers");
        AttentionConfig att = standardAttention(k, hidden);
        long window = k.longReq("sliding_window");
        List<String> types = k.textList("layer_types");
        int period = 2; // the default layer_types: sliding on even layers, full on odd ones
        if (!types.isEmpty()) {
            period = periodOf(types, k, layers);
        }
        if (window > 0 && period > 0) {
            att = att.withSlidingWindow(window, period);
        }
        MoeConfig moe = moe(k, "num_local_experts", "num_experts_per_tok", "intermediate_size");
        return new ModelConfig(name, "gpt_oss", hidden, layers, k.longReq("vocab_size"), 0, att, moe, FfnActivation.SWIGLU, Norm.Kind.RMS,
                k.doubleOpt("rms_norm_eps", 1e-5), k.boolOpt("tie_word_embeddings", false), 0, k.dtype());
    }

    // layer_types as a sliding period: all full = 0, all sliding = 1, sliding/full alternating from layer 0 = 2
    private static int periodOf(List<String> types, HfKeys k, int layers) {
        if (types.size() != layers) {
            throw new ModelException(k.file + ": layer_types lists " + types.size() + " layers, num_hidden_layers is " + layers + " (" + k.arch + ")");
        }
        for (int period : new int[] {0, 1, 2}) {
            boolean ok = true;
            for (int i = 0; i < layers && ok; i++) {
                boolean sliding = period > 0 && i % period == 0;
                ok = types.get(i).equals(sliding ? "sliding_attention" : "full_attention");
            }
            if (ok) {
                return period;
            }
        }
        throw new ModelException(k.file + ": layer_types pattern is not supported (only all full, all sliding, or alternating sliding/full) ("
                + k.arch + ")");
    }

    private static ModelConfig llama(HfKeys k, String name) {
        int hidden = k.posReq("hidden_size");
        return new ModelConfig(name, "llama", hidden, k.posReq("num_hidden_layers"), k.longReq("vocab_size"), k.longReq("intermediate_size"),
                standardAttention(k, hidden), null, FfnActivation.SWIGLU, Norm.Kind.RMS, k.doubleOpt("rms_norm_eps", 1e-5),
                k.boolOpt("tie_word_embeddings", false), 0, k.dtype());
    }


}
