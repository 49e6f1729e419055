package io.moesim.ir.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.graph.Graph;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.HfConfigImporter;
import io.moesim.ir.model.ModelConfig;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The new ops (gated_delta_net, sigmoid, lightning_indexer, mla_attention with topk) print and parse back exactly, in every phase's graph. */
class HybridFamiliesRoundTripTest {
    @ParameterizedTest
    @ValueSource(strings = {"qwen3-next-80b-a3b.json", "deepseek-v3.2.json"})
    void mixedGraphsRoundTrip(String file) {
        ModelConfig m = HfConfigImporter.load(Path.of("src/test/resources/hf", file)).withLayers(4);
        for (GraphRequest r : new GraphRequest[] {GraphRequest.mixed(m, 2, 128, 8, 4096), GraphRequest.prefill(m, 1, 256),
            GraphRequest.decode(m, 4, 8192)}) {
            Graph g = GraphGenerator.generate(r);
            String text = MoeirPrinter.print(g);
            assertTrue(text.contains(file.startsWith("qwen") ? "gated_delta_net(" : "lightning_indexer("), text);
            assertTrue(text.contains(file.startsWith("qwen") ? "sigmoid(" : "topk=2048"), text);
            Graph back = MoeirParser.parse(text, file + ".moeir");
            assertEquals(g, back);
            assertEquals(text, MoeirPrinter.print(back));
        }
    }
}
