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

    @Mixin
    DeploymentFlags deploy;

    @Mixin
    WideEpFlags wideEp;

    @Option(names = "--system", paramLabel = "ID", description = "A system (see 'moesim systems') or NAMExN (or --disagg PREFILL:DECODE).")
    String system;

    @Option(names = {"--json", "--json-file"}, paramLabel = "FILE", description = "Write the result as JSON (same inputs and seed: same bytes, but for sim_wall_s); also --json-file (here --json takes a file; in op, roofline, models and target show it is a switch).")
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
        if ((system == null) == (deploy.disagg == null)) {
            throw new io.moesim.ir.MoesimException("give --system ID (one pool) or --disagg PREFILL_SYSTEM:DECODE_SYSTEM, not both or neither");
        }
        if (deploy.disaggregated() && (trace != null || report != null)) {
            throw new io.moesim.ir.MoesimException("--trace and --report are not available with --disagg yet");
        }
        boolean wideAggregated = wideEp.enabled() && !deploy.disaggregated();
        if (wideAggregated && !serving.arrivalsGiven()) {
            return wideEp(); // one iteration shape
        }
        if (wideAggregated) {
            // one aggregated wide-EP instance: attention DP = MoE EP over all of --system's devices
            if (trace != null || report != null) {
                throw new io.moesim.ir.MoesimException("--trace and --report are not available with --ep-mode serving");
            }
            if (flags.tp != null || flags.pp != null || flags.attnDp != null || flags.moeEp != null) {
                throw new io.moesim.ir.MoesimException("--ep-mode serving runs attention DP = MoE EP over all of --system's devices: "
                        + "drop --tp, --pp, --attn-dp and --moe-ep");
            }
        }
        String shown = system != null ? system : deploy.disagg;
        SystemSpec sys = system != null ? Systems.load(system, serving.sets) : deploy.systems(serving)[0];
        SimulationRequest.Builder b = serving.request(system != null ? system : sys.id(), sys, flags);
        io.moesim.sim.Deployment dep = deploy.deployment(serving, flags);
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
        Map<String, Object> sections = Map.of();
        try (Progress p = new Progress(spec.commandLine().getErr(), "simulate " + shown)) {
            if (deploy.any() || wideAggregated) {
                // --ep-mode with --disagg: a serving run whose pools run under wide EP (attention DP = EP over each pool instance);
                // without --disagg, one aggregated wide-EP instance on --system (prefill and decode iterations never mixed)
                io.moesim.sim.DeployedServing.WideEpPools pools = !wideEp.enabled() ? null
                        : wideEp.pools(deploy.disaggregated() ? deploy.systems(serving) : new SystemSpec[] {sys, sys});
                io.moesim.sim.DeployedServing.Served s = io.moesim.sim.DeployedServing.serve(b.progress(p).build(), sys, dep, pools);
                r = s.result();
                sections = s.sections();
            } else {
                r = Simulator.simulate(b.progress(p).build(), sys);
            }
        }
        print(spec.commandLine().getOut(), shown, r);
        printSections(spec.commandLine().getOut(), sections);
        spec.commandLine().getOut().println("  " + flags.describeFramework(sys.device()));
        if (json != null) {
            AtomicFiles.write(json, sections.isEmpty() ? ResultJson.toJson(r) : ResultJson.toJson(r, sections));
        }
        if (report != null) {
            Path index = ReportSupport.writeRunReport(report, "moesim simulate " + serving.model + " on " + system, java.util.List.of(system),
                    java.util.List.of(r), sys, serving, flags, tracePath);
            spec.commandLine().getOut().println("report: " + index);
        }
        return 0;
    }

    /** {@code --ep-mode}: one iteration shape under wide expert parallelism. */
    private int wideEp() {
        if (system == null || deploy.disaggregated() || deploy.slaTtftMs > 0 || deploy.slaTpotMs > 0) {
            throw new io.moesim.ir.MoesimException("--ep-mode times one pool: give --system ID (a multi-node system such as h800x144), without --disagg or SLA flags");
        }
        if (trace != null || report != null) {
            throw new io.moesim.ir.MoesimException("--trace and --report are not available with --ep-mode");
        }
        if (json != null) {
            AtomicFiles.checkWritable(json);
        }
        SystemSpec sys = Systems.load(system, serving.sets);
        io.moesim.sim.widep.WideEpConfig cfg = wideEp.config(flags, sys);
        // the compile flags' attention-DP / EP layout is the wide-EP layout here, not the compiler's
        Integer attnDp = flags.attnDp;
        Integer moeEp = flags.moeEp;
        flags.attnDp = null;
        flags.moeEp = null;
        SimulationRequest req;
        try {
            req = serving.request(system, sys, flags).build();
        } finally {
            flags.attnDp = attnDp;
            flags.moeEp = moeEp;
        }
        Map<String, Object> m = io.moesim.sim.widep.WideEpRun.run(req, sys, cfg, io.moesim.ir.model.Phase.parse(wideEp.phase),
                deploy.prefixHit == null ? 0 : deploy.prefixHit, deploy.speculation());
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "%s: %s %s, DP %s / EP %s over %s nodes, %s per rank, %s mode, dispatch %s, EPLB %s slots, %s micro-batch(es)%n",
                system, m.get("model"), m.get("phase"), m.get("attn_dp"), m.get("moe_ep"), m.get("ep.nodes"), m.get("batch_per_rank"),
                m.get("ep_mode"), m.get("dispatch_dtype"), m.get("eplb_slots"), m.get("micro_batches"));
        out.printf(Locale.ROOT, "  step            %.3f ms for %d sequences' tokens: %.1f tokens/s per node%n", (Double) m.get("ep.step_ms"),
                (Long) m.get("ep.global_tokens"), (Double) m.get("ep.tokens_per_s_per_node"));
        if (m.get("ep.input_tokens_per_s_per_node_incl_hits") instanceof Double in && (Double) m.get("prefix_hit") > 0) {
            out.printf(Locale.ROOT, "  prefix hits     %.1f%% of each prompt cached: %.1f input tokens/s per node counting the hits%n",
                    100 * (Double) m.get("prefix_hit"), in);
        }
        if (m.get("speculation") != null) {
            out.printf(Locale.ROOT, "  speculation     %s: verify %.3f ms + propose %.3f ms (plain step %.3f ms), %.3f tokens per step per sequence%n",
                    m.get("speculation"), (Double) m.get("ep.verify_ms"), (Double) m.get("ep.propose_ms"), (Double) m.get("ep.plain_step_ms"),
                    (Double) m.get("ep.tokens_per_step_per_sequence"));
        }
        out.printf(Locale.ROOT, "  per MoE layer   attention etc. %.1f us, experts max %.1f us (mean %.1f), dispatch %.1f us, combine %.1f us (x %d layers)%n",
                (Double) m.get("ep.attention_per_layer_us"), (Double) m.get("ep.expert_max_us"), (Double) m.get("ep.expert_mean_us"),
                (Double) m.get("ep.dispatch_us"), (Double) m.get("ep.combine_us"), (Long) m.get("ep.moe_layers"));
        out.printf(Locale.ROOT, "  load            max/mean %.4f over EP ranks; %d copies dispatched = %d combined; dispatch/combine %.1f%% of the step%n",
                (Double) m.get("ep.max_over_mean_load"), (Long) m.get("ep.dispatched_copies"), (Long) m.get("ep.combined_copies"),
                100 * (Double) m.get("ep.dispatch_combine_share"));
        out.println("  " + flags.describeFramework(sys.device()));
        if (json != null) {
            AtomicFiles.write(json, Json.write(m));
        }
        return 0;
    }

    static void print(PrintWriter out, String system, SimulationResult r) {
        out.printf(Locale.ROOT, "%s: %d requests, %d output tokens in %.3f s simulated (%d iterations, %d preemptions)%n", system,
                r.requestsCompleted(), r.outputTokens(), r.simulatedS(), r.iterations(), r.preemptions());
        out.printf(Locale.ROOT, "  throughput      %.1f tokens/s, %.3f requests/s%n", r.throughputTokensPerS(), r.requestsPerS());
        if (r.kvCapacityTokens() > 0) {
            out.printf(Locale.ROOT, "  KV cache        %d tokens, at most %d held at once (%.1f%%)%n", r.kvCapacityTokens(), r.peakKvTokens(),
                    100.0 * r.peakKvTokens() / r.kvCapacityTokens());
        }
        if (r.config().get("upper_bound_tokens_per_s") instanceof Double ub) {
            Map<String, Object> c = r.config();
            out.printf(Locale.ROOT, "  upper bound     %.1f tokens/s (MoE-Lens style: per iteration max(compute, unavoidable expert fetch)); simulated at %.1f%% of it%n",
                    ub, 100 * r.throughputTokensPerS() / ub);
            out.printf(Locale.ROOT, "  offload         %s tier, %s policy, %.1f GB HBM per device: expert cache %.1f GB, %.1f GB of experts offloaded, "
                    + "hit rate %.1f%%, %.1f GB fetched, stall %.3f s%n", c.get("offload_tier"), c.get("offload_policy"), c.get("hbm_budget_GB"),
                    c.get("expert_cache_GB"), c.get("experts_offloaded_GB"), 100 * (Double) c.get("expert_hit_rate"), c.get("experts_fetched_GB"),
                    c.get("offload_stall_s"));
            if (c.get("experts_on_cpu") != null) {
                out.printf(Locale.ROOT, "  host CPU        %s expert runs on the host CPU (Fiddler/MoE-Lens); bound over link + host CPU bandwidth%n",
                        c.get("experts_on_cpu"));
            }
        }
        if (r.config().get("moe_weak_scaling_efficiency") instanceof Double eff) {
            Map<String, Object> c = r.config();
            Object slices = c.get("moe_weak_scaling_expert_slices");
            out.printf(Locale.ROOT, "  MoE weak scaling T(2)/T(%d) %.3f fused (FlashMoE), %.3f separate kernels (one MoE layer, %d tokens and %d experts per GPU%s; layer %s us)%n",
                    c.get("moe_weak_scaling_devices"), eff, c.get("moe_weak_scaling_efficiency_separate"), c.get("moe_weak_scaling_tokens_per_gpu"),
                    c.get("moe_weak_scaling_experts_per_gpu"), slices instanceof Long n && n > 1 ? " (expert slices: each expert cut in " + n + ")" : "",
                    c.get("moe_weak_scaling_layer_us"));
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

    @SuppressWarnings("unchecked")
    static void printSections(PrintWriter out, Map<String, Object> sections) {
        Object d = sections.get("disaggregation");
        if (d instanceof Map<?, ?> m) {
            Map<String, Object> x = (Map<String, Object>) m;
            out.printf(Locale.ROOT, "  pools           %d x %s prefill : %d x %s decode, KV over %s (%.0f GB/s, overlap %s)%n",
                    x.get("prefill_instances"), x.get("prefill_system"), x.get("decode_instances"), x.get("decode_system"), x.get("kv_link"),
                    (Double) x.get("kv_link_GBps"), Boolean.TRUE.equals(x.get("kv_layerwise_overlap")) ? "layer" : "none");
            out.printf(Locale.ROOT, "  busy            prefill %.1f%%, decode %.1f%%; KV transfer %.1f%% of TTFT, %.3f GB sent = %.3f GB received%n",
                    100 * (Double) x.get("prefill_busy_fraction"), 100 * (Double) x.get("decode_busy_fraction"),
                    100 * (Double) x.get("transfer_share_of_ttft"), ((Long) x.get("kv_bytes_sent")) / 1e9, ((Long) x.get("kv_bytes_received")) / 1e9);
            out.printf(Locale.ROOT, "  per device      %.1f tokens/s%n", (Double) x.get("throughput_tokens_per_s_per_device"));
        }
        if (sections.get("sla") instanceof Map<?, ?> m) {
            Map<String, Object> x = (Map<String, Object>) m;
            out.printf(Locale.ROOT, "  SLA             TTFT <= %s ms, TPOT <= %s ms: %.1f%% of requests, goodput %.3f requests/s (%.4f per device); p90s met: %s, %s%n",
                    x.get("ttft_ms"), x.get("tpot_ms"), 100 * (Double) x.get("attainment"), (Double) x.get("goodput_requests_per_s"),
                    (Double) x.get("goodput_requests_per_s_per_device"), x.get("ttft_p90_met"), x.get("tpot_p90_met"));
        }
        if (sections.get("speculation") instanceof Map<?, ?> m) {
            Map<String, Object> x = (Map<String, Object>) m;
            out.printf(Locale.ROOT, "  speculation     %s k=%s: %d of %d proposed accepted, %.3f accepted and %.3f tokens per step%n", x.get("method"),
                    x.get("k"), (Long) x.get("accepted_tokens"), (Long) x.get("proposed_tokens"), (Double) x.get("accepted_per_step"),
                    (Double) x.get("tokens_per_step"));
        }
        if (sections.get("prefix_cache") instanceof Map<?, ?> m) {
            out.printf(Locale.ROOT, "  prefix cache    hit rate %s%n", m.get("hit_rate"));
        }
    }

    private static void latency(PrintWriter out, String what, LatencyStats s) {
        out.printf(Locale.ROOT, "  %-15s p50 %.2f ms, p90 %.2f ms, p99 %.2f ms%n", what, s.p50Ms(), s.p90Ms(), s.p99Ms());
    }
}
