package io.moesim.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.CompileOptions.ExpertPlacement;
import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.CompileOptions.Placement;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.GraphBuilder;
import io.moesim.ir.graph.Value;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.op.Embedding;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.Norm;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The vocabulary's two tables under tensor parallelism, as serving engines hold them: the LM head column-parallel over the
 * vocabulary with its logits gathered (vLLM's and SGLang's ParallelLMHead, TensorRT-LLM's column-parallel lm_head with
 * gather_output), the embedding table split by rows with its lookup all-reduced (VocabParallelEmbedding, TensorRT-LLM's
 * SHARDING_ALONG_VOCAB), neither kept whole on every rank. Expected figures are Llama 3 70B's dimensions (hidden 8192,
 * vocabulary 128,256) by hand.
 */
class VocabularyShardingTest {
    static Compiler.Result compile(Graph g, String system, int tp) {
        return compile(g, system, tp, 1);
    }

    static Compiler.Result compile(Graph g, String system, int tp, int pp) {
        return Compiler.compile(g, Systems.load(system), Fixtures.options(Fixtures.p(tp, 1, 1, pp), Fixtures.p(tp, 1, 1, pp), Placement.OPB,
                ExpertPlacement.GREEDY, Overlap.LAYER, 1), RooflineCostModel.INSTANCE);
    }

    /** A 1,000 x 64 bf16 vocabulary: the embedding, {@code layers} layers of one RMS norm each, the final norm, the LM head. */
    static Graph vocabularyOnly(int layers, boolean tied) {
        GraphBuilder b = new GraphBuilder("tied_head");
        Value x = b.add("embed", new Embedding(1000, 64, DType.BF16), b.input("tokens", TensorType.of(DType.INT32, 16)));
        if (layers > 0) {
            x = b.repeat("layers", layers, List.of(x), (bb, params) -> List.of(bb.add("n", rms(), params.get(0)))).get(0);
        }
        x = b.add("final_norm", rms(), x);
        b.output(b.add("logits", new MatMul(64, 1000, DType.BF16, 1, tied), x));
        return b.build();
    }

    static Norm rms() {
        return new Norm(Norm.Kind.RMS, 64, 1e-5, DType.BF16);
    }

    static List<Task> head(HardwarePlan p, String mnemonic) {
        return p.tasks().stream().filter(t -> t.layer() == -1 && t.op().mnemonic().equals(mnemonic) && t.name().contains("logits")).toList();
    }

    @Test
    void eightRanksEachHoldAnEighthOfTheVocabularyAndGatherTheLogits() {
        Graph g = GraphGenerator.generate(GraphRequest.decode(ModelZoo.get("Llama-3-70B"), 64, 2048));
        Compiler.Result r = compile(g, "h100x8", 8);
        HardwarePlan p = r.plan();
        List<Task> mm = head(p, "matmul");
        assertEquals(8, mm.size(), "one LM head GEMM per rank");
        long weights = 0;
        for (Task t : mm) {
            MatMul op = (MatMul) t.op();
            assertEquals(8192, op.k());
            assertEquals(128_256 / 8, op.n(), "16,032 vocabulary rows per rank");
            // lowering fuses the final norm into the GEMM after it: its 8192 bf16 weights come with each rank's share
            assertEquals(8192L * 16_032 * 2 + 8192 * 2, t.traffic().weightBytes(), "bf16 weights of one rank's share and the final norm");
            weights += t.traffic().weightBytes();
        }
        assertEquals(8192L * 128_256 * 2 + 8 * 8192 * 2, weights, "the ranks' shares add up to the whole head, once");
        List<Task> ag = head(p, "all_gather");
        assertEquals(8, ag.size());
        for (Task t : ag) {
            assertEquals(TensorType.of(DType.BF16, 64, 16_032), t.inputs().get(0));
            // ring all-gather: each rank sends its [64, 16032] bf16 shard to the 7 others
            assertEquals(7.0 * 64 * 16_032 * 2, t.linkBytes(), 1e-6);
        }
        assertEquals(List.of(TensorType.of(DType.BF16, 64, 128_256)), List.of(r.program().graph().outputs().get(0).type()), "the whole vocabulary's logits");
    }

    /**
     * A tied LM head reads the embedding's table, which memory holds once: on 2 ranks a 1,000 x 64 bf16 vocabulary is 500 rows
     * of the embedding (64,000 bytes) and the final norm's 64 bf16 weights (128 bytes) per rank when tied, and 64,000 bytes
     * more for an untied head's 500 columns. GLaM's generated head is tied.
     */
    @Test
    void aTiedHeadIsHeldOnceAsTheEmbedding() {
        long[] weights = new long[2];
        for (int tied = 0; tied < 2; tied++) {
            HardwarePlan p = compile(vocabularyOnly(0, tied == 1), "h100x2", 2).plan();
            weights[tied] = p.memory().get(0).weightBytes();
            // tied or not, each rank's head still reads its 500 columns (and the fused final norm's weights)
            assertEquals(2, head(p, "matmul").size(), "one head GEMM per rank");
            for (Task t : head(p, "matmul")) {
                assertEquals(500L * 64 * 2 + 64 * 2, t.traffic().weightBytes());
            }
        }
        assertEquals(500L * 64 * 2 + 64 * 2 + 500L * 64 * 2, weights[0], "untied: the embedding's and the head's shares and the norm");
        assertEquals(500L * 64 * 2 + 64 * 2, weights[1], "tied: the embedding's share and the norm");
        // under pipeline parallelism the head is on the last stage, the embedding on the first: the last holds its own copy.
        // Two layers of one norm each over 2 stages: stage 0 the embedding (1,000 x 64 x 2 bytes) and a layer's norm (128),
        // stage 1 a layer's norm, the final norm and the head's own copy of the table.
        HardwarePlan pp = compile(vocabularyOnly(2, true), "h100x2", 1, 2).plan();
        assertEquals(1000L * 64 * 2 + 128, pp.memory().get(0).weightBytes(), "first stage: the embedding and a layer");
        assertEquals(128 + 128 + 1000L * 64 * 2, pp.memory().get(1).weightBytes(), "last stage: a layer, the final norm, the head's copy");
        Graph glam = GraphGenerator.generate(GraphRequest.decode(ModelZoo.get("GLaM"), 8, 512));
        assertTrue(glam.nodes().stream().anyMatch(n -> n.op() instanceof MatMul m && m.tied() && m.n() == 256_000), "GLaM's head is tied");
    }

    /**
     * OPT's learned-position table stays whole on every rank, as vLLM holds it (a plain nn.Embedding beside the
     * VocabParallelEmbedding of the tokens): OPT-66B on 4 ranks looks up 2,050 x 9,216 positions whole on each, with no
     * all-reduce, and the 50,272-row token table as 12,568 rows per rank, all-reduced.
     */
    @Test
    void aLearnedPositionTableStaysWholeOnEveryRank() {
        Graph g = GraphGenerator.generate(GraphRequest.decode(ModelZoo.get("OPT-66B"), 8, 1024));
        HardwarePlan p = compile(g, "h100x4", 4).plan();
        List<Embedding> pos = p.tasks().stream().filter(t -> t.op() instanceof Embedding e && e.positional()).map(t -> (Embedding) t.op()).toList();
        List<Embedding> tok = p.tasks().stream().filter(t -> t.op() instanceof Embedding e && !e.positional()).map(t -> (Embedding) t.op()).toList();
        assertEquals(4, pos.size(), "one whole position table per rank");
        pos.forEach(e -> assertEquals(2050, e.vocab()));
        assertEquals(4, tok.size());
        tok.forEach(e -> assertEquals(50_272 / 4, e.vocab(), "12,568 token rows per rank"));
        assertTrue(p.tasks().stream().noneMatch(t -> t.name().contains("pos_embed") && t.op().mnemonic().equals("all_reduce")),
                "no all-reduce of the position lookup");
        assertEquals(4, p.tasks().stream().filter(t -> t.name().contains("embed_ar") && !t.name().contains("pos_embed")).count(),
                "the token lookup all-reduced on each rank");
    }

    @Test
    void eightRanksEachHoldAnEighthOfTheEmbeddingTableAndAllReduceTheLookup() {
        Graph g = GraphGenerator.generate(GraphRequest.decode(ModelZoo.get("Llama-3-70B"), 64, 2048));
        HardwarePlan p = compile(g, "h100x8", 8).plan();
        List<Task> embed = p.tasks().stream().filter(t -> t.op() instanceof Embedding).toList();
        assertEquals(8, embed.size());
        for (Task t : embed) {
            assertEquals(new Embedding(16_032, 8192, DType.BF16), t.op(), "128,256 / 8 rows of the table per rank");
        }
        List<Task> ar = p.tasks().stream().filter(t -> t.layer() == -1 && t.op().mnemonic().equals("all_reduce")).toList();
        assertEquals(8, ar.size(), "one all-reduce of the lookup per rank, before the first layer");
        for (Task t : ar) {
            assertEquals(TensorType.of(DType.BF16, 64, 8192), t.inputs().get(0));
            // ring all-reduce: 2 (g - 1) / g of the [64, 8192] bf16 tensor
            assertEquals(2.0 * 7 / 8 * 64 * 8192 * 2, t.linkBytes(), 1e-6);
        }
    }

    @Test
    void sequenceParallelRowsKeepTheWholeEmbeddingTable() {
        // attention tp 2 beside MoE ep 2: each rank holds its own 4 of the 8 tokens, so a split table could not look them up
        HardwarePlan p = Compiler.compile(Fixtures.toyMoe(2, 8, new long[] {6, 4, 4, 2}), Systems.load("h100x2"),
                Fixtures.options(Fixtures.p(2, 1, 1, 1), Fixtures.p(1, 2, 1, 1), Placement.OPB, ExpertPlacement.GREEDY, Overlap.LAYER, 1),
                RooflineCostModel.INSTANCE).plan();
        List<Task> embed = p.tasks().stream().filter(t -> t.op() instanceof Embedding).toList();
        assertEquals(2, embed.size());
        embed.forEach(t -> assertEquals(1000, ((Embedding) t.op()).vocab()));
    }

    @Test
    void oneRankKeepsTheWholeHeadAndGathersNothing() {
        Graph g = GraphGenerator.generate(GraphRequest.decode(ModelZoo.get("Llama-3-8B"), 8, 128));
        HardwarePlan p = compile(g, "h100x1", 1).plan();
        List<Task> mm = head(p, "matmul");
        assertEquals(1, mm.size());
        assertEquals(128_256, ((MatMul) mm.get(0).op()).n());
        assertTrue(head(p, "all_gather").isEmpty());
    }

    @Test
    void aVocabularyTheRanksDoNotDivideIsPaddedToTheNextMultiple() {
        GraphBuilder b = new GraphBuilder("head_only");
        Value x = b.input("x", TensorType.of(DType.BF16, 4, 64));
        b.output(b.add("logits", new MatMul(64, 1001, DType.BF16), x));
        Compiler.Result r = compile(b.build(), "h100x2", 2);
        HardwarePlan p = r.plan();
        for (Task t : head(p, "matmul")) {
            assertEquals(501, ((MatMul) t.op()).n(), "ceil(1001 / 2)");
        }
        assertEquals(TensorType.of(DType.BF16, 4, 1002), r.program().graph().outputs().get(0).type(), "one padding column after the gather");
    }
}
