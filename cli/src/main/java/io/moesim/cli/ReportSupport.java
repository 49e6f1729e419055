package io.moesim.cli;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.Compiler;
import io.moesim.compiler.cost.CostModel;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.reports.BreakdownAdapter;
import io.moesim.reports.ReportAssembler;
import io.moesim.reports.ReportData;
import io.moesim.reports.Reports;
import io.moesim.reports.RooflineAdapter;
import io.moesim.reports.RunSummary;
import io.moesim.sim.RunSpec;
import io.moesim.sim.Simulator;
import io.moesim.sim.metrics.SimulationResult;
import io.moesim.sim.system.CollectiveAlgorithm;
import io.moesim.sim.system.ExecutionResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds the HTML report of serving runs ({@code --report DIR} of simulate, compare and demo). */
final class ReportSupport {
    private ReportSupport() {
    }

    /** The report of runs on one system (simulate --report). */
    static Path writeRunReport(Path dir, String title, List<String> systems, List<SimulationResult> results, SystemSpec first,
            ServingFlags serving, CompileFlags flags, Path trace) {
        return writeRunReport(dir, title, systems, results, List.of(first), serving, flags, trace);
    }

    /**
     * Writes the report: the runs (throughput/latency, utilisation) and, from one representative
     * decode iteration on each system given in {@code specs} (batch B at the mean context
     * L_in + L_out/2), the roofline with each op placed and the per-layer time breakdown. The report
     * describes the run as it was made (its {@link RunSpec}: the batch used, its defaults included,
     * and the collective algorithm).
     */
    static Path writeRunReport(Path dir, String title, List<String> systems, List<SimulationResult> results, List<SystemSpec> specs,
            ServingFlags serving, CompileFlags flags, Path trace) {
        List<RunSummary> runs = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            runs.add(RunSummary.of(systems.get(i), results.get(i)));
        }
        RunSpec run = serving.runSpec(systems.get(0), flags);
        GraphRequest gr = GraphRequest.decode(serving.modelConfig(), decodeBatch(run), decodeKv(run))
                .withRouting(run.routing().value()).withSeed(run.seed());
        CostModel cost = flags.costModel();
        List<ExecutionResult> execs = new ArrayList<>();
        for (SystemSpec spec : specs) {
            // under offloading the run compiled as if HBM held every weight; the report's iteration does the same
            SystemSpec on = serving.offloading() ? io.moesim.sim.offload.OffloadRun.unbounded(spec) : spec;
            execs.add(decodeIteration(gr, on, run.compileOptions(spec.devices()), cost, run.collectives()));
        }
        List<String> names = specs.size() > 1 ? systems.subList(0, specs.size()) : List.of("");
        Map<String, String> meta = new LinkedHashMap<>(describe(run, systems, specs.size() > 1));
        Map<String, Object> c = results.get(0).config();
        if (c.get("moe_weak_scaling_efficiency") instanceof Double eff) {
            meta.put("MoE weak scaling (FlashMoE)", String.format(java.util.Locale.ROOT,
                    "T(2)/T(%s) %.3f fused, %.3f separate kernels; one MoE layer, %s tokens and %s experts per GPU; layer %s us",
                    c.get("moe_weak_scaling_devices"), eff, c.get("moe_weak_scaling_efficiency_separate"), c.get("moe_weak_scaling_tokens_per_gpu"),
                    c.get("moe_weak_scaling_experts_per_gpu"), c.get("moe_weak_scaling_layer_us")));
        }
        return Reports.write(reportData(title, meta, runs, execs, names, trace), dir);
    }

    /** The batch of the decode iteration a report shows: the closed loop's, else the most an iteration holds. */
    static int decodeBatch(RunSpec run) {
        return run.mode() == RunSpec.Mode.CLOSED ? run.batch() : run.maxBatch();
    }

    private static long decodeKv(RunSpec run) {
        return run.inputLength() + run.outputLength() / 2;
    }

    /** The report's description of the run (its metadata table). */
    static Map<String, String> describe(RunSpec run, List<String> systems) {
        return describe(run, systems, false);
    }

    /** As above; {@code eachSystem} when the report shows an iteration of every system, not only the first. */
    static Map<String, String> describe(RunSpec run, List<String> systems, boolean eachSystem) {
        int batch = decodeBatch(run);
        long kv = decodeKv(run);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("model", run.model());
        meta.put("systems", String.join(", ", systems));
        meta.put("workload", workload(run) + ", " + run.requests() + " requests, L_in " + run.inputLength() + ", L_out " + run.outputLength()
                + ", lengths " + run.lengths().text());
        meta.put("collectives", RunSpec.text(run.collectives()));
        meta.put("roofline and breakdown", "one decode iteration on " + (eachSystem ? "each system" : systems.get(0)) + ": batch " + batch
                + ", KV length " + kv);
        meta.put("seed", Long.toString(run.seed()));
        return meta;
    }

    private static String workload(RunSpec run) {
        return switch (run.mode()) {
            case CLOSED -> "closed loop, batch " + run.batch();
            case POISSON -> "Poisson " + run.qps() + " req/s, open loop" + (run.poissonGaps() == io.moesim.sim.serving.ArrivalSpec.PoissonGaps.NUMPY
                    ? ", numpy's gaps" : "") + " (max batch " + run.maxBatch() + ")";
            case OFFLINE -> "offline, max batch " + run.maxBatch();
            case TRACE -> "arrivals from " + run.arrivals().getFileName() + ", max batch " + run.maxBatch();
        };
    }

    /** One iteration compiled and executed at the system level: what the roofline, breakdown and timeline show. */
    static ExecutionResult decodeIteration(GraphRequest request, SystemSpec system, CompileOptions options, CostModel cost) {
        return decodeIteration(request, system, options, cost, CollectiveAlgorithm.AUTO);
    }

    /** The same, collectives timed by {@code algorithm}. */
    static ExecutionResult decodeIteration(GraphRequest request, SystemSpec system, CompileOptions options, CostModel cost,
            CollectiveAlgorithm algorithm) {
        Graph g = GraphGenerator.generate(request);
        HardwarePlan plan = Compiler.compile(g, system, options, cost).plan();
        return Simulator.execute(plan, system, cost, algorithm);
    }

    /** The report's sections from the runs and one executed iteration; {@code trace} may be null. */
    static ReportData reportData(String title, Map<String, String> meta, List<RunSummary> runs, ExecutionResult exec, Path trace) {
        return reportData(title, meta, runs, List.of(exec), List.of(""), trace);
    }

    /** As above with one executed iteration per system; {@code names} label each system's breakdown (empty for one system). */
    static ReportData reportData(String title, Map<String, String> meta, List<RunSummary> runs, List<ExecutionResult> execs,
            List<String> names, Path trace) {
        ReportData d = ReportData.titled(title).withMetadata(meta).withRuns(runs);
        for (int i = 0; i < execs.size(); i++) {
            d = d.withRoofline(RooflineAdapter.of(execs.get(i))).withBreakdown(names.get(i), BreakdownAdapter.of(execs.get(i)));
        }
        d = d.withUtilisation(ReportAssembler.utilisation(runs)).withLoad(ReportAssembler.load(runs));
        return trace == null ? d : d.withTrace(trace);
    }
}
