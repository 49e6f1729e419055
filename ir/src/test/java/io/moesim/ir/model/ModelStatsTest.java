package io.moesim.ir.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.graph.GraphStats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Parameter counts from the generated graphs against the published totals (within 2%). */
class ModelStatsTest {

    private static void near(double publishedBillions, long actual, String what) {
        double rel = Math.abs(actual / 1e9 - publishedBillions) / publishedBillions;
        assertTrue(rel <= 0.02, what + ": " + actual / 1e9 + "B vs published " + publishedBillions + "B (" + Math.round(rel * 1000) / 10.0 + "%)");
    }

    // total and active as published (0 = no active figure published); all include embeddings
    @ParameterizedTest
    @CsvSource({
        "Mixtral-8x7B, 46.7, 12.9", // mistral.ai "Mixtral of experts" (2023)
        "Mixtral-8x22B, 141, 39", // mistral.ai "Cheaper, Better, Faster, Stronger" (2024)
        "DeepSeek-V3, 671, 37", // DeepSeek-V3 technical report, arXiv 2412.19437 (main model, MTP module excluded)
        "Qwen3-30B-A3B, 30.5, 3.3", // Qwen3 model card
        "Qwen2-57B-A14B, 57, 14", // Qwen2 model card / technical report
        "DBRX, 132, 36", // Databricks DBRX announcement (2024)
        "OLMoE-1B-7B, 6.9, 1.3", // OLMoE paper, arXiv 2409.02060
        "Grok-1, 314, 0", // xai-org/grok-1 README
        "Llama-3-70B, 70.6, 0", // Hugging Face model card (70.6B)
        "OPT-66B, 66, 0", // OPT paper, arXiv 2205.01068
        "GLaM, 143, 0", // Duplex paper table; GLaM paper Table 4 (64B/64E: 143B total)
    })
    void publishedTotals(String name, double total, double active) {
        ModelStats s = ModelStats.of(ModelZoo.get(name));
        near(total, s.total(), name + " total");
        if (active > 0) {
            near(active, s.active(), name + " active");
        }
    }

    /** OpenAI's gpt-oss model card counts active parameters without the embedding table (the unembedding is counted). */
    @Test
    void gptOss120b() {
        ModelStats s = ModelStats.of(ModelZoo.get("gpt-oss-120b"));
        near(116.83, s.total(), "GPT-OSS-120B total");
        near(5.13, s.activeWithoutEmbedding(), "GPT-OSS-120B active without embedding");
    }

    /** GLaM's 8.7B "activated" figure (GLaM paper Table 4) leaves out the shared 256K x 4096 embedding table. */
    @Test
    void glamActive() {
        ModelStats s = ModelStats.of(ModelZoo.get("glam"));
        near(8.7, s.activeWithoutEmbedding(), "GLaM active without embedding");
    }

    @Test
    void mixtralExact() {
        // by hand: per layer attention 4096*(4096+1024+1024+4096), experts 8*3*4096*14336, router 4096*8, 2 norms;
        // embedding and LM head 32000*4096 each; final norm 4096
        long layer = 4096L * 10240 + 8L * 3 * 4096 * 14336 + 4096L * 8 + 2 * 4096;
        long total = 32 * layer + 2L * 32000 * 4096 + 4096;
        assertEquals(total, ModelStats.of(ModelZoo.get("mixtral")).total());
    }

    /**
     * Llama 3.1 by hand: per layer q and o hidden x hidden, k and v hidden x 1024 (8 KV heads of 128), gate, up and down
     * hidden x FFN, two RMS norms; untied embedding and LM head 128256 x hidden; a final norm. 8B: 32 layers of 4096 and
     * 14336; Meta publishes the sum, 8,030,261,248 (huggingface.co/meta-llama/Llama-3.1-8B, safetensors total). 405B
     * (huggingface.co/meta-llama/Llama-3.1-405B config.json): 126 layers of 16384 and 53248, 405,853,388,800, the "405B" of
     * Meta's model card.
     */
    @ParameterizedTest
    @CsvSource({"Llama-3-8B, 32, 4096, 14336, 8030261248", "Llama-3-405B, 126, 16384, 53248, 405853388800"})
    void llama3ByHand(String name, long layers, long hidden, long ffn, long expected) {
        long layer = 2 * hidden * hidden + 2 * hidden * 1024 + 3 * hidden * ffn + 2 * hidden;
        long total = layers * layer + 2 * 128256 * hidden + hidden;
        assertEquals(expected, total);
        assertEquals(total, ModelStats.of(ModelZoo.get(name)).total());
    }

    @Test
    void tiedEmbeddingsCountedOnce() {
        ModelConfig opt = ModelZoo.get("opt-66b");
        long graph = GraphStats.of(GraphGenerator.generate(GraphRequest.prefill(opt, 1, 1))).params();
        assertEquals(graph - opt.vocab() * opt.hidden(), ModelStats.of(opt).total());
    }

    @Test
    void prefillAndDecodeGraphsHoldTheSameWeights() {
        for (ModelConfig m : ModelZoo.all()) {
            long p = GraphStats.of(GraphGenerator.generate(GraphRequest.prefill(m, 1, 4))).params();
            long d = GraphStats.of(GraphGenerator.generate(GraphRequest.decode(m, 2, 16))).params();
            assertEquals(p, d, m.name());
        }
    }
}
