package io.moesim.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.CompileOptions.ExpertPlacement;
import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.CompileOptions.Parallelism;
import io.moesim.compiler.CompileOptions.Placement;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.passes.Fusions;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.compiler.plan.PlanJson;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.Node;
import io.moesim.ir.op.Combine;
import io.moesim.ir.op.Dispatch;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.Repeat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Properties every compilation keeps, over a range of foldings, policies and overlaps. */
class CompilerPropertiesTest {
    static final long[] UNIFORM = {4, 4, 4, 4};
    static final long[] SKEWED = {9, 4, 2, 1};

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("h100x2", Fixtures.p(2, 1, 1, 1), Fixtures.p(1, 2, 1, 1), Overlap.LAYER, UNIFORM),
                Arguments.of("h100x2", Fixtures.p(2, 1, 1, 1), Fixtures.p(2, 1, 1, 1), Overlap.NONE, SKEWED),
                Arguments.of("h100x4", Fixtures.p(2, 1, 2, 1), Fixtures.p(1, 4, 1, 1), Overlap.TILE, SKEWED),
                Arguments.of("h100x4", Fixtures.p(1, 1, 4, 1), Fixtures.p(1, 2, 2, 1), Overlap.LAYER, UNIFORM),
                Arguments.of("h100x4", Fixtures.p(2, 1, 1, 2), Fixtures.p(1, 2, 1, 2), Overlap.TILE, UNIFORM),
                Arguments.of("duplex-x4", Fixtures.p(4, 1, 1, 1), Fixtures.p(1, 4, 1, 1), Overlap.TILE, SKEWED),
                Arguments.of("h100x4", Fixtures.p(2, 1, 2, 1), Fixtures.p(1, 4, 1, 1), Overlap.FUSED, SKEWED),
                Arguments.of("h100x4", Fixtures.p(2, 1, 1, 2), Fixtures.p(1, 2, 1, 2), Overlap.FUSED, UNIFORM),
                Arguments.of("h100x2", Fixtures.p(2, 1, 1, 1), Fixtures.p(2, 1, 1, 1), Overlap.FUSED, UNIFORM),
                Arguments.of("duplex-x4", Fixtures.p(4, 1, 1, 1), Fixtures.p(1, 4, 1, 1), Overlap.FUSED, SKEWED));
    }

    static Compiler.Result compile(String sys, Parallelism a, Parallelism m, Overlap o, long[] tokens, Placement pl) {
        Graph g = Fixtures.toyMoe(2, 8, tokens);
        SystemSpec s = Systems.load(sys);
        return Compiler.compile(g, s, Fixtures.options(a, m, pl, ExpertPlacement.GREEDY, o, 2), RooflineCostModel.INSTANCE);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void tasksAreTopologicalAndOnKnownProcessors(String sys, Parallelism a, Parallelism m, Overlap o, long[] tokens) {
        Compiler.Result r = compile(sys, a, m, o, tokens, Placement.COPROC);
        SystemSpec s = Systems.load(sys);
        for (Task t : r.plan().tasks()) {
            for (int i = 0; i < t.deps().size(); i++) {
                assertTrue(t.deps().getInt(i) < t.id());
            }
            assertTrue(t.processor().equals("link") || s.device().processor(t.processor()).isPresent(), t.processor());
            assertTrue(t.device() >= 0 && t.device() < s.devices());
            assertEquals(t.isTransfer(), t.processor().equals("link"));
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void routedTokensAreConservedThroughDispatchExpertsAndCombine(String sys, Parallelism a, Parallelism m, Overlap o, long[] tokens) {
        Compiler.Result r = compile(sys, a, m, o, tokens, Placement.COPROC);
        long copies = 8 * 2;
        int replicas = m.tp();
        for (int layer = 0; layer < 2; layer++) {
            long dispatched = 0;
            long expert = 0;
            long combined = 0;
            for (Task t : r.plan().tasks()) {
                if (t.layer() != layer) {
                    continue;
                }
                if (t.op() instanceof Dispatch d) {
                    dispatched += d.tokens().longStream().sum();
                } else if (t.op() instanceof ExpertFfn f) {
                    expert += f.totalTokens();
                } else if (t.op() instanceof Combine c) {
                    combined += c.tokens().longStream().sum();
                }
            }
            // every device of a tensor-parallel group handles the same tokens
            assertEquals(copies * replicas, dispatched, "dispatch, layer " + layer);
            assertEquals(copies * replicas, expert, "experts, layer " + layer);
            assertEquals(copies * replicas, combined, "combine, layer " + layer);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void everyOpIsPlacedExactlyOncePerDevice(String sys, Parallelism a, Parallelism m, Overlap o, long[] tokens) {
        // without tiles and co-processing each node is one task per device of its stage (fused nodes inside their partner)
        Compiler.Result r = compile(sys, a, m, o == Overlap.TILE || o == Overlap.FUSED ? Overlap.LAYER : o, tokens, Placement.OPB);
        Graph g = r.program().graph();
        long perStage = 0;
        for (Node n : g.nodes()) {
            perStage += n.op() instanceof Repeat rep ? rep.count() * n.body().nodes().size() : 1;
        }
        long absorbed = r.program().require(Fusions.class, "test").fusions().stream().mapToLong(f -> f.absorbed().contains("/") ? 2 : 1).sum();
        int pp = a.pp();
        long expected = (perStage - absorbed) * (r.plan().devices() / pp);
        long sends = r.plan().tasks().stream().filter(t -> t.op().mnemonic().equals("send")).count();
        assertEquals(expected, r.plan().tasks().size() - sends);
    }

    @ParameterizedTest
    @MethodSource("cases")
    void sameInputGivesByteIdenticalPlans(String sys, Parallelism a, Parallelism m, Overlap o, long[] tokens) {
        String one = PlanJson.toJson(compile(sys, a, m, o, tokens, Placement.COPROC).plan());
        String two = PlanJson.toJson(compile(sys, a, m, o, tokens, Placement.COPROC).plan());
        assertEquals(one, two);
    }

    @Test
    void noOverlapChainsEveryDevicesTasks() {
        HardwarePlan p = compile("h100x2", Fixtures.p(2, 1, 1, 1), Fixtures.p(1, 2, 1, 1), Overlap.NONE, UNIFORM, Placement.OPB).plan();
        int[] last = {-1, -1};
        for (Task t : p.tasks()) {
            if (last[t.device()] >= 0) {
                assertTrue(t.deps().contains(last[t.device()]), t.name());
            }
            last[t.device()] = t.id();
        }
    }

    @Test
    void tileOverlapGivesPerTileDependencies() {
        HardwarePlan p = compile("h100x4", Fixtures.p(1, 1, 4, 1), Fixtures.p(1, 4, 1, 1), Overlap.TILE, UNIFORM, Placement.OPB).plan();
        // 4 experts over ep 4 is one expert per device, one tile; use ep 2 for two tiles
        HardwarePlan q = compile("h100x2", Fixtures.p(1, 1, 2, 1), Fixtures.p(1, 2, 1, 1), Overlap.TILE, UNIFORM, Placement.OPB).plan();
        Task ffn1 = q.tasks().stream().filter(t -> t.layer() == 0 && t.device() == 0 && t.name().contains("expert_out.t1")).findFirst().orElseThrow();
        Task a2a0 = q.tasks().stream().filter(t -> t.layer() == 0 && t.device() == 0 && t.name().contains("dispatched_a2a.t0")).findFirst()
                .orElseThrow();
        Task a2a1 = q.tasks().stream().filter(t -> t.layer() == 0 && t.device() == 0 && t.name().contains("dispatched_a2a.t1")).findFirst()
                .orElseThrow();
        assertTrue(ffn1.deps().contains(a2a1.id()));
        assertTrue(!ffn1.deps().contains(a2a0.id()), "tile 1's GEMM waits only for tile 1's tokens");
        assertTrue(p.tasks().size() > 0);
    }

    @Test
    void aRoutedTileOfOneExpertStaysARoutedBlockOnTheMainStream() {
        // 4 experts over EP 2 is two per device, and tile overlap cuts them into tiles of one expert each: each tile is still
        // the layer's routed block (a fused MoE kernel behind the router), not a dense FFN, on the main stream after its
        // tile's dispatch (MoeLowering's expert tasks); its top_k is min(the layer's 2, its 1 expert)
        HardwarePlan q = compile("h100x2", Fixtures.p(1, 1, 2, 1), Fixtures.p(1, 2, 1, 1), Overlap.TILE, UNIFORM, Placement.OPB).plan();
        List<Task> experts = q.tasks().stream().filter(t -> t.op() instanceof ExpertFfn).toList();
        assertEquals(2 * 2 * 2, experts.size(), "2 layers x 2 devices x 2 tiles");
        for (Task t : experts) {
            ExpertFfn f = (ExpertFfn) t.op();
            assertEquals(1, f.experts(), t.name());
            assertTrue(f.routed(), t.name());
            assertEquals(1, f.topK(), t.name());
            assertEquals(0, t.stream(), t.name());
        }
        // without tiles each device's task holds its two experts with the layer's top_k, 2, which a cost model divides its
        // rows by for the tokens it serves (a fused block's tile, an fp8 block's input quantise)
        HardwarePlan whole = compile("h100x2", Fixtures.p(1, 1, 2, 1), Fixtures.p(1, 2, 1, 1), Overlap.NONE, UNIFORM, Placement.OPB).plan();
        List<Task> blocks = whole.tasks().stream().filter(t -> t.op() instanceof ExpertFfn).toList();
        assertEquals(2 * 2, blocks.size(), "2 layers x 2 devices");
        for (Task t : blocks) {
            ExpertFfn f = (ExpertFfn) t.op();
            assertEquals(2, f.experts(), t.name());
            assertEquals(2, f.topK(), t.name());
        }
    }

    @Test
    void degreesThatDoNotFitTheSystemAreRejected() {
        CompilerException e = assertThrows(CompilerException.class,
                () -> compile("h100x2", Fixtures.p(4, 1, 1, 1), Fixtures.p(1, 2, 1, 1), Overlap.LAYER, UNIFORM, Placement.OPB));
        assertTrue(e.getMessage().contains("= 4, but system h100x2 has 2 devices"), e.getMessage());
        // --moe-ep alone leaves attention at one device: the error says which flags complete the layout
        CompilerException alone = assertThrows(CompilerException.class,
                () -> compile("h100x2", Fixtures.p(1, 1, 1, 1), Fixtures.p(1, 2, 1, 1), Overlap.LAYER, UNIFORM, Placement.OPB));
        assertTrue(alone.getMessage().contains("= 1, but system h100x2 has 2 devices (the MoE side's degrees leave attention at 1: give it --attn-tp"),
                alone.getMessage());
        CompilerException heads = assertThrows(CompilerException.class,
                () -> compile("h100x3", Fixtures.p(3, 1, 1, 1), Fixtures.p(3, 1, 1, 1), Overlap.LAYER, UNIFORM, Placement.OPB));
        // the toy's 4 KV heads neither split over 3 ranks nor replicate evenly on them
        assertTrue(heads.getMessage().contains("kv_heads 4 and tp 3: neither divides the other"), heads.getMessage());
        CompilerException experts = assertThrows(CompilerException.class,
                () -> Compiler.compile(Fixtures.toyMoe(1, 6, new long[] {3, 3, 3, 3}), Systems.load("h100x3"),
                        Fixtures.options(Fixtures.p(1, 1, 3, 1), Fixtures.p(1, 3, 1, 1), Placement.OPB, ExpertPlacement.GREEDY, Overlap.LAYER, 1),
                        RooflineCostModel.INSTANCE));
        assertTrue(experts.getMessage().contains("experts under expert parallelism 4 is not divisible by 3"), experts.getMessage());
    }
}
