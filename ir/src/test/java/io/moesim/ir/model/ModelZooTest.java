package io.moesim.ir.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.op.AttentionKind;
import io.moesim.ir.op.Scoring;
import org.junit.jupiter.api.Test;

class ModelZooTest {

    @Test
    void namesAreCaseInsensitiveWithAliases() {
        ModelConfig m = ModelZoo.get("Mixtral-8x7B");
        assertSame(m, ModelZoo.get("mixtral-8x7b"));
        assertSame(m, ModelZoo.get("mixtral"));
        assertSame(m, ModelZoo.get("MIXTRAL_8X7B"));
        assertSame(ModelZoo.get("DeepSeek-V3"), ModelZoo.get("deepseek-v3"));
        assertSame(ModelZoo.get("Llama-3-70B"), ModelZoo.get("llama3"));
        assertSame(ModelZoo.get("Llama-3-8B"), ModelZoo.get("llama-3.1-8b"));
        assertSame(ModelZoo.get("Llama-3-405B"), ModelZoo.get("llama-3.1-405b"));
        assertEquals(14, ModelZoo.names().size());
    }

    @Test
    void unknownNameListsKnownOnes() {
        ModelException e = assertThrows(ModelException.class, () -> ModelZoo.get("gpt-5"));
        assertTrue(e.getMessage().startsWith("unknown model 'gpt-5' (known: Mixtral-8x7B, "), e.getMessage());
        assertTrue(e.getMessage().contains("Llama-3-70B, Llama-3-405B)"));
    }

    @Test
    void resolveTakesNamesAndConfigFiles() {
        assertSame(ModelZoo.get("dbrx"), ModelZoo.resolve("DBRX"));
        ModelConfig fromFile = ModelZoo.resolve("src/test/resources/hf/dbrx.json");
        assertEquals(ModelZoo.get("dbrx"), fromFile.withName("DBRX"));
    }

    /** The model table of the Duplex paper (reference/duplex.md), reproduced from the presets. */
    @Test
    void duplexPaperTable() {
        // name, layers, hidden, FFN, heads, q heads per kv head, experts (0 = dense), top-k
        Object[][] rows = {
            {"Mixtral-8x7B", 32, 4096, 14336L, 32, 4, 8, 2},
            {"GLaM", 32, 4096, 16384L, 32, 1, 64, 2},
            {"Grok-1", 64, 6144, 32768L, 48, 6, 8, 2},
            {"OPT-66B", 64, 9216, 36864L, 72, 1, 0, 0},
            {"Llama-3-70B", 80, 8192, 28672L, 64, 8, 0, 0},
        };
        for (Object[] r : rows) {
            ModelConfig m = ModelZoo.get((String) r[0]);
            String n = m.name();
            assertEquals(r[1], m.layers(), n);
            assertEquals(r[2], m.hidden(), n);
            assertEquals(r[3], m.isMoe() ? m.moe().expertFfn() : m.ffn(), n);
            assertEquals(r[4], m.heads(), n);
            assertEquals(r[5], m.attention().groupSize(), n);
            assertEquals(r[6], m.isMoe() ? m.moe().experts() : 0, n);
            assertEquals(r[7], m.isMoe() ? m.moe().topK() : 0, n);
        }
        ModelConfig glam = ModelZoo.get("glam");
        assertEquals(16, glam.moeLayerCount(), "GLaM: MoE every second layer");
        assertFalse(glam.isMoeLayer(0));
        assertTrue(glam.isMoeLayer(1));
    }

    @Test
    void deepSeekV3Layout() {
        ModelConfig m = ModelZoo.get("deepseek-v3");
        assertEquals(AttentionKind.MLA, m.attention().kind());
        assertEquals(Scoring.SIGMOID, m.moe().scoring());
        assertEquals(1, m.moe().sharedExperts());
        assertEquals(58, m.moeLayerCount());
        assertFalse(m.isMoeLayer(2));
        assertTrue(m.isMoeLayer(3));
    }

    @Test
    void gptOssAlternatesSlidingAndFull() {
        AttentionConfig a = ModelZoo.get("gpt-oss-120b").attention();
        assertEquals(128, a.windowOf(0));
        assertEquals(0, a.windowOf(1));
        assertEquals(128, a.windowOf(34));
    }

    @Test
    void validationRejectsBadConfigs() {
        ModelConfig m = ModelZoo.get("mixtral");
        assertThrows(ModelException.class, () -> AttentionConfig.of(32, 5, 128));
        assertThrows(ModelException.class, () -> MoeConfig.of(8, 9, 100));
        assertThrows(ModelException.class, () -> m.withLayers(0));
        // a dense layer without a dense FFN size
        assertThrows(ModelException.class, () -> new ModelConfig("x", "mixtral", 4096, 4, 32000, 0, m.attention(),
                m.moe().withLayout(1, 1, new java.util.TreeSet<>()), m.activation(), m.norm(), 1e-5, false, 0, m.weightDtype()));
        assertNull(ModelZoo.get("opt").moe());
    }
}
