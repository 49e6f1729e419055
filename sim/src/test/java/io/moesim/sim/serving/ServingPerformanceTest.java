package io.moesim.sim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.Simulator;
import io.moesim.sim.metrics.ResultJson;
import io.moesim.sim.metrics.SimulationResult;
import io.moesim.sim.system.CollectiveAlgorithm;
import io.moesim.sim.system.CollectiveModel;
import io.moesim.sim.system.PlanExecutor;
import io.moesim.sim.system.PreparedPlan;
import io.moesim.sim.system.TaskTimer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The performance targets, run on demand: {@code -Dmoesim.perf=true}. Prints its figures (tests may;
 * library code does not). Uses {@link StandInPlanner} while the compiler's pipeline is not assembled.
 */
@EnabledIfSystemProperty(named = "moesim.perf", matches = "true")
@Tag("bench")
class ServingPerformanceTest {

    @Test
    void mixtralServingRunOnDuplexX4() {
        SystemSpec sys = Systems.load("duplex-x4");
        ModelConfig m = ModelZoo.get("Mixtral-8x7B");
        SimulationRequest r = SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").costModel(RooflineCostModel.INSTANCE).batch(128).requests(1000).lengths(1024, 1024)
                .lengths("gaussian:0.1").seed(1).build();
        long t0 = System.nanoTime();
        SimulationResult res = Simulator.simulate(r, m, sys, new StandInPlanner(sys));
        double wall = (System.nanoTime() - t0) / 1e9;
        System.out.println("PERF serving wall_s=" + wall + " iterations=" + res.iterations() + " caches=" + res.caches());
        System.out.println(ResultJson.toJson(res));
        assertEquals(1000, res.requestsCompleted());
    }

    @Test
    void mixtralServingRunThroughTheCompiler() {
        CompileOptions.Parallelism tp4 = new CompileOptions.Parallelism(4, 1, 1, 1);
        CompileOptions d = CompileOptions.defaults();
        CompileOptions opts = new CompileOptions(tp4, tp4, d.placement(), d.expertPlacement(), d.overlap(), d.tiles(), null,
                d.ilpTimeLimitSeconds(), d.seed());
        SimulationRequest r = SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").costModel(RooflineCostModel.INSTANCE).batch(128).requests(1000).lengths(1024, 1024)
                .lengths("gaussian:0.1").compileOptions(opts).seed(1).build();
        long t0 = System.nanoTime();
        SimulationResult res = Simulator.simulate(r);
        double wall = (System.nanoTime() - t0) / 1e9;
        System.out.println("PERF compiled serving wall_s=" + wall + " iterations=" + res.iterations() + " caches=" + res.caches());
        System.out.println(ResultJson.toJson(res));
        assertEquals(1000, res.requestsCompleted());
    }

    @Test
    void memoisedDecodeIteration() {
        SystemSpec sys = Systems.load("duplex-x4");
        ModelConfig m = ModelZoo.get("Mixtral-8x7B");
        CompileOptions.Parallelism tp4 = new CompileOptions.Parallelism(4, 1, 1, 1);
        CompileOptions d = CompileOptions.defaults();
        CompileOptions opts = new CompileOptions(tp4, tp4, d.placement(), d.expertPlacement(), d.overlap(), d.tiles(), null,
                d.ilpTimeLimitSeconds(), d.seed());
        var graph = GraphGenerator.generate(GraphRequest.decode(m, 128, 1536));
        io.moesim.compiler.Compiler.compile(graph, sys, opts, RooflineCostModel.INSTANCE);
        long c0 = System.nanoTime();
        HardwarePlan plan = io.moesim.compiler.Compiler.compile(graph, sys, opts, RooflineCostModel.INSTANCE).plan();
        System.out.println("PERF compile of one decode iteration ms=" + (System.nanoTime() - c0) / 1e6);
        TaskTimer timer = new TaskTimer(RooflineCostModel.INSTANCE, sys.device());
        CollectiveModel cm = new CollectiveModel(sys, CollectiveAlgorithm.AUTO);
        PlanExecutor.run(new PreparedPlan(plan, sys, timer, cm));
        int reps = 200;
        long t0 = System.nanoTime();
        long sink = 0;
        for (int i = 0; i < reps; i++) {
            sink += PlanExecutor.run(new PreparedPlan(plan, sys, timer, cm)).makespanPs();
        }
        double ms = (System.nanoTime() - t0) / 1e6 / reps;
        System.out.println("PERF decode iteration tasks=" + plan.tasks().size() + " prepare+execute_ms=" + ms + " (" + sink + ")");
    }
}
