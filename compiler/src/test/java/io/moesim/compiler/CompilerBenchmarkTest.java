package io.moesim.compiler;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.moesim.compiler.CompileOptions.ExpertPlacement;
import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.CompileOptions.Placement;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.experts.ExpertPlacer;
import io.moesim.compiler.experts.IlpExpertPlacer;
import io.moesim.compiler.experts.PlacementProblem;
import io.moesim.compiler.experts.PlacementResult;
import io.moesim.compiler.experts.RoutingStats;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelZoo;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Prints the compiler's benchmark figures; runs only with {@code -Dmoesim.bench=true}:
 * DeepSeek-V3 decode (batch 64, kv 2048) onto mi300x8 (attention TP 8, MoE EP 8), cold and warm;
 * and the expert-placement ILP for 256 experts over 8 devices on a seeded synthetic skewed trace
 * with layer-to-layer transitions.
 */
@Tag("bench")
class CompilerBenchmarkTest {

    @Test
    void deepSeekV3OnMi300x8() {
        assumeTrue(Boolean.getBoolean("moesim.bench"));
        Graph g = GraphGenerator.generate(GraphRequest.decode(ModelZoo.get("DeepSeek-V3"), 64, 2048));
        SystemSpec sys = Systems.load("mi300x8");
        CompileOptions o = Fixtures.options(Fixtures.p(8, 1, 1, 1), Fixtures.p(1, 8, 1, 1), Placement.OPB, ExpertPlacement.GREEDY, Overlap.TILE, 4);
        long t0 = System.nanoTime();
        Compiler.Result first = Compiler.compile(g, sys, o, RooflineCostModel.INSTANCE);
        double cold = (System.nanoTime() - t0) / 1e9;
        double best = Double.POSITIVE_INFINITY;
        for (int i = 0; i < 10; i++) {
            long t = System.nanoTime();
            Compiler.compile(g, sys, o, RooflineCostModel.INSTANCE);
            best = Math.min(best, (System.nanoTime() - t) / 1e9);
        }
        System.out.printf(Locale.ROOT, "BENCH deepseek-v3 decode b64 -> mi300x8: %d tasks, cold %.3f s, warm best of 10 %.3f s%n",
                first.plan().tasks().size(), cold, best);
        System.out.println(io.moesim.compiler.summary.CompileSummary.of(first).render());
    }

    @Test
    void ilp256ExpertsOn8Devices() {
        assumeTrue(Boolean.getBoolean("moesim.bench"));
        RoutingStats trace = RoutingStats.synthetic(4, 256, 8, 4096, 1.0, 0.6, 7);
        double[][] w = new double[8][8];
        for (double[] row : w) {
            java.util.Arrays.fill(row, 1.0);
        }
        int[] prev = null;
        for (int l = 0; l < 4; l++) {
            double[][] t = prev == null ? null : trace.transitionsInto(l);
            PlacementProblem p = new PlacementProblem(trace.loadsOf(l), 8, 32, t == null ? null : prev, t, w, 1.0);
            PlacementResult greedy = new ExpertPlacer.Greedy().place(p);
            PlacementResult rr = new ExpertPlacer.RoundRobin().place(p);
            PlacementResult ilp = new IlpExpertPlacer(10, 0).place(p);
            System.out.printf(Locale.ROOT,
                    "BENCH ilp 256x8 layer %d (%s): rr %.1f greedy %.1f ilp %.1f (load %.1f + pair %.1f), bound %.1f, gap %.3f%%, %.2f s, %s%n", l,
                    p.hasTraffic() ? "loads+transitions" : "loads", rr.objective(), greedy.objective(), ilp.objective(), p.maxLoad(ilp.assign()),
                    p.maxPairTraffic(ilp.assign()), ilp.bound(), 100 * ilp.gap(), ilp.seconds(), ilp.status());
            prev = ilp.assign();
        }
    }
}
