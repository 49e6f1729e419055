package io.moesim.cli;

import io.moesim.ir.io.AtomicFiles;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.Simulator;
import io.moesim.sim.metrics.LatencyStats;
import io.moesim.sim.metrics.ResultJson;
import io.moesim.sim.metrics.SimulationResult;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moesim simulate}: a continuous-batching serving run on one system. */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {"Simulate serving a model on a system: requests arrive (closed loop, Poisson or a trace), continuous batching",
            "mixes prefill chunks and decodes under the KV-cache capacity, each distinct iteration is compiled and simulated",
            "event by event. Prints throughput, TTFT / time between tokens / end-to-end latency percentiles, utilisation, energy."})
final class SimulateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServingFlags serving;

    @Mixin
    CompileFlags flags;

    @Option(names = "--system", required = true, paramLabel = "ID", description = "A system (see 'moesim systems') or NAMExN.")
    String system;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the result as JSON (same inputs and seed: same bytes, but for sim_wall_s).")
    Path json;

    @Option(names = "--trace", paramLabel = "FILE", description = "Write a Perfetto / Chrome trace-event timeline (open at ui.perfetto.dev).")
    Path trace;

    @Option(names = "--trace-iterations", defaultValue = "50", paramLabel = "N", description = "Iterations the trace holds, from the first. Default: ${DEFAULT-VALUE}.")
    long traceIterations;

    @Option(names = "--report", paramLabel = "DIR", description = "Write an HTML report of the run into DIR.")
    Path report;

    @Override
    public Integer call() {
        if (traceIterations < 0) {
            throw new io.moesim.ir.MoesimException("--trace-iterations must be >= 0, got " + traceIterations);
        }
        SystemSpec sys = Systems.load(system, serving.sets);
        SimulationRequest.Builder b = serving.request(system, sys, flags);
        // output paths are checked before the simulation, not after it
        if (json != null) {
            AtomicFiles.checkWritable(json);
        }
        if (trace != null) {
            AtomicFiles.checkWritable(trace);
        }
        Path tracePath = trace;
        if (report != null) {
            AtomicFiles.checkFolder(report, report);
        }
        if (tracePath == null && report != null) {
            tracePath = report.resolve("timeline.json");
        }
        if (tracePath != null) {
            b.trace(tracePath, traceIterations);
        }
        SimulationResult r;
        try (Progress p = new Progress(spec.commandLine().getErr(), "simulate " + system)) {
            r = Simulator.simulate(b.progress(p).build(), sys);
        }
        print(spec.commandLine().getOut(), system, r);
        spec.commandLine().getOut().println("  " + flags.describeFramework(sys.device()));
        if (json != null) {
            AtomicFiles.write(json, ResultJson.toJson(r));
        }
        if (report != null) {
            Path index = ReportSupport.writeRunReport(report, "moesim simulate " + serving.model + " on " + system, java.util.List.of(system),
                    java.util.List.of(r), sys, serving, flags, tracePath);
            spec.commandLine().getOut().println("report: " + index);
        }
        return 0;
    }

    static void print(PrintWriter out, String system, SimulationResult r) {
        out.printf(Locale.ROOT, "%s: %d requests, %d output tokens in %.3f s simulated (%d iterations, %d preemptions)%n", system,
                r.requestsCompleted(), r.outputTokens(), r.simulatedS(), r.iterations(), r.preemptions());
        out.printf(Locale.ROOT, "  throughput      %.1f tokens/s, %.3f requests/s%n", r.throughputTokensPerS(), r.requestsPerS());
        if (r.config().get("upper_bound_tokens_per_s") instanceof Double ub) {
            Map<String, Object> c = r.config();
            out.printf(Locale.ROOT, "  upper bound     %.1f tokens/s (MoE-Lens style: per iteration max(compute, unavoidable expert fetch)); simulated at %.1f%% of it%n",
                    ub, 100 * r.throughputTokensPerS() / ub);
            out.printf(Locale.ROOT, "  offload         %s tier, %s policy, %.1f GB HBM per device: expert cache %.1f GB, %.1f GB of experts offloaded, "
                    + "hit rate %.1f%%, %.1f GB fetched, stall %.3f s%n", c.get("offload_tier"), c.get("offload_policy"), c.get("hbm_budget_GB"),
                    c.get("expert_cache_GB"), c.get("experts_offloaded_GB"), 100 * (Double) c.get("expert_hit_rate"), c.get("experts_fetched_GB"),
                    c.get("offload_stall_s"));
        }
        latency(out, "TTFT", r.ttft());
        latency(out, "time/token", r.tbt());
        latency(out, "end-to-end", r.e2e());
        latency(out, "TPOT", r.tpot());
        StringBuilder u = new StringBuilder();
        for (Map.Entry<String, Double> e : r.utilization().entrySet()) {
            u.append(u.length() == 0 ? "" : ", ").append(e.getKey()).append(String.format(Locale.ROOT, " %.1f%%", 100 * e.getValue()));
        }
        out.println("  utilisation     " + u);
        out.printf(Locale.ROOT, "  MFU %.2f%%, HBM bandwidth %.1f%%, energy %.3f J/token%n", 100 * r.mfu(), 100 * r.hbmBwUtil(), r.energyJPerToken());
        r.simWallS().ifPresent(w -> out.printf(Locale.ROOT, "  simulated in %.2f s%n", w));
    }

    private static void latency(PrintWriter out, String what, LatencyStats s) {
        out.printf(Locale.ROOT, "  %-15s p50 %.2f ms, p90 %.2f ms, p99 %.2f ms%n", what, s.p50Ms(), s.p90Ms(), s.p99Ms());
    }
}
