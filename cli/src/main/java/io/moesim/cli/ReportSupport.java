package io.moesim.cli;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.Compiler;
import io.moesim.compiler.cost.CostModel;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.Routing;
import io.moesim.reports.BreakdownAdapter;
import io.moesim.reports.ReportAssembler;
import io.moesim.reports.ReportData;
import io.moesim.reports.Reports;
import io.moesim.reports.RooflineAdapter;
import io.moesim.reports.RunSummary;
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

    /**
     * Writes the report: the runs (throughput/latency, utilisation) and, from one representative
     * decode iteration on the first system (batch B at the mean context L_in + L_out/2), the roofline
     * with each op placed and the per-layer time breakdown.
     */
    static Path writeRunReport(Path dir, String title, List<String> systems, List<SimulationResult> results, SystemSpec first,
            ServingFlags serving, CompileFlags flags, Path trace) {
        List<RunSummary> runs = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            runs.add(RunSummary.of(systems.get(i), results.get(i)));
        }
        int batch = serving.batch != null ? serving.batch : serving.maxBatch;
        long kv = serving.in + serving.out / 2;
        GraphRequest gr = GraphRequest.decode(serving.modelConfig(), batch, kv).withRouting(Routing.parse(serving.routing))
                .withSeed(serving.seed);
        CostModel cost = flags.costModel();
        // under offloading the run compiled as if HBM held every weight; the report's iteration does the same
        SystemSpec on = serving.offloading() ? io.moesim.sim.offload.OffloadRun.unbounded(first) : first;
        ExecutionResult exec = decodeIteration(gr, on, flags.options(first, serving.routing, serving.seed), cost);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("model", serving.model);
        meta.put("systems", String.join(", ", systems));
        meta.put("workload", (serving.qps != null ? "Poisson " + serving.qps + " req/s" : "closed loop, batch " + batch) + ", "
                + serving.requests + " requests, L_in " + serving.in + ", L_out " + serving.out + ", lengths " + serving.lengths);
        meta.put("roofline and breakdown", "one decode iteration on " + systems.get(0) + ": batch " + batch + ", KV length " + kv);
        meta.put("seed", Long.toString(serving.seed));
        return Reports.write(reportData(title, meta, runs, exec, trace), dir);
    }

    /** One iteration compiled and executed at the system level: what the roofline, breakdown and timeline show. */
    static ExecutionResult decodeIteration(GraphRequest request, SystemSpec system, CompileOptions options, CostModel cost) {
        Graph g = GraphGenerator.generate(request);
        HardwarePlan plan = Compiler.compile(g, system, options, cost).plan();
        return Simulator.execute(plan, system, cost, CollectiveAlgorithm.AUTO);
    }

    /** The report's sections from the runs and one executed iteration; {@code trace} may be null. */
    static ReportData reportData(String title, Map<String, String> meta, List<RunSummary> runs, ExecutionResult exec, Path trace) {
        ReportData d = ReportData.titled(title).withMetadata(meta).withRuns(runs).withRoofline(RooflineAdapter.of(exec))
                .withBreakdown(BreakdownAdapter.of(exec)).withUtilisation(ReportAssembler.utilisation(runs)).withLoad(ReportAssembler.load(runs));
        return trace == null ? d : d.withTrace(trace);
    }
}
