package io.moesim.validation.serving;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.cost.CostModel;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.FrameworkProfiles;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.MoesimException;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.Simulator;
import io.moesim.sim.kernel.KernelCostModel;
import io.moesim.sim.kernel.KernelSimulator;
import io.moesim.sim.metrics.SimulationResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code moesim validate --serving}: re-runs each published serving row through the simulator, as the
 * benchmark ran it (scenario, lengths, requests, parallelism, engine limits, KV fraction), and compares
 * throughput, mean TTFT and mean TPOT with the published figures.
 */
public final class ServingValidation {
    /** Called before each row is simulated. */
    @FunctionalInterface
    public interface Progress {
        void row(int index, int total, ServingRow row);
    }

    private ServingValidation() {
    }

    /**
     * Every row on the kernel cost model under the framework profile of the stack that measured it
     * (the row's {@code framework}: trtllm, vllm, sglang), seed 0. One kernel simulator serves every
     * row, so each op shape is simulated once.
     */
    public static ServingReport run(List<ServingRow> rows, String source, Progress progress) {
        KernelSimulator kernels = new KernelSimulator();
        return run(rows, source, "kernel (each row under its framework's profile)",
                r -> new KernelCostModel(kernels, RooflineCostModel.INSTANCE, d -> FrameworkProfiles.load(r.framework())), progress);
    }

    /**
     * The serving fit ({@link ServingFit}): the calibration offline rows ({@link ServingSplit}) only, each
     * run under its framework's profile with the engine's per-iteration costs taken out (its admission
     * policy kept), then each framework's costs fitted on them. No held-back row is run or read.
     */
    public static Map<String, ServingFit.Result> fitEngine(List<ServingRow> rows, Progress progress) {
        List<ServingRow> cal = ServingSplit.calibration(rows).stream().filter(r -> r.scenario() == ServingRow.Scenario.OFFLINE).toList();
        KernelSimulator kernels = new KernelSimulator();
        ServingReport r = run(cal, "calibration rows", "kernel (engine costs out)", row -> new KernelCostModel(kernels, RooflineCostModel.INSTANCE,
                d -> {
                    FrameworkProfile p = FrameworkProfiles.load(row.framework());
                    return p.withServing(p.serving().withCosts(0, 0));
                }), progress);
        return ServingFit.fit(ServingFit.points(r));
    }

    /** Every row on one cost model. */
    public static ServingReport run(List<ServingRow> rows, String source, CostModel cost, Progress progress) {
        return run(rows, source, cost.name(), r -> cost, progress);
    }

    private static ServingReport run(List<ServingRow> rows, String source, String costName, Function<ServingRow, CostModel> costOf,
            Progress progress) {
        List<ServingReport.Row> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            ServingRow r = rows.get(i);
            if (progress != null) {
                progress.row(i, rows.size(), r);
            }
            try {
                SystemSpec system = Systems.load(r.system());
                SimulationResult res = Simulator.simulate(request(r, system, costOf.apply(r)), system);
                out.add(ServingReport.Row.of(r, res));
            } catch (MoesimException | IllegalArgumentException e) {
                out.add(ServingReport.Row.failed(r, e.getMessage()));
            }
        }
        return new ServingReport(source, costName, out);
    }

    /** The simulation a row asks for. */
    public static SimulationRequest request(ServingRow r, SystemSpec system, CostModel cost) {
        if (r.tp() * r.ep() != system.devices()) {
            throw new MoesimException(r.file() + ":" + r.line() + ": tp x ep = " + r.tp() * r.ep() + " but system " + r.system() + " has "
                    + system.devices() + " devices");
        }
        CompileOptions.Parallelism p = new CompileOptions.Parallelism(r.tp(), r.ep(), 1, 1);
        SimulationRequest.Builder b = SimulationRequest.builder(r.model(), r.system()).dtype(r.dtype()).requests(r.requests())
                .lengths(r.in(), r.out()).maxBatch(r.maxBatch()).tokenBudget(r.maxNumTokens()).kvFraction(r.kvFraction())
                .chunkedPrefill(r.chunkedPrefill().orElse(null)).compileOptions(CompileOptions.defaults().withParallelism(p, p)).costModel(cost).seed(0);
        switch (r.scenario()) {
            case OFFLINE -> b.offline();
            case SERVER -> b.qps(r.qps());
            case CLOSED -> b.batch(r.concurrency());
            default -> throw new IllegalStateException(r.scenario().name());
        }
        return b.build();
    }
}
