package io.moesim.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moesim.compiler.CompileOptions.ExpertPlacement;
import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.CompileOptions.Placement;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.HfConfigImporter;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.op.Elementwise;
import io.moesim.ir.op.GatedDeltaNet;
import io.moesim.ir.op.LightningIndexer;
import io.moesim.ir.op.MlaAttention;
import io.moesim.ir.op.MatMul;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Qwen3-Next (Gated DeltaNet layers and gated attention) compiles under tensor parallelism, with attention and MoE
 * degrees that differ: the linear layers' heads split over the attention TP, and the output gate (mul) and the
 * projection after it stay in the attention section (on the MoE degrees they would see the wrong width).
 */
class HybridModelCompileTest {
    private static final ModelConfig QWEN3_NEXT = HfConfigImporter.load(Path.of("../ir/src/test/resources/hf/qwen3-next-80b-a3b.json"));

    @Test
    void qwen3NextCompilesWithAttentionTpAndMoeEp() {
        Graph g = GraphGenerator.generate(GraphRequest.mixed(QWEN3_NEXT.withLayers(4), 2, 256, 16, 2048));
        SystemSpec s = Systems.load("h200x2");
        Compiler.Result r = Compiler.compile(g, s, Fixtures.options(Fixtures.p(2, 1, 1, 1), Fixtures.p(1, 2, 1, 1), Placement.COPROC,
                ExpertPlacement.GREEDY, Overlap.LAYER, 2), RooflineCostModel.INSTANCE);
        int gdn = 0;
        for (Task t : r.plan().tasks()) {
            if (t.op() instanceof GatedDeltaNet d) {
                gdn++;
                assertEquals(8, d.keyHeads(), "16 key heads over tp 2");
                assertEquals(16, d.valueHeads(), "32 value heads over tp 2");
                assertEquals("attention", t.layerType());
            }
            if (t.op() instanceof Elementwise e && e.kind() == Elementwise.Kind.MUL) {
                assertEquals("attention", t.layerType(), t.name());
            }
            if (t.op() instanceof MatMul m && (t.name().contains("attn_out") || t.name().contains("out_proj"))) {
                assertEquals(2048, m.k(), t.name() + ": row-parallel over tp 2");
            }
        }
        // 3 linear layers, a prefill and a decode op each, on 2 devices
        assertEquals(3 * 2 * 2, gdn);
    }

    /**
     * DeepSeek-V3.2 (4 of its layers) under attention TP 2: the MLA heads split, the lightning indexer is replicated (every
     * rank scores all 64 indexer heads for its own query heads), its key cache in the memory plan's KV.
     */
    @Test
    void deepseekV32CompilesWithTheIndexerReplicated() {
        ModelConfig v32 = HfConfigImporter.load(Path.of("../ir/src/test/resources/hf/deepseek-v3.2.json")).withLayers(4);
        Graph g = GraphGenerator.generate(GraphRequest.mixed(v32, 2, 256, 16, 4096));
        Compiler.Result r = Compiler.compile(g, Systems.load("h200x2"), Fixtures.options(Fixtures.p(2, 1, 1, 1), Fixtures.p(1, 2, 1, 1),
                Placement.COPROC, ExpertPlacement.GREEDY, Overlap.LAYER, 2), RooflineCostModel.INSTANCE);
        int indexers = 0;
        for (Task t : r.plan().tasks()) {
            if (t.op() instanceof LightningIndexer li) {
                indexers++;
                assertEquals(64, li.heads());
                assertEquals("attention", t.layerType());
            }
            if (t.op() instanceof MlaAttention m) {
                assertEquals(64, m.heads(), "128 heads over tp 2");
                assertEquals(2048, m.topk());
            }
        }
        assertEquals(4 * 2 * 2, indexers, "4 layers, prefill and decode, 2 devices");
    }
}
