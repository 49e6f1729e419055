package io.moesim.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.CompileOptions.ExpertPlacement;
import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.CompileOptions.Placement;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.placement.ExpertCoprocessor;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.op.FfnActivation;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Duplex (duplex-x4, tensor parallel as in the paper: experts column-sliced, one all-reduce per MoE layer). */
class DuplexPlacementTest {

    static HardwarePlan mixtral(GraphRequest req, Placement placement) {
        Graph g = GraphGenerator.generate(req);
        return Compiler.compile(g, Systems.load("duplex-x4"), Fixtures.options(Fixtures.p(4, 1, 1, 1), Fixtures.p(4, 1, 1, 1), placement,
                ExpertPlacement.GREEDY, Overlap.LAYER, 1), RooflineCostModel.INSTANCE).plan();
    }

    static Set<String> processors(HardwarePlan p, String mnemonic) {
        return processors(p, mnemonic, t -> true);
    }

    /** The processors of the plan's tasks of one op kind that {@code which} keeps. */
    static Set<String> processors(HardwarePlan p, String mnemonic, Predicate<Task> which) {
        Set<String> s = new TreeSet<>();
        p.tasks().stream().filter(t -> t.op().mnemonic().equals(mnemonic) && which.test(t)).forEach(t -> s.add(t.processor()));
        return s;
    }

    @Test
    void decodeBatch64PutsExpertsAndAttentionOnLogicPimAndProjectionsOnXpu() {
        HardwarePlan p = mixtral(GraphRequest.decode(ModelZoo.get("Mixtral-8x7B"), 64, 2048), Placement.OPB);
        assertEquals(Set.of("logic_pim"), processors(p, "expert_ffn"));
        assertEquals(Set.of("logic_pim"), processors(p, "attention"));
        assertEquals(Set.of("xpu"), processors(p, "matmul"), "QKV, output projection and LM head");
    }

    @Test
    void prefillPutsEverythingHeavyOnXpu() {
        HardwarePlan p = mixtral(GraphRequest.prefill(ModelZoo.get("Mixtral-8x7B"), 4, 1024), Placement.OPB);
        assertEquals(Set.of("xpu"), processors(p, "expert_ffn"));
        assertEquals(Set.of("xpu"), processors(p, "attention"));
        // the projections of 4 x 1024 tokens on the xPU; the LM head runs on the 4 sampled rows (each prompt's last token), a
        // GEMV-like op of low Op/B (4 FLOPs per weight byte at bf16), which Op/B placement gives the Logic-PIM as in decode
        assertEquals(Set.of("xpu"), processors(p, "matmul", t -> !t.name().endsWith("logits")));
        assertEquals(Set.of("logic_pim"), processors(p, "matmul", t -> t.name().endsWith("logits")));
    }

    @Test
    void coprocessingSplitsExpertsAndRunsPrefillAndDecodeAttentionApart() {
        HardwarePlan p = mixtral(GraphRequest.mixed(ModelZoo.get("Mixtral-8x7B"), 1, 512, 63, 2048), Placement.COPROC);
        Task pre = p.tasks().stream().filter(t -> t.name().endsWith("attn_prefill")).findFirst().orElseThrow();
        Task dec = p.tasks().stream().filter(t -> t.name().endsWith("attn_decode") && t.layer() == pre.layer() && t.device() == pre.device())
                .findFirst().orElseThrow();
        assertEquals("xpu", pre.processor());
        assertEquals("logic_pim", dec.processor());
        assertTrue(!dec.deps().contains(pre.id()) && !pre.deps().contains(dec.id()), "independent, so they run in parallel");
    }

    @Test
    void expertCoprocessingMovesTheSmallestExpertsWhileTheFinishImproves() {
        var dev = Systems.load("duplex-x4").device();
        ExpertCoprocessor cop = ExpertCoprocessor.forDevice(RooflineCostModel.INSTANCE, dev).orElseThrow();
        ExpertCoprocessor.Shape shape = new ExpertCoprocessor.Shape(4096, 14336 / 4, FfnActivation.SWIGLU, DType.BF16, DType.BF16);
        long[] tokens = {16, 16, 16, 16, 16, 16, 16, 16};
        ExpertCoprocessor.Decision d = cop.decide(shape, tokens);
        assertTrue(d.pimExperts().length > 0 && d.xpuExperts().length > 0, "uniform decode tokens split over both sides");
        double allXpu = RooflineCostModel.INSTANCE.seconds(ExpertCoprocessor.subset(shape, tokens),
                java.util.List.of(io.moesim.ir.TensorType.of(DType.BF16, 128, 4096)), dev, dev.primary());
        assertTrue(d.seconds() < allXpu);
        long[] skewed = {1, 2, 3, 200, 300, 400, 500, 600};
        ExpertCoprocessor.Decision s = cop.decide(shape, skewed);
        for (int e : s.pimExperts()) {
            for (int x : s.xpuExperts()) {
                assertTrue(skewed[e] <= skewed[x], "PIM takes the experts with the fewest tokens");
            }
        }
        assertTrue(cop.decide(shape, tokens) == d, "memoised by signature");
    }

    /**
     * A decode step of 4 tokens routed to experts 4, 6 and 7 only ({0,0,0,0,4,0,2,2} copies), roofline, TP 4: each device
     * holds a quarter of every expert, 3 × 4096 × 3584 × 2 B = 88,080,384 B. All three on the xPU: 264,241,152 B /
     * 3350 GB/s = 78.9 µs; the two 2-token experts to PIM: xPU 26.3 µs, PIM 176,160,768 / 13312 GB/s = 13.2 µs; the
     * 4-token one too: PIM 19.9 µs (its 8 tokens' 704,643,072 FLOP take 6.6 µs at 106.5 TFLOP/s), better than 26.3 µs. So
     * each device runs one Logic-PIM expert_ffn over [4, 2, 2] and no xPU one: the five idle experts take no part and
     * no task is left of them alone (before: the idle experts ended the search and all eight ran on the xPU).
     */
    @Test
    void idleExpertsLeaveTheActiveOnesToPimAndNoTaskBehind() {
        GraphRequest req = GraphRequest.decode(ModelZoo.get("Mixtral-8x7B"), 4, 2048)
                .withRouting(new io.moesim.ir.model.Routing.Fixed(it.unimi.dsi.fastutil.longs.LongImmutableList.of(0, 0, 0, 0, 4, 0, 2, 2)));
        HardwarePlan p = mixtral(req, Placement.COPROC);
        java.util.List<Task> experts = p.tasks().stream().filter(t -> t.op().mnemonic().equals("expert_ffn") && t.layer() == 0).toList();
        assertEquals(4, experts.size(), "one task per device");
        for (Task t : experts) {
            assertEquals("logic_pim", t.processor());
            assertEquals(it.unimi.dsi.fastutil.longs.LongImmutableList.of(4, 2, 2), ((io.moesim.ir.op.ExpertFfn) t.op()).tokens());
        }
    }

    @Test
    void mixtralDoesNotFitOneDuplexAndTheErrorSaysWhatWould() {
        Graph g = GraphGenerator.generate(GraphRequest.decode(ModelZoo.get("Mixtral-8x7B"), 64, 2048));
        CompilerException e = assertThrows(CompilerException.class, () -> Compiler.compile(g, Systems.load("duplex-x1"),
                Fixtures.options(Fixtures.p(1, 1, 1, 1), Fixtures.p(1, 1, 1, 1), Placement.OPB, ExpertPlacement.GREEDY, Overlap.LAYER, 1),
                RooflineCostModel.INSTANCE));
        // duplex.yaml gives the H100's driver total, 81,559 MiB = 85.52e9 bytes
        assertTrue(e.getMessage().matches("plan-memory: does not fit: device 0 needs \\d+\\.\\d GB, has 85\\.5 GB \\(weights .*"), e.getMessage());
        assertTrue(e.getMessage().contains("would fit: more devices (2, with ep=2"), e.getMessage());
        assertTrue(e.getMessage().contains("fp8 weights"), e.getMessage());
    }
}
