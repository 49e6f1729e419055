package io.moesim.ir.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.op.Scoring;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The Hugging Face families of 2025–26 (see {@link HfFamilies}); the configs and where they come
 * from are listed in {@code src/test/resources/hf/README.md}. Totals are compared with the
 * published figures within 2%, each figure cited beside it.
 */
class HfFamiliesTest {
    private static final Path DIR = Path.of("src/test/resources/hf");

    private static ModelConfig load(String file) {
        return HfConfigImporter.load(DIR.resolve(file));
    }

    private static void near(double publishedBillions, long actual, String what) {
        double rel = Math.abs(actual / 1e9 - publishedBillions) / publishedBillions;
        assertTrue(rel <= 0.02, what + ": " + actual / 1e9 + "B vs published " + publishedBillions + "B (" + Math.round(rel * 1000) / 10.0 + "%)");
    }

    /** Embedding table and LM head (untied): what GLM's "activated" figures leave out. */
    private static long tables(ModelConfig m) {
        return (m.tiedEmbeddings() ? 1 : 2) * m.vocab() * m.hidden();
    }

    @ParameterizedTest
    @CsvSource({
        // zai-org/GLM-4.5 README (model table): GLM-4.5 355B total / 32B active, GLM-4.5-Air 106B / 12B. The import is the 92-layer main model; the
        // one MTP layer (num_nextn_predict_layers) would add ~4.0B (352.8 -> 356.8B): both within 2%, so 355B cannot
        // tell; GLM-4.5-Air below shows the published figures leave it out.
        "glm-4.5.json, 355",
        // GLM-4.5-Air: 106B total (same table). Main model 106.9B (+0.8%); with its MTP layer ~109.3B (+3%): excluded.
        "glm-4.5-air.json, 106",
        // Hugging Face blog "Welcome Llama 4 Maverick & Scout" (meta-llama cards): Maverick ~400B, 17B active (vision encoder included; ~0.87B by the Scout
        // vision_config, 0.2% of 400B, inside the tolerance).
        "llama-4-maverick.json, 400",
        // MiniMax-M2 model card / transformers docs (model_doc/minimax_m2.md): 230B total; the 3 MTP modules are not imported.
        "minimax-m2.json, 230",
        // OpenAI gpt-oss model card (arXiv 2508.10925): gpt-oss-20b 20.9B total.
        "gpt-oss-20b.json, 20.9",
    })
    void publishedTotals(String file, double total) {
        ModelConfig m = load(file);
        near(total, ModelStats.of(m).total(), file + " total");
    }

    /**
     * Llama 4 Scout: the model card's 109B counts the vision encoder. Text-only figure: 109B minus the encoder as
     * its vision_config gives it (hand count: 34 layers of 4·1408² + 2·1408·5632 weights with biases and norms,
     * patch and position embeddings, the vision adapter and projector = 0.872B), i.e. 108.13B.
     */
    @Test
    void llama4ScoutTextOnly() {
        long layer = 4L * 1408 * 1408 + 4 * 1408 + 2L * 1408 * 5632 + 5632 + 1408 + 4 * 1408;
        long vision = 1408 + 812416 + 827904 + 4 * 1408 + 34 * layer + 23068672 + 16777216 + 20971520;
        assertEquals(871_932_416L, vision);
        ModelStats s = ModelStats.of(load("llama-4-scout.json"));
        near(109 - vision / 1e9, s.total(), "Llama 4 Scout text-only total"); // blog: Scout ~109B
        near(17, s.active(), "Llama 4 Scout active"); // same blog: 17B active
    }

    @Test
    void llama4MaverickExact() {
        // by hand: attention 5120·(5120 + 2·1024) + 5120·5120 and 2 norms per layer; MoE layers (odd ones, step 2):
        // 128 experts and 1 shared of 3·5120·8192 each, router 5120·128; dense layers 3·5120·16384;
        // embedding and LM head 202048·5120 each; final norm
        long att = 5120L * (5120 + 2 * 1024) + 5120L * 5120 + 2 * 5120;
        long moe = 129L * 3 * 5120 * 8192 + 5120L * 128;
        long dense = 3L * 5120 * 16384;
        long total = 48 * att + 24 * moe + 24 * dense + 2L * 202048 * 5120 + 5120;
        ModelStats s = ModelStats.of(load("llama-4-maverick.json"));
        assertEquals(total, s.total());
        near(17, s.active(), "Llama 4 Maverick active"); // model card: 17B active
    }

    @Test
    void llama4Layouts() {
        ModelConfig scout = load("llama-4-scout.json");
        assertEquals(48, scout.moeLayerCount());
        assertEquals(1, scout.moe().sharedExperts());
        assertEquals(8192, scout.moe().sharedFfn());
        ModelConfig mav = load("llama-4-maverick.json");
        assertEquals(24, mav.moeLayerCount());
        assertFalse(mav.isMoeLayer(0));
        assertTrue(mav.isMoeLayer(1)); // transformers: moe_layers = range(step - 1, layers, step)
        assertEquals(16384, mav.ffn());
        assertEquals(128, mav.moe().experts());
        assertEquals(1, mav.moe().topK());
    }

    /** GLM's "activated" figures (GLM-4.5 32B, GLM-4.5-Air 12B, model cards) leave out the embedding table and the LM head. */
    @ParameterizedTest
    @CsvSource({"glm-4.5.json, 32", "glm-4.5-air.json, 12"})
    void glmActiveWithoutTables(String file, double active) {
        ModelConfig m = load(file);
        near(active, ModelStats.of(m).active() - tables(m), file + " active without embedding and LM head");
    }

    /** Llama4ForCausalLM (a text-only checkpoint) has the text_config keys at the top level: same model as the Scout import. */
    @Test
    void llama4TextOnlyArchitecture(@TempDir Path tmp) throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode text = (com.fasterxml.jackson.databind.node.ObjectNode) json
                .readTree(DIR.resolve("llama-4-scout.json").toFile()).get("text_config");
        text.putArray("architectures").add("Llama4ForCausalLM");
        Path p = tmp.resolve("llama-4-scout-text.json");
        Files.writeString(p, text.toString());
        ModelConfig scout = load("llama-4-scout.json");
        assertEquals(scout, HfConfigImporter.load(p).withName(scout.name()));
    }

    @Test
    void glmLayout() {
        ModelConfig m = load("glm-4.5.json");
        assertEquals(89, m.moeLayerCount()); // first_k_dense_replace 3 of 92
        assertFalse(m.isMoeLayer(2));
        assertTrue(m.isMoeLayer(3));
        assertEquals(1, m.moe().sharedExperts());
        assertEquals(1536, m.moe().sharedFfn());
        assertEquals(Scoring.SIGMOID, m.moe().scoring());
        assertEquals(96, m.heads());
        assertEquals(128, m.headDim()); // q width 12288, not hidden 5120
        assertEquals(12288, m.ffn());
    }

    /** MiniMax's "10B activated" is a whole number of billions: the count without the embedding table rounds to it. */
    @Test
    void minimaxM2() {
        ModelConfig m = load("minimax-m2.json");
        assertEquals(62, m.moeLayerCount());
        assertEquals(0, m.moe().sharedExperts());
        assertEquals(10, Math.round(ModelStats.of(m).activeWithoutEmbedding() / 1e9));
    }

    /** gpt-oss-20b is gpt-oss-120b with 24 layers and 32 experts (both config.json files); 3.6B active (model card; without the embedding table, as for 120b). */
    @Test
    void gptOss20b() {
        ModelConfig m = load("gpt-oss-20b.json");
        ModelConfig big = ModelZoo.get("gpt-oss-120b");
        ModelConfig expected = new ModelConfig(m.name(), big.family(), big.hidden(), 24, big.vocab(), big.ffn(), big.attention(),
                MoeConfig.of(32, 4, 2880), big.activation(), big.norm(), big.normEps(), big.tiedEmbeddings(), 0, big.weightDtype());
        assertEquals(expected, m);
        near(3.6, ModelStats.of(m).activeWithoutEmbedding(), "gpt-oss-20b active without embedding");
    }

    /**
     * DeepSeek-V3.2 is DeepSeek-V3 (the preset, a second source) plus the lightning indexer's weights, counted by hand
     * from DeepSeek's inference/model.py Indexer: wq_b 1536 x 64·128, wk 7168 x 128, k_norm LayerNorm 2·128,
     * weights_proj 7168 x 64, on each of the 61 layers (the graph's index_q, index_k, index_k_norm and index_w ops).
     */
    @Test
    void deepseekV32IsV3PlusTheIndexer() {
        ModelConfig m = load("deepseek-v3.2.json");
        ModelConfig v3 = ModelZoo.get("deepseek-v3");
        assertEquals(new MlaDims(1536, 512, 128, 64, 128, 64, 128, 2048), m.attention().mla());
        assertEquals(v3.withName(m.name()), new ModelConfig(m.name(), v3.family(), m.hidden(), m.layers(), m.vocab(), m.ffn(), v3.attention(), m.moe(),
                m.activation(), m.norm(), m.normEps(), m.tiedEmbeddings(), m.learnedPositions(), m.weightDtype()));
        // one layer's lightning indexer (DeepSeek-V3.2 inference/model.py Indexer): wq_b q_lora_rank x heads.head_dim, wk hidden x
        // head_dim, k_norm LayerNorm (weight and bias) of head_dim, weights_proj hidden x heads; the graph's projections must sum to it
        long indexer = 1536L * 64 * 128 + 7168L * 128 + 2 * 128 + 7168L * 64;
        assertEquals(13_959_424L, indexer);
        ModelStats s = ModelStats.of(m);
        ModelStats base = ModelStats.of(v3);
        assertEquals(base.total() + 61 * indexer, s.total());
        assertEquals(base.active() + 61 * indexer, s.active());
        assertEquals("deepseek_v32", m.family());
        // 671B / 37B are DeepSeek-V3's main-model figures, quoted again for V3.2 (V3.1-Terminus plus DSA; its Hugging Face
        // card gives 685B = 671B + the 14B MTP module): they leave out the indexer. The total with it is +0.13%; the
        // per-token count is compared without it (with it: 38.4B, +3.8%).
        near(671, s.total(), "DeepSeek-V3.2 total with the indexer");
        near(37, s.active() - 61 * indexer, "DeepSeek-V3.2 active without the indexer");
    }

    @Test
    void indexerNeedsBothDimensionsAndAQueryLatent() {
        assertThrows(ModelException.class, () -> new MlaDims(1536, 512, 128, 64, 128, 64, 0, 2048));
        assertThrows(ModelException.class, () -> new MlaDims(0, 512, 128, 64, 128, 64, 128, 2048));
        assertThrows(ModelException.class, () -> new MlaDims(1536, 512, 128, 64, 128, 64, 128, 0));
        assertThrows(ModelException.class, () -> new MlaDims(1536, 512, 128, 64, 128, 0, 0, 2048));
    }

    /**
     * Qwen3-Next-80B-A3B: 36 Gated DeltaNet layers and 12 gated GQA layers (every 4th), each with 512 experts (top-10) and
     * one shared expert. Parameters by hand from the config (Hugging Face modeling_qwen3_next): gated attention qkv
     * 2048 x (2·16·256 + 2·2·256) and o_proj 4096 x 2048; GatedDeltaNet in_proj_qkvz + in_proj_ba 2048 x (2·16·128 +
     * 2·32·128 + 2·32), conv1d (2·16·128 + 32·128) x 4, A_log and dt_bias 32 each, norm 128, out_proj 4096 x 2048; MoE
     * router 2048 x 512, experts 512 x 3·2048·512, shared expert 3·2048·512; two RMSNorms of 2048 a layer, the final
     * norm, untied embedding and LM head 151936 x 2048. (q/k norms, the shared-expert gate and the MTP layer are left
     * out: about 0.1M.)
     */
    @Test
    void qwen3NextImportsWithItsLinearLayers() {
        ModelConfig m = load("qwen3-next-80b-a3b.json");
        LinearAttention la = m.attention().linear();
        assertEquals(new LinearAttention(16, 32, 128, 128, 4, 4), la);
        assertTrue(m.attention().outputGate());
        assertEquals(12, m.attention().fullAttentionLayers(m.layers()));
        assertFalse(m.attention().isLinear(3));
        assertTrue(m.attention().isLinear(0) && m.attention().isLinear(46));
        assertFalse(m.attention().isLinear(47));
        LayerPlan plan = LayerPlan.of(m);
        assertEquals(1, plan.runs().size());
        assertEquals(12, plan.runs().get(0).count());
        long full = 2048L * (2 * 16 * 256 + 2 * 2 * 256) + 4096L * 2048;
        long linear = 2048L * (2 * 16 * 128 + 2 * 32 * 128 + 2 * 32) + (2 * 16 * 128 + 32 * 128) * 4L + 32 + 32 + 128 + 4096L * 2048;
        long moe = 2048L * 512 + 512L * 3 * 2048 * 512 + 3L * 2048 * 512;
        long tables = 2L * 151936 * 2048;
        long total = tables + 12 * full + 36 * linear + 48 * (moe + 2 * 2048) + 2048;
        assertEquals(79_674_286_848L, total);
        ModelStats s = ModelStats.of(m);
        assertEquals(total, s.total());
        long active = tables + 12 * full + 36 * linear + 48 * (2048L * 512 + 11L * 3 * 2048 * 512 + 2 * 2048) + 2048;
        assertEquals(active, s.active());
        // huggingface/transformers docs/source/en/model_doc/qwen3_next.md (the Qwen team's text): "80B total parameters, only 3B active"
        near(80, s.total(), "Qwen3-Next-80B-A3B total");
        // "3B" is a one-digit figure: without the embedding table and LM head 3.25B rounds to it (with them 3.87B does not)
        double perToken = (s.active() - tables) / 1e9;
        assertEquals(3, Math.round(perToken), perToken + "B");
    }

    @Test
    void qwen3NextBadLinearKeysAreOneLineErrors(@TempDir Path tmp) throws IOException {
        String json = Files.readString(DIR.resolve("qwen3-next-80b-a3b.json"));
        Path odd = tmp.resolve("odd-heads.json");
        Files.writeString(odd, json.replace("\"linear_num_value_heads\": 32", "\"linear_num_value_heads\": 24"));
        ModelException e = assertThrows(ModelException.class, () -> HfConfigImporter.load(odd));
        assertTrue(e.getMessage().startsWith(odd + ": keys 'linear_*': linear attention: value heads 24 is not a multiple of key heads 16"), e.getMessage());
        Path zero = tmp.resolve("zero.json");
        Files.writeString(zero, json.replace("\"full_attention_interval\": 4", "\"full_attention_interval\": 0"));
        e = assertThrows(ModelException.class, () -> HfConfigImporter.load(zero));
        assertTrue(e.getMessage().contains("'full_attention_interval'"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    @Test
    void qwen3NextLayerTypesMustFollowOneInterval(@TempDir Path tmp) throws IOException {
        String json = Files.readString(DIR.resolve("qwen3-next-80b-a3b.json"));
        StringBuilder types = new StringBuilder();
        for (int i = 0; i < 48; i++) {
            types.append(i == 0 ? "" : ", ").append((i + 1) % 4 == 0 ? "\"full_attention\"" : "\"linear_attention\"");
        }
        Path good = tmp.resolve("typed.json");
        Files.writeString(good, json.replace("\"full_attention_interval\": 4,", "\"layer_types\": [" + types + "],"));
        assertEquals(load("qwen3-next-80b-a3b.json").withName("x"), HfConfigImporter.load(good).withName("x"));
        Path bad = tmp.resolve("odd.json");
        Files.writeString(bad, json.replace("\"full_attention_interval\": 4,", "\"layer_types\": [" + types.toString().replaceFirst("linear", "full") + "],"));
        ModelException e = assertThrows(ModelException.class, () -> HfConfigImporter.load(bad));
        assertTrue(e.getMessage().startsWith(bad + ": key 'layer_types'"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
    }

    /** An unknown name with conventional keys: Qwen3-30B-A3B's values under another name import as that preset (the Qwen3 path). */
    @Test
    void genericImportMatchesTheQwen3Path() {
        ModelConfig m = load("generic-moe.json");
        ModelConfig q = ModelZoo.get("qwen3-30b-a3b");
        assertEquals("acme_moe", m.family());
        assertEquals(new ModelConfig(q.name(), "acme_moe", q.hidden(), q.layers(), q.vocab(), q.ffn(), q.attention(), q.moe(), q.activation(), q.norm(),
                q.normEps(), q.tiedEmbeddings(), q.learnedPositions(), q.weightDtype()), m.withName(q.name()));
        assertEquals(ModelStats.of(q), ModelStats.of(m));
    }

    @Test
    void genericImportNamesEveryKeyItCouldNotInterpret() {
        Path p = DIR.resolve("generic-broken.json");
        ModelException e = assertThrows(ModelException.class, () -> HfConfigImporter.load(p));
        String msg = e.getMessage();
        assertTrue(msg.startsWith(p + ": unsupported architecture 'AcmeMoeForCausalLM'"), msg);
        assertTrue(msg.endsWith("the generic import could not interpret 'num_hidden_layers', 'num_attention_heads', 'num_experts_per_tok'"), msg);
        assertFalse(msg.contains("\n"), "one line");
    }

    @Test
    void genericImportRejectsLinearAttentionLayers(@TempDir Path tmp) throws IOException {
        Path p = tmp.resolve("hybrid.json");
        Files.writeString(p, "{\"architectures\": [\"AcmeHybridForCausalLM\"], \"hidden_size\": 64, \"num_hidden_layers\": 2,"
                + " \"num_attention_heads\": 4, \"intermediate_size\": 128, \"vocab_size\": 100,"
                + " \"layer_types\": [\"linear_attention\", \"full_attention\"]}");
        ModelException e = assertThrows(ModelException.class, () -> HfConfigImporter.load(p));
        assertTrue(e.getMessage().contains("key 'layer_types'"), e.getMessage());
    }

    @Test
    void minimaxLightningAttentionIsRejected(@TempDir Path tmp) throws IOException {
        String json = Files.readString(DIR.resolve("minimax-m2.json")).replaceFirst("\"attn_type_list\": \\[\\s*1,", "\"attn_type_list\": [0,");
        Path p = tmp.resolve("minimax-lightning.json");
        Files.writeString(p, json);
        ModelException e = assertThrows(ModelException.class, () -> HfConfigImporter.load(p));
        assertTrue(e.getMessage().startsWith(p + ": key 'attn_type_list' holds 0"), e.getMessage());
    }

    @Test
    void llama4MoeLayersMustBeTheInterleavedOnes(@TempDir Path tmp) throws IOException {
        String json = Files.readString(DIR.resolve("llama-4-maverick.json")).replace("\"interleave_moe_layer_step\": 2,",
                "\"interleave_moe_layer_step\": 2, \"moe_layers\": [0, 2],");
        Path p = tmp.resolve("maverick-odd.json");
        Files.writeString(p, json);
        ModelException e = assertThrows(ModelException.class, () -> HfConfigImporter.load(p));
        assertTrue(e.getMessage().startsWith(p + ": key 'text_config.moe_layers'"), e.getMessage());
    }

    @Test
    void newNamesAreListedAsSupported() {
        for (String a : HfFamilies.NAMES) {
            assertTrue(HfConfigImporter.SUPPORTED.contains(a), a);
        }
        assertTrue(HfConfigImporter.SUPPORTED.contains("Qwen3NextForCausalLM"));
    }
}
