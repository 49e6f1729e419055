package io.moesim.ir.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.DType;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.text.MoeirParser;
import io.moesim.ir.text.MoeirPrinter;
import org.junit.jupiter.api.Test;

class KvDtypeTest {
    @Test
    void theKvCacheTakesItsOwnDtype() {
        ModelConfig m = ModelZoo.get("mixtral-8x7b").withKvDtype(DType.FP8_E4M3);
        for (GraphRequest r : new GraphRequest[] {GraphRequest.decode(m, 64, 1024), GraphRequest.prefill(m, 2, 256)}) {
            Graph g = GraphGenerator.generate(r);
            String text = MoeirPrinter.print(g);
            assertTrue(text.contains("kv_dtype=fp8e4m3"), "attention and kv_append read and write fp8");
            assertFalse(text.contains("kv_dtype=bf16"));
            assertTrue(text.contains("wdtype=bf16"), "weights stay in the serving dtype");
            assertEquals(g, MoeirParser.parse(text, "kv.moeir"));
        }
        assertEquals(ModelStats.of(ModelZoo.get("mixtral-8x7b")).total(), ModelStats.of(m).total());
        // MLA's latent cache too
        String ds = MoeirPrinter.print(GraphGenerator.generate(GraphRequest.decode(ModelZoo.get("deepseek-v3").withKvDtype(DType.FP8_E4M3), 8, 512)));
        assertTrue(ds.contains("kv_dtype=fp8e4m3") && !ds.contains("kv_dtype=bf16"));
    }
}
