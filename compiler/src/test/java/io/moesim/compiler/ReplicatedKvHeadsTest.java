package io.moesim.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.CompileOptions.ExpertPlacement;
import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.CompileOptions.Placement;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.plan.DeviceMemory;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.Systems;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.Split;
import org.junit.jupiter.api.Test;

/**
 * Attention TP above the KV-head count: each rank holds one KV head, replicated over tp / kv_heads ranks, as vLLM and
 * SGLang serve Qwen3-30B-A3B (32 query heads, 4 KV heads of 128) on 8 GPUs. Expected figures by hand from the model's
 * config.
 */
class ReplicatedKvHeadsTest {
    private static final ModelConfig QWEN3 = ModelZoo.get("qwen3-30b-a3b");

    @Test
    void kvHeadsPerRank() {
        assertEquals(2, Attention.kvHeadsPerRank(8, 4), "split");
        assertEquals(1, Attention.kvHeadsPerRank(8, 8), "split, one each");
        assertEquals(1, Attention.kvHeadsPerRank(4, 8), "replicated on 2 ranks each");
        assertEquals(1, Attention.kvHeadsPerRank(1, 8), "MQA: replicated on every rank");
        assertEquals(0, Attention.kvHeadsPerRank(8, 12), "neither divides the other");
    }

    @Test
    void qwen3OnEightGpusHoldsOneKvHeadPerRank() {
        int batch = 64;
        long kvLen = 1024;
        Compiler.Result r = Compiler.compile(GraphGenerator.generate(GraphRequest.decode(QWEN3, batch, kvLen)), Systems.load("h100x8"),
                Fixtures.options(Fixtures.p(8, 1, 1, 1), Fixtures.p(8, 1, 1, 1), Placement.COPROC, ExpertPlacement.GREEDY, Overlap.LAYER, 1),
                RooflineCostModel.INSTANCE);
        int attention = 0;
        for (Task t : r.plan().tasks()) {
            if (t.op() instanceof Attention a) {
                attention++;
                assertEquals(4, a.heads(), "32 query heads over 8 ranks");
                assertEquals(1, a.kvHeads(), "4 KV heads on 8 ranks: one each");
            }
            if (t.op() instanceof MatMul m && t.name().endsWith(".qkv")) {
                // the rank's 4 query heads and its K and V head: 4 x 128 + 2 x 128 (not 5120 / 8 = 640)
                assertEquals(768, m.n(), t.name());
            }
            if (t.op() instanceof Split s && s.axis() == 1) {
                assertEquals(java.util.List.of(512L, 128L, 128L), s.sizes(), t.name());
            }
        }
        assertEquals(QWEN3.layers() * 8, attention);
        // KV per device: its one head's K and V for every sequence, token and layer, bf16
        long kv = (long) batch * kvLen * QWEN3.layers() * 2 * 128 * 2;
        for (DeviceMemory d : r.plan().memory()) {
            assertEquals(kv, d.kvCacheBytes(), "device " + d.device());
        }
    }

    @Test
    void mixedIterationsCompileToo() {
        Compiler.Result r = Compiler.compile(GraphGenerator.generate(GraphRequest.mixed(QWEN3.withLayers(2), 8, 128, 2, 1024)),
                Systems.load("h100x8"), Fixtures.options(Fixtures.p(8, 1, 1, 1), Fixtures.p(8, 1, 1, 1), Placement.COPROC,
                        ExpertPlacement.GREEDY, Overlap.LAYER, 1), RooflineCostModel.INSTANCE);
        assertTrue(r.plan().tasks().stream().anyMatch(t -> t.op() instanceof Attention a && a.kvHeads() == 1 && a.qLen() == 128));
    }

    @Test
    void aLayoutWhereNeitherDividesIsRefused() {
        // Qwen2-57B-A14B: 28 query heads and 4 KV heads; under TP 7 the query heads split (4 each), but 4 KV heads neither
        // split over 7 ranks nor replicate evenly on them
        ModelConfig qwen2 = ModelZoo.get("qwen2-57b-a14b").withLayers(1);
        CompilerException e = assertThrows(CompilerException.class, () -> Compiler.compile(
                GraphGenerator.generate(GraphRequest.decode(qwen2, 14, 64)), Systems.load("h100x8", java.util.List.of("devices_per_node=7")),
                Fixtures.options(Fixtures.p(7, 1, 1, 1), Fixtures.p(7, 1, 1, 1), Placement.COPROC, ExpertPlacement.GREEDY, Overlap.LAYER, 1),
                RooflineCostModel.INSTANCE));
        assertTrue(e.getMessage().contains("kv_heads 4 and tp 7: neither divides the other"), e.getMessage());
    }
}
