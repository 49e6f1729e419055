package io.moesim.ir.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.DType;
import io.moesim.ir.WeightFormat;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.GraphStats;
import io.moesim.ir.text.MoeirParser;
import io.moesim.ir.text.MoeirPrinter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExpertQuantTest {
    // Mixtral-8x7B routed experts: 32 layers x 8 experts x 3 matrices x 4096 x 14336 (config.json dimensions)
    private static final long MIXTRAL_PER_LAYER = 8L * 3 * 4096 * 14336;

    @Test
    void readsAFileOfLayerFormats(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("q.txt");
        Files.writeString(f, "# mixed precision\nall int4\nlayer 0-3 int8   # the first layers\n\nlayer 31 1.58\n");
        ExpertQuant q = ExpertQuant.read(f);
        assertEquals(WeightFormat.INT8, q.formatOf(0));
        assertEquals(WeightFormat.INT8, q.formatOf(3));
        assertEquals(WeightFormat.INT4, q.formatOf(4));
        assertEquals(1580, q.formatOf(31).milliBits());
        assertEquals("int4, layers 0-3 int8, layer 31 b1.58", q.describe());
        assertNull(ExpertQuant.parse("x", List.of("layer 2 int4")).formatOf(1));
    }

    @Test
    void badLinesNameTheFileAndLine() {
        String[][] cases = {
            {"all int4\nlayer x int8", "q.txt:2: layer range 'x'"},
            {"layer 1 int3", "q.txt:1: unknown weight format 'int3'"},
            {"all int4\nall int8", "q.txt:2: 'all' given twice"},
            {"layer 0-3 int8\nlayer 2 int4", "q.txt:2: layer 2 given a format twice"},
            {"layer 3-1 int8", "q.txt:1: layer range '3-1'"},
            {"experts int4", "q.txt:1: expected 'all FORMAT'"},
            {"# nothing\n", "q.txt: no expert format given"},
        };
        for (String[] c : cases) {
            ModelException e = assertThrows(ModelException.class, () -> ExpertQuant.parse("q.txt", List.of(c[0].split("\n", -1))), c[0]);
            assertTrue(e.getMessage().startsWith(c[1]), e.getMessage());
        }
        ModelConfig mixtral = ModelZoo.get("mixtral-8x7b");
        assertThrows(ModelException.class, () -> mixtral.withExpertQuant(ExpertQuant.parse("q", List.of("layer 32 int4"))));
        ModelConfig ds = ModelZoo.get("deepseek-v3");
        ModelException dense = assertThrows(ModelException.class, () -> ds.withExpertQuant(ExpertQuant.parse("q", List.of("layer 0 int4"))));
        assertTrue(dense.getMessage().contains("not an MoE layer"), dense.getMessage());
    }

    @Test
    void weightBytesCountEachLayersExpertsInItsFormat() {
        ModelConfig m = ModelZoo.get("mixtral-8x7b");
        long total = ModelStats.of(m).total();
        long routed = 32 * MIXTRAL_PER_LAYER;
        assertEquals(2 * total, ExpertQuant.weightBytes(m, DType.BF16));
        ModelConfig int4 = m.withExpertQuant(ExpertQuant.uniform(WeightFormat.INT4));
        // by hand: the rest in bf16 (2 bytes), the experts at half a byte
        assertEquals(2 * (total - routed) + routed / 2, ExpertQuant.weightBytes(int4, DType.BF16));
        ModelConfig mixed = m.withExpertQuant(ExpertQuant.parse("q", List.of("all int4", "layer 0-3 int8")));
        assertEquals(2 * (total - routed) + 4 * MIXTRAL_PER_LAYER + 28 * MIXTRAL_PER_LAYER / 2, ExpertQuant.weightBytes(mixed, DType.BF16));
        // parameters do not change with the format
        assertEquals(total, ModelStats.of(mixed).total());
    }

    @Test
    void anFp8ModelKeepsItsVocabularyTablesInBf16() {
        // Mixtral-8x7B: untied, a 32,000 x 4096 embedding table and LM head, 2 bytes each; every other weight 1 byte in fp8
        ModelConfig m = ModelZoo.get("mixtral-8x7b");
        long total = ModelStats.of(m).total();
        long tables = 2L * 32_000 * 4096;
        assertEquals(2 * tables + (total - tables), ExpertQuant.weightBytes(m, DType.FP8_E4M3));
        assertEquals(DType.BF16, m.vocabTableDType(DType.FP8_E4M3));
        assertEquals(DType.FP16, m.vocabTableDType(DType.FP16), "an unquantised serving dtype is the tables' own");
        // GLaM ties its LM head to the embedding table: one 256,000 x 4096 table in bf16
        ModelConfig glam = ModelZoo.get("glam");
        long glamTotal = ModelStats.of(glam).total();
        long table = 256_000L * 4096;
        assertEquals(2 * table + (glamTotal - table), ExpertQuant.weightBytes(glam, DType.FP8_E4M3));
        // the graph: a bf16 table looked up into the bf16 activations an fp8 model holds between ops, a bf16 LM head
        io.moesim.ir.graph.Graph g = GraphGenerator.generate(GraphRequest.decode(m, 4, 64).withDtype(DType.FP8_E4M3));
        java.util.List<io.moesim.ir.op.Op> ops = g.body().nodes().stream().map(io.moesim.ir.graph.Node::op).toList();
        assertEquals(new io.moesim.ir.op.Embedding(32_000, 4096, DType.BF16, DType.BF16), ops.get(0));
        assertEquals(new io.moesim.ir.op.MatMul(4096, 32_000, DType.BF16), ops.get(ops.size() - 1));
    }

    @Test
    void layersOfDifferentFormatsAreDifferentRunsAndTheGraphRoundTrips() {
        ModelConfig m = ModelZoo.get("mixtral-8x7b").withExpertQuant(ExpertQuant.parse("q", List.of("all int4", "layer 0-3 int8")));
        List<LayerPlan.Run> runs = LayerPlan.of(m).runs();
        assertEquals(2, runs.size(), runs.toString());
        assertEquals(4, runs.get(0).count());
        assertEquals(WeightFormat.INT8, runs.get(0).block().get(0).expertFormat());
        assertEquals(28, runs.get(1).count());
        Graph g = GraphGenerator.generate(GraphRequest.decode(m, 64, 1024));
        String text = MoeirPrinter.print(g);
        assertTrue(text.contains("wbits=4"), "int4 experts print their bits");
        assertEquals(g, MoeirParser.parse(text, "q.moeir"));
        // the graph's minimum weight traffic in one decode with all experts hit: the stats agree with the hand count
        assertEquals(GraphStats.of(GraphGenerator.generate(GraphRequest.decode(ModelZoo.get("mixtral-8x7b"), 64, 1024))).params(),
                GraphStats.of(g).params());
    }
}
