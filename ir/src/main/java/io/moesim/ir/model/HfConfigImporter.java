package io.moesim.ir.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.ir.DType;
import io.moesim.ir.op.FfnActivation;
import io.moesim.ir.op.Norm;
import io.moesim.ir.op.Scoring;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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

    private static final ObjectMapper JSON = new ObjectMapper();

    private HfConfigImporter() {
    }

    public static ModelConfig load(Path configJson) {
        String file = configJson.toString();
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(configJson));
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new ModelException(file + ":" + line + ": malformed JSON: " + e.getOriginalMessage(), e);
        } catch (NoSuchFileException e) {
            throw new ModelException(file + ": no such file", e);
        } catch (IOException e) {
            throw new ModelException(file + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelException(file + ": expected a JSON object");
        }
        JsonNode archs = root.get("architectures");
        if (archs == null || !archs.isArray() || archs.isEmpty() || !archs.get(0).isTextual()) {
            throw new ModelException(file + ": missing key 'architectures' (supported: " + String.join(", ", SUPPORTED) + ")");
        }
        String arch = archs.get(0).asText();
        Keys k = new Keys(file, arch, root);
        String name = name(configJson, root);
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
                return HfFamilies.load(file, arch, root, name, SUPPORTED);
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

    private static AttentionConfig standardAttention(Keys k, int hidden) {
        int heads = k.intReq("num_attention_heads");
        int kv = k.intOpt("num_key_value_heads", heads);
        int headDim = k.intOpt("head_dim", hidden / heads);
        return AttentionConfig.of(heads, kv, headDim);
    }

    private static ModelConfig mixtral(Keys k, String name) {
        int hidden = k.intReq("hidden_size");
        AttentionConfig att = standardAttention(k, hidden);
        long window = k.longOpt("sliding_window", 0);
        if (window > 0) {
            att = att.withSlidingWindow(window, 1);
        }
        MoeConfig moe = MoeConfig.of(k.intReq("num_local_experts"), k.intReq("num_experts_per_tok"), k.longReq("intermediate_size"));
        return new ModelConfig(name, "mixtral", hidden, k.intReq("num_hidden_layers"), k.longReq("vocab_size"), 0, att, moe, FfnActivation.SWIGLU,
                Norm.Kind.RMS, k.doubleOpt("rms_norm_eps", 1e-5), k.boolOpt("tie_word_embeddings", false), 0, k.dtype());
    }

    private static ModelConfig qwenMoe(Keys k, String name, String family, boolean sharedExpert) {
        int hidden = k.intReq("hidden_size");
        MoeConfig moe = MoeConfig.of(k.intReq("num_experts"), k.intReq("num_experts_per_tok"), k.longReq("moe_intermediate_size"))
                .withLayout(0, k.intOpt("decoder_sparse_step", 1), new TreeSet<>(k.intList("mlp_only_layers")));
        if (sharedExpert) {
            long shared = k.longReq("shared_expert_intermediate_size");
            if (shared > 0) {
                moe = moe.withShared(1, shared);
            }
        }
        return new ModelConfig(name, family, hidden, k.intReq("num_hidden_layers"), k.longReq("vocab_size"), k.longReq("intermediate_size"),
                standardAttention(k, hidden), moe, FfnActivation.SWIGLU, Norm.Kind.RMS, k.doubleOpt("rms_norm_eps", 1e-6),
                k.boolOpt("tie_word_embeddings", false), 0, k.dtype());
    }

    private static ModelConfig deepseekV3(Keys k, String name) {
        int hidden = k.intReq("hidden_size");
        int heads = k.intReq("num_attention_heads");
        MlaDims mla = new MlaDims(k.intOpt("q_lora_rank", 0), k.intReq("kv_lora_rank"), k.intReq("qk_nope_head_dim"), k.intReq("qk_rope_head_dim"),
                k.intReq("v_head_dim"));
        int freq = k.intOpt("moe_layer_freq", 1);
        if (freq != 1) {
            throw new ModelException(k.file + ": moe_layer_freq " + freq + " is not supported (only 1) (" + k.arch + ")");
        }
        String scoring = k.textOpt("scoring_func", "sigmoid");
        MoeConfig moe = MoeConfig.of(k.intReq("n_routed_experts"), k.intReq("num_experts_per_tok"), k.longReq("moe_intermediate_size"))
                .withScoring("softmax".equals(scoring) ? Scoring.SOFTMAX : Scoring.SIGMOID)
                .withLayout(k.intOpt("first_k_dense_replace", 0), 1, new TreeSet<>());
        int shared = k.intOpt("n_shared_experts", 0);
        if (shared > 0) {
            moe = moe.withShared(shared, k.longReq("moe_intermediate_size"));
        }
        return new ModelConfig(name, "deepseek_v3", hidden, k.intReq("num_hidden_layers"), k.longReq("vocab_size"), k.longReq("intermediate_size"),
                AttentionConfig.mla(heads, mla), moe, FfnActivation.SWIGLU, Norm.Kind.RMS, k.doubleOpt("rms_norm_eps", 1e-6),
                k.boolOpt("tie_word_embeddings", false), 0, k.dtype());
    }

    private static ModelConfig dbrx(Keys k, String name) {
        int hidden = k.intReq("d_model");
        int heads = k.intReq("n_heads");
        AttentionConfig att = AttentionConfig.of(heads, k.intReq("attn_config.kv_n_heads"), hidden / heads);
        MoeConfig moe = MoeConfig.of(k.intReq("ffn_config.moe_num_experts"), k.intReq("ffn_config.moe_top_k"), k.longReq("ffn_config.ffn_hidden_size"));
        // DBRX uses LayerNorm (eps fixed at 1e-5 in its modelling code, not in config.json)
        return new ModelConfig(name, "dbrx", hidden, k.intReq("n_layers"), k.longReq("vocab_size"), 0, att, moe, FfnActivation.SWIGLU, Norm.Kind.LAYER,
                1e-5, k.boolOpt("tie_word_embeddings", false), 0, k.dtype());
    }

    private static ModelConfig olmoe(Keys k, String name) {
        int hidden = k.intReq("hidden_size");
        MoeConfig moe = MoeConfig.of(k.intReq("num_experts"), k.intReq("num_experts_per_tok"), k.longReq("intermediate_size"));
        return new ModelConfig(name, "olmoe", hidden, k.intReq("num_hidden_layers"), k.longReq("vocab_size"), 0, standardAttention(k, hidden), moe,
                FfnActivation.SWIGLU, Norm.Kind.RMS, k.doubleOpt("rms_norm_eps", 1e-5), k.boolOpt("tie_word_embeddings", false), 0, k.dtype());
    }

    private static ModelConfig gptOss(Keys k, String name) {
        int hidden = k.intReq("hidden_size");
        int layers = k.intReq("num_hidden_layers");
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
        MoeConfig moe = MoeConfig.of(k.intReq("num_local_experts"), k.intReq("num_experts_per_tok"), k.longReq("intermediate_size"));
        return new ModelConfig(name, "gpt_oss", hidden, layers, k.longReq("vocab_size"), 0, att, moe, FfnActivation.SWIGLU, Norm.Kind.RMS,
                k.doubleOpt("rms_norm_eps", 1e-5), k.boolOpt("tie_word_embeddings", false), 0, k.dtype());
    }

    // layer_types as a sliding period: all full = 0, all sliding = 1, sliding/full alternating from layer 0 = 2
    private static int periodOf(List<String> types, Keys k, int layers) {
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

    private static ModelConfig llama(Keys k, String name) {
        int hidden = k.intReq("hidden_size");
        return new ModelConfig(name, "llama", hidden, k.intReq("num_hidden_layers"), k.longReq("vocab_size"), k.longReq("intermediate_size"),
                standardAttention(k, hidden), null, FfnActivation.SWIGLU, Norm.Kind.RMS, k.doubleOpt("rms_norm_eps", 1e-5),
                k.boolOpt("tie_word_embeddings", false), 0, k.dtype());
    }

    /** Typed access to (possibly nested, dot-separated) keys with errors that name the file, key and architecture. */
    private static final class Keys {
        final String file;
        final String arch;
        final JsonNode root;

        Keys(String file, String arch, JsonNode root) {
            this.file = file;
            this.arch = arch;
            this.root = root;
        }

        private JsonNode find(String key) {
            JsonNode n = root;
            for (String part : key.split("\\.")) {
                n = n == null || !n.isObject() ? null : n.get(part);
            }
            return n == null || n.isNull() ? null : n;
        }

        private JsonNode req(String key) {
            JsonNode n = find(key);
            if (n == null) {
                throw new ModelException(file + ": missing key '" + key + "' (" + arch + ")");
            }
            return n;
        }

        private ModelException bad(String key, String what, JsonNode n) {
            return new ModelException(file + ": key '" + key + "' must be " + what + ", got " + n + " (" + arch + ")");
        }

        long longReq(String key) {
            JsonNode n = req(key);
            if (!n.canConvertToLong() || !n.isIntegralNumber()) {
                throw bad(key, "an integer", n);
            }
            return n.asLong();
        }

        int intReq(String key) {
            JsonNode n = req(key);
            if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                throw bad(key, "an integer", n);
            }
            return n.asInt();
        }

        int intOpt(String key, int dflt) {
            return find(key) == null ? dflt : intReq(key);
        }

        long longOpt(String key, long dflt) {
            return find(key) == null ? dflt : longReq(key);
        }

        double doubleOpt(String key, double dflt) {
            JsonNode n = find(key);
            if (n == null) {
                return dflt;
            }
            if (!n.isNumber()) {
                throw bad(key, "a number", n);
            }
            return n.asDouble();
        }

        boolean boolOpt(String key, boolean dflt) {
            JsonNode n = find(key);
            if (n == null) {
                return dflt;
            }
            if (!n.isBoolean()) {
                throw bad(key, "true or false", n);
            }
            return n.asBoolean();
        }

        String textOpt(String key, String dflt) {
            JsonNode n = find(key);
            if (n == null) {
                return dflt;
            }
            if (!n.isTextual()) {
                throw bad(key, "a string", n);
            }
            return n.asText();
        }

        List<Integer> intList(String key) {
            JsonNode n = find(key);
            if (n == null) {
                return List.of();
            }
            if (!n.isArray()) {
                throw bad(key, "a list of integers", n);
            }
            java.util.ArrayList<Integer> out = new java.util.ArrayList<>();
            for (JsonNode e : n) {
                if (!e.isIntegralNumber()) {
                    throw bad(key, "a list of integers", n);
                }
                out.add(e.asInt());
            }
            return out;
        }

        List<String> textList(String key) {
            JsonNode n = find(key);
            if (n == null) {
                return List.of();
            }
            if (!n.isArray()) {
                throw bad(key, "a list of strings", n);
            }
            java.util.ArrayList<String> out = new java.util.ArrayList<>();
            for (JsonNode e : n) {
                out.add(e.asText());
            }
            return out;
        }

        /** torch_dtype (or the newer dtype key); bf16 when absent. */
        DType dtype() {
            String s = textOpt("torch_dtype", textOpt("dtype", "bfloat16"));
            try {
                DType d = DType.parse(s);
                return d.isFloating() ? d : DType.BF16;
            } catch (IllegalArgumentException e) {
                throw new ModelException(file + ": key 'torch_dtype': " + e.getMessage() + " (" + arch + ")");
            }
        }
    }
}
