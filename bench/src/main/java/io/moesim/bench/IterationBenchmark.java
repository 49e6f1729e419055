package io.moesim.bench;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.Compiler;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.model.Routing;
import io.moesim.sim.energy.EnergyConstants;
import io.moesim.sim.energy.EnergyModel;
import io.moesim.sim.kernel.KernelCostModel;
import io.moesim.sim.serving.BatchSignature;
import io.moesim.sim.serving.FastIterationModel;
import io.moesim.sim.serving.IterationCache;
import io.moesim.sim.system.CollectiveAlgorithm;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one new iteration shape on the serving path: Mixtral-8x7B decode on duplex-x4 (TP 4,
 * kernel cost model), 64 decodes, each call a context never seen before. {@code exact}: the graph
 * built, compiled and simulated event by event ({@link IterationCache}); {@code fast}: interpolated
 * between the two grid shapes around it ({@link FastIterationModel}, grid warmed in setup; every call a shape the
 * model has not interpolated before);
 * {@code exactEveryLayer}: the exact path simulating all 32 layers (the exact path simulates the model
 * cut to 1 and 2 layers and extrapolates, see {@link IterationCache#get}). Kernel
 * estimates are memoised across calls in both, as in a run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(1)
public class IterationBenchmark {
    /** The system (tensor parallel over all its devices). */
    @Param({"duplex-x4"})
    public String system;
    /** The dtype ("" for the model's). */
    @Param({""})
    public String dtype;
    IterationCache exact;
    IterationCache everyLayer;
    IterationCache grid;
    FastIterationModel fast;
    long nextExact = 1025;
    long nextEveryLayer = 1025;
    long nextFast = 1025;

    @Setup
    public void setup() {
        SystemSpec sys = Systems.load(system);
        io.moesim.ir.DType dt = dtype == null || dtype.isEmpty() ? null : io.moesim.ir.DType.parse(dtype);
        ModelConfig m = ModelZoo.get("Mixtral-8x7B");
        KernelCostModel cost = new KernelCostModel();
        CompileOptions d = CompileOptions.defaults();
        CompileOptions.Parallelism tp = new CompileOptions.Parallelism(sys.devices(), 1, 1, 1);
        CompileOptions opts = new CompileOptions(tp, tp, d.placement(), d.expertPlacement(), d.overlap(), d.tiles(), null,
                d.ilpTimeLimitSeconds(), d.seed());
        exact = new IterationCache(m, dt, Routing.parse("uniform"), 0, sys, g -> Compiler.compile(g, sys, opts, cost).plan(), cost,
                CollectiveAlgorithm.AUTO, new EnergyModel(sys, EnergyConstants.defaults()));
        everyLayer = new IterationCache(m, dt, Routing.parse("uniform"), 0, sys, g -> Compiler.compile(g, sys, opts, cost).plan(), cost,
                CollectiveAlgorithm.AUTO, new EnergyModel(sys, EnergyConstants.defaults()), false);
        grid = new IterationCache(m, dt, Routing.parse("uniform"), 0, sys, g -> Compiler.compile(g, sys, opts, cost).plan(),
                cost, CollectiveAlgorithm.AUTO, new EnergyModel(sys, EnergyConstants.defaults()));
        fast = new FastIterationModel(grid);
        fast.get(new BatchSignature(64, 1024, 0, 0));
        fast.get(new BatchSignature(64, 2048, 0, 0));
    }

    @Benchmark
    public long exact() {
        long c = nextExact++;
        return exact.get(new BatchSignature(64, c, 0, 0)).makespanPs();
    }

    /** The exact path without the layer extrapolation: all 32 layers compiled and simulated. */
    @Benchmark
    public long exactEveryLayer() {
        long c = nextEveryLayer++;
        return everyLayer.get(new BatchSignature(64, c, 0, 0)).makespanPs();
    }

    @Benchmark
    public long fast() {
        long c = nextFast++;
        if (nextFast >= 2048) {
            // stays inside the warmed grid cell; a new model over the same grid, so that no call is answered by the
            // model's own memo of shapes it interpolated before (the grid's corners stay simulated in the cache)
            nextFast = 1025;
            fast = new FastIterationModel(grid);
        }
        return fast.get(new BatchSignature(64, c, 0, 0)).makespanPs();
    }
}
