package io.moesim.ir.model;

import io.moesim.ir.DType;
import io.moesim.ir.op.FfnActivation;
import io.moesim.ir.op.Norm;
import io.moesim.ir.op.Scoring;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Built-in model presets with their published dimensions, looked up by name or alias
 * (case-insensitive; '-', '_', '.' and spaces are ignored, so {@code Mixtral-8x7B},
 * {@code mixtral_8x7b} and {@code mixtral8x7b} are the same). Each preset cites where its numbers
 * come from; the Hugging Face ones match the model's {@code config.json} (see
 * {@link HfConfigImporter}). Weights are bf16 (fp16 for OPT, as released); a graph request may
 * choose another precision.
 */
public final class ModelZoo {
    private static final Map<String, ModelConfig> PRESETS = new LinkedHashMap<>();
    private static final Map<String, String> ALIASES = new LinkedHashMap<>();

    static {
        // huggingface.co/mistralai/Mixtral-8x7B-v0.1 config.json: hidden_size 4096, 32 layers, 32 heads / 8 kv,
        // intermediate_size 14336, num_local_experts 8, num_experts_per_tok 2, vocab 32000, rms_norm_eps 1e-5, untied.
        add(new ModelConfig("Mixtral-8x7B", "mixtral", 4096, 32, 32000, 0, AttentionConfig.of(32, 8, 128), MoeConfig.of(8, 2, 14336),
                FfnActivation.SWIGLU, Norm.Kind.RMS, 1e-5, false, 0, DType.BF16), "mixtral", "mixtral-8x7b-v0.1");
        // huggingface.co/mistralai/Mixtral-8x22B-v0.1 config.json: hidden 6144, 56 layers, 48 heads / 8 kv,
        // intermediate 16384, 8 experts top-2, vocab 32768.
        add(new ModelConfig("Mixtral-8x22B", "mixtral", 6144, 56, 32768, 0, AttentionConfig.of(48, 8, 128), MoeConfig.of(8, 2, 16384),
                FfnActivation.SWIGLU, Norm.Kind.RMS, 1e-5, false, 0, DType.BF16), "mixtral-8x22b-v0.1");
        // GLaM (Du et al., ICML 2022, arXiv 2112.06905, Table 4, the 64B/64E model) as in the Duplex paper
        // (reference/duplex.md): 32 layers, hidden 4096, FFN 16384, 32 heads MHA (head dim 128), 64 experts,
        // top-2, MoE every other layer; 256K SentencePiece vocabulary, embeddings shared with the output layer.
        // GELU FFN with two matrices: with a gated (three-matrix) FFN the total would be ~206B, not 143B.
        add(new ModelConfig("GLaM", "glam", 4096, 32, 256000, 16384, AttentionConfig.of(32, 32, 128),
                MoeConfig.of(64, 2, 16384).withLayout(0, 2, new TreeSet<>()), FfnActivation.GELU, Norm.Kind.RMS, 1e-6, true, 0, DType.BF16),
                "glam-143b", "glam-64e");
        // github.com/xai-org/grok-1 README and model.py: 314B, 64 layers, 48 query / 8 kv heads (head dim 128),
        // embedding 6144, 8 experts top-2, widening factor 8 -> FFN 32768 (gated, three matrices), vocab 131072,
        // input and output embeddings shared.
        add(new ModelConfig("Grok-1", "grok-1", 6144, 64, 131072, 0, AttentionConfig.of(48, 8, 128), MoeConfig.of(8, 2, 32768),
                FfnActivation.SWIGLU, Norm.Kind.RMS, 1e-5, true, 0, DType.BF16), "grok", "grok1");
        // huggingface.co/deepseek-ai/DeepSeek-V3 config.json: hidden 7168, 61 layers, 128 heads, q_lora_rank 1536,
        // kv_lora_rank 512, qk_nope_head_dim 128, qk_rope_head_dim 64, v_head_dim 128, intermediate 18432,
        // moe_intermediate 2048, n_routed_experts 256, n_shared_experts 1, top-8, first_k_dense_replace 3,
        // scoring_func sigmoid, vocab 129280, rms_norm_eps 1e-6, untied. (The MTP module is not part of inference.)
        add(new ModelConfig("DeepSeek-V3", "deepseek_v3", 7168, 61, 129280, 18432, AttentionConfig.mla(128, new MlaDims(1536, 512, 128, 64, 128)),
                MoeConfig.of(256, 8, 2048).withShared(1, 2048).withScoring(Scoring.SIGMOID).withLayout(3, 1, new TreeSet<>()),
                FfnActivation.SWIGLU, Norm.Kind.RMS, 1e-6, false, 0, DType.BF16), "deepseek", "deepseek-v3-base", "dsv3");
        // huggingface.co/Qwen/Qwen3-30B-A3B config.json: hidden 2048, 48 layers, 32 heads / 4 kv, head_dim 128,
        // intermediate 6144 (unused: every layer is MoE), moe_intermediate 768, 128 experts top-8,
        // decoder_sparse_step 1, mlp_only_layers [], vocab 151936, rms_norm_eps 1e-6, untied.
        add(new ModelConfig("Qwen3-30B-A3B", "qwen3_moe", 2048, 48, 151936, 6144, AttentionConfig.of(32, 4, 128), MoeConfig.of(128, 8, 768),
                FfnActivation.SWIGLU, Norm.Kind.RMS, 1e-6, false, 0, DType.BF16), "qwen3-moe", "qwen3-30b");
        // huggingface.co/Qwen/Qwen2-57B-A14B config.json: hidden 3584, 28 layers, 28 heads / 4 kv, intermediate 18944,
        // moe_intermediate 2560, shared_expert_intermediate 20480, 64 experts top-8, vocab 151936, eps 1e-6, untied.
        add(new ModelConfig("Qwen2-57B-A14B", "qwen2_moe", 3584, 28, 151936, 18944, AttentionConfig.of(28, 4, 128),
                MoeConfig.of(64, 8, 2560).withShared(1, 20480), FfnActivation.SWIGLU, Norm.Kind.RMS, 1e-6, false, 0, DType.BF16),
                "qwen2-moe", "qwen2-57b");
        // huggingface.co/databricks/dbrx-base config.json: d_model 6144, n_layers 40, n_heads 48,
        // attn_config.kv_n_heads 8, ffn_config.ffn_hidden_size 10752, moe_num_experts 16, moe_top_k 4,
        // vocab 100352, LayerNorm, untied.
        add(new ModelConfig("DBRX", "dbrx", 6144, 40, 100352, 0, AttentionConfig.of(48, 8, 128), MoeConfig.of(16, 4, 10752),
                FfnActivation.SWIGLU, Norm.Kind.LAYER, 1e-5, false, 0, DType.BF16), "dbrx-base", "dbrx-instruct");
        // huggingface.co/allenai/OLMoE-1B-7B-0924 config.json: hidden 2048, 16 layers, 16 heads MHA,
        // intermediate 1024, 64 experts top-8, vocab 50304, rms_norm_eps 1e-5, untied.
        add(new ModelConfig("OLMoE-1B-7B", "olmoe", 2048, 16, 50304, 0, AttentionConfig.of(16, 16, 128), MoeConfig.of(64, 8, 1024),
                FfnActivation.SWIGLU, Norm.Kind.RMS, 1e-5, false, 0, DType.BF16), "olmoe", "olmoe-1b-7b-0924");
        // huggingface.co/openai/gpt-oss-120b config.json: hidden 2880, 36 layers, 64 heads / 8 kv, head_dim 64,
        // intermediate 2880, 128 experts top-4, sliding_window 128 with layer_types alternating sliding (even
        // layers) and full, vocab 201088, untied. (Experts ship in MXFP4; modelled here at bf16.)
        add(new ModelConfig("GPT-OSS-120B", "gpt_oss", 2880, 36, 201088, 0, AttentionConfig.of(64, 8, 64).withSlidingWindow(128, 2),
                MoeConfig.of(128, 4, 2880), FfnActivation.SWIGLU, Norm.Kind.RMS, 1e-5, false, 0, DType.BF16), "gpt-oss", "gptoss-120b");
        // huggingface.co/facebook/opt-66b config.json: hidden 9216, 64 layers, 72 heads, ffn_dim 36864, vocab 50272,
        // max_position_embeddings 2048 (+2 offset rows), LayerNorm, tied. OPT's FFN is ReLU with two matrices;
        // the Duplex paper lists it as GELU: either way two h x ffn matrices.
        add(new ModelConfig("OPT-66B", "opt", 9216, 64, 50272, 36864, AttentionConfig.of(72, 72, 128), null, FfnActivation.GELU,
                Norm.Kind.LAYER, 1e-5, true, 2050, DType.FP16), "opt");
        // huggingface.co/meta-llama/Llama-3.1-8B config.json: hidden 4096, 32 layers, 32 heads / 8 kv, intermediate 14336,
        // vocab 128256, rms_norm_eps 1e-5, tie_word_embeddings false (Meta-Llama-3-8B has the same dimensions).
        add(new ModelConfig("Llama-3-8B", "llama", 4096, 32, 128256, 14336, AttentionConfig.of(32, 8, 128), null, FfnActivation.SWIGLU,
                Norm.Kind.RMS, 1e-5, false, 0, DType.BF16), "meta-llama-3-8b", "llama-3.1-8b");
        // huggingface.co/meta-llama/Meta-Llama-3-70B config.json: hidden 8192, 80 layers, 64 heads / 8 kv,
        // intermediate 28672, vocab 128256, rms_norm_eps 1e-5, untied.
        add(new ModelConfig("Llama-3-70B", "llama", 8192, 80, 128256, 28672, AttentionConfig.of(64, 8, 128), null, FfnActivation.SWIGLU,
                Norm.Kind.RMS, 1e-5, false, 0, DType.BF16), "llama3", "llama-3", "llama3-70b", "meta-llama-3-70b");
        // huggingface.co/meta-llama/Llama-3.1-405B config.json: hidden 16384, 126 layers, 128 heads / 8 kv (head dim 128),
        // intermediate 53248, vocab 128256, rms_norm_eps 1e-5, untied (for TensorRT-LLM's published Llama 3.1 405B FP8 rows).
        add(new ModelConfig("Llama-3-405B", "llama", 16384, 126, 128256, 53248, AttentionConfig.of(128, 8, 128), null, FfnActivation.SWIGLU,
                Norm.Kind.RMS, 1e-5, false, 0, DType.BF16), "llama-3.1-405b", "meta-llama-3.1-405b");
    }

    private ModelZoo() {
    }

    private static void add(ModelConfig c, String... aliases) {
        PRESETS.put(c.name(), c);
        ALIASES.put(normalize(c.name()), c.name());
        for (String a : aliases) {
            ALIASES.put(normalize(a), c.name());
        }
    }

    static String normalize(String s) {
        StringBuilder sb = new StringBuilder();
        for (char ch : s.toLowerCase(Locale.ROOT).toCharArray()) {
            if (Character.isLetterOrDigit(ch)) {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    /** The preset of this name or alias; throws {@link ModelException} listing the known names. */
    public static ModelConfig get(String name) {
        String canonical = name == null ? null : ALIASES.get(normalize(name));
        if (canonical == null) {
            throw new ModelException("unknown model '" + name + "' (known: " + String.join(", ", names()) + ")");
        }
        return PRESETS.get(canonical);
    }

    /**
     * A model from a preset name or alias, or from a Hugging Face {@code config.json} when the spec
     * ends in {@code .json} or names an existing file or folder (a folder means its config.json).
     */
    public static ModelConfig resolve(String spec) {
        if (spec != null && !contains(spec)) {
            java.nio.file.Path p = java.nio.file.Path.of(spec);
            if (java.nio.file.Files.isDirectory(p)) {
                return HfConfigImporter.load(p.resolve("config.json"));
            }
            if (spec.endsWith(".json") || java.nio.file.Files.isRegularFile(p)) {
                return HfConfigImporter.load(p);
            }
        }
        return get(spec);
    }

    public static boolean contains(String name) {
        return name != null && ALIASES.containsKey(normalize(name));
    }

    /** Canonical preset names in zoo order. */
    public static List<String> names() {
        return Collections.unmodifiableList(new ArrayList<>(PRESETS.keySet()));
    }

    public static List<ModelConfig> all() {
        return List.copyOf(PRESETS.values());
    }

    /** Every accepted name (aliases included), normalised, mapped to its preset's canonical name. */
    public static Map<String, String> aliases() {
        return Collections.unmodifiableMap(ALIASES);
    }
}
