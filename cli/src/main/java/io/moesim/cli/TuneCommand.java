package io.moesim.cli;

import io.moesim.ir.MoesimException;
import io.moesim.ir.io.AtomicFiles;
import io.moesim.sim.RunSpec;
import io.moesim.sim.serving.IterationModel;
import io.moesim.sim.tune.DeploymentSearch;
import io.moesim.sweep.SweepRequest;
import io.moesim.sweep.TuneSweep;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moesim tune}: the best deployment of a model on a device budget under TTFT / TPOT limits. */
@Command(name = "tune", mixinStandardHelpOptions = true,
        description = {"Search deployments of a model on a device budget: aggregated replicas vs disaggregated prefill/decode pools,",
            "pool ratio, instance layout (TP, attention TP x MoE EP, TP x PP across nodes, wide EP: attention DP + MoE EP),",
            "max batch, precision and device type. An analytic estimate ranks every candidate by the output tokens/s",
            "per device it sustains within the TTFT and TPOT limits; the best are confirmed on the sweep engine (--engine,",
            "resumable with --out-dir): by event-level serving simulation (wide-EP pools priced by the wide-EP step model).",
            "Prints the Pareto front (tokens/s per device vs TPOT), the finalists and the best deployment with its command line."})
final class TuneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "NAME|PATH", description = "A zoo model or a Hugging Face config.json.")
    String model;

    @Option(names = "--devices", defaultValue = "h100", split = ",", paramLabel = "TYPE[,TYPE...]",
            description = "Device types to build instances of (h100, h200, b200, mi300x, duplex, ...). Default: ${DEFAULT-VALUE}.")
    List<String> devices;

    @Option(names = "--budget", required = true, paramLabel = "N", description = "Devices available.")
    int budget;

    @Option(names = {"--in", "--input-len"}, defaultValue = "" + RunSpec.DEFAULT_IN, paramLabel = "L_in", description = "Prompt length. Default: ${DEFAULT-VALUE}.")
    int in;

    @Option(names = {"--out", "--output-len"}, defaultValue = "256", paramLabel = "L_out", description = "Output length. Also --output-len (not -o/--output, a file or folder; nor sweep's --out, a folder). Default: ${DEFAULT-VALUE}.")
    int out;

    @Option(names = "--lengths", defaultValue = RunSpec.DEFAULT_LENGTHS, paramLabel = "SPEC", description = "As simulate's --lengths (confirmation runs). Default: ${DEFAULT-VALUE}.")
    String lengths;

    @Option(names = "--requests", defaultValue = "200", paramLabel = "N", description = "Requests per confirmation run. Default: ${DEFAULT-VALUE}.")
    int requests;

    @Option(names = "--max-batches", defaultValue = "64,128,256", split = ",", paramLabel = "B[,B...]", description = "Max batches to try. Default: ${DEFAULT-VALUE}.")
    List<Integer> maxBatches;

    @Option(names = "--sla-ttft-ms", required = true, paramLabel = "MS", description = "TTFT p90 limit.")
    double ttftMs;

    @Option(names = "--sla-tpot-ms", required = true, paramLabel = "MS", description = "TPOT p90 limit.")
    double tpotMs;

    @Option(names = "--finalists", defaultValue = "3", paramLabel = "N", description = "Candidates confirmed by simulation. Default: ${DEFAULT-VALUE}.")
    int finalists;

    @Option(names = "--dtype", paramLabel = "DTYPE", description = "Serving precision. Default: the model's.")
    String dtype;

    @Option(names = "--dtypes", split = ",", paramLabel = "DTYPE[,DTYPE...]",
            description = "Precisions to search (bf16, fp8e4m3, ...), an axis of the search; in place of --dtype.")
    List<String> dtypes;

    @Option(names = "--framework", paramLabel = "ID|FILE", description = "Framework profile (as simulate's). Default: each device's.")
    String framework;

    @Option(names = "--html", paramLabel = "FILE", description = "Write the search's HTML report page (Pareto chart, finalists, best deployment).")
    Path html;

    @Option(names = "--out-dir", paramLabel = "DIR",
            description = "Where the confirmation runs (points of the sweep engine) are stored; a killed search run again with the same DIR resumes. Default: a temporary folder.")
    Path outDir;

    @picocli.CommandLine.Mixin
    EngineOptions where = new EngineOptions();

    @Option(names = "--cost-model", defaultValue = RunSpec.DEFAULT_COST_MODEL, paramLabel = "M", description = "kernel or roofline. Default: ${DEFAULT-VALUE}.")
    String costModel;

    @Option(names = "--iteration-model", defaultValue = "fast", paramLabel = "M", description = "exact or fast (confirmation runs). Default: ${DEFAULT-VALUE}.")
    String iterationModel;

    @Option(names = "--seed", defaultValue = "" + RunSpec.DEFAULT_SEED, paramLabel = "N", description = "Seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = {"--json", "--json-file"}, paramLabel = "FILE", description = "Write the search's result as JSON; also --json-file (here --json takes a file; in op, roofline, models and target show it is a switch).")
    Path json;

    @Override
    public Integer call() {
        if (budget < 1 || budget > 4096 || in < 1 || out < 1 || requests < 1 || finalists < 1 || !(ttftMs > 0) || !(tpotMs > 0)
                || Double.isInfinite(ttftMs) || Double.isInfinite(tpotMs)) {
            throw new MoesimException("tune: --budget in 1..4096, --in, --out, --requests, --finalists >= 1 and finite --sla-ttft-ms, --sla-tpot-ms > 0");
        }
        for (int b : maxBatches) {
            if (b < 1) {
                throw new MoesimException("--max-batches: each must be >= 1, got " + b);
            }
        }
        for (String d : devices) {
            io.moesim.hw.Systems.load(d + "x1"); // an unknown device type fails here, once
        }
        if (dtypes != null && dtype != null) {
            throw new MoesimException("tune: --dtype or --dtypes, not both");
        }
        List<String> dts = dtypes != null ? dtypes : java.util.Collections.singletonList(dtype);
        for (String d : dts) {
            if (d != null) {
                io.moesim.ir.DType.parse(d);
            }
        }
        if (json != null) {
            AtomicFiles.checkWritable(json);
        }
        if (html != null) {
            AtomicFiles.checkWritable(html);
        }
        CompileFlags.parse(IterationModel.Kind.class, iterationModel, "--iteration-model");
        CompileFlags.parse(io.moesim.sim.RunSpec.CostModelKind.class, costModel, "--cost-model");
        if (framework != null) {
            io.moesim.sim.RunSpec.checkFramework(framework, "--framework");
        }
        KernelStores.costModel(); // installs the process's persistent kernel store, which the evaluators use
        Map<String, Object> base = TuneSweep.base(model, devices, budget, maxBatches, dts, in, out, lengths, requests, ttftMs, tpotMs, finalists,
                costModel, framework, iterationModel, seed);
        DeploymentSearch.Options o = TuneSweep.options(base);
        SweepRequest.Engine engine = where.engine();
        Path store = outDir;
        Path tmp = null;
        try {
            if (store == null) {
                tmp = java.nio.file.Files.createTempDirectory("moesim-tune");
                store = tmp;
            }
        } catch (java.io.IOException e) {
            throw new MoesimException("tune: cannot make a temporary folder: " + e.getMessage());
        }
        SweepRequest req = new SweepRequest(null, store, engine, where.master, where.parallelism, new TuneSweep.Factory(), Map.of());
        DeploymentSearch.Result r;
        PrintWriter err = spec.commandLine().getErr();
        long cpu0 = cpuNanos();
        try (Progress est = new Progress(err, "tune " + model + ": estimate", "candidates");
                Progress conf = new Progress(err, "tune " + model + ": confirm", "finalists")) {
            DeploymentSearch.Confirmer confirmer = TuneSweep.confirmer(base, req, sp -> conf.update(sp.done(), sp.total(), 0));
            r = DeploymentSearch.search(o, (phase, done, total) -> {
                if (phase.equals("estimate")) {
                    est.update(done, total, 0);
                }
            }, confirmer);
        } finally {
            if (tmp != null) {
                deleteTree(tmp);
            }
        }
        double cpuS = (cpuNanos() - cpu0) / 1e9;
        print(spec.commandLine().getOut(), r, o);
        spec.commandLine().getOut().printf(Locale.ROOT, "  engine: %s; CPU %.1f s of this process over %.1f s wall%n", engine.name().toLowerCase(Locale.ROOT),
                cpuS, r.wallS());
        if (json != null) {
            AtomicFiles.write(json, json(r, o));
        }
        if (html != null) {
            AtomicFiles.write(html, io.moesim.reports.TunePage.render(r, o).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return 0;
    }

    /** CPU time of this process (all threads), or 0 where the platform does not tell. */
    private static long cpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean s ? s.getProcessCpuTime() : 0;
    }

    private static void deleteTree(Path dir) {
        try (java.util.stream.Stream<Path> w = java.nio.file.Files.walk(dir)) {
            w.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (java.io.IOException e) {
            // a temporary folder left behind is harmless
        }
    }

    static void print(PrintWriter out, DeploymentSearch.Result r, DeploymentSearch.Options o) {
        out.printf(Locale.ROOT, "tune: %d candidates (%d fit and fold, %d meet the limits by estimate) in %.1f s (estimates %.1f s, %.0f candidates/s; %d iteration shapes costed)%n",
                r.enumerated(), r.runnable(), r.feasible(), r.wallS(), r.estimateWallS(), r.enumerated() / Math.max(1e-9, r.estimateWallS()), r.instanceShapes());
        out.printf(Locale.ROOT, "  limits: TTFT p90 <= %s ms, TPOT p90 <= %s ms%n", o.ttftMs(), o.tpotMs());
        out.println("Pareto front (estimate): tokens/s per device vs TPOT");
        out.printf(Locale.ROOT, "  %-72s %10s %12s %10s %10s%n", "deployment", "max req/s", "tok/s/dev", "TTFT ms", "TPOT ms");
        for (DeploymentSearch.Estimate e : r.pareto()) {
            out.printf(Locale.ROOT, "  %-72s %10.3f %12.1f %10.1f %10.2f%n", e.candidate().describe(), e.maxQps(), e.tokensPerSPerDevice(), e.ttftMs(), e.tpotMs());
        }
        out.println("Finalists (event-level simulation)");
        out.printf(Locale.ROOT, "  %-72s %10s %12s %10s %10s %5s %8s%n", "deployment", "req/s", "tok/s/dev", "TTFT p90", "TPOT p90", "SLA", "by");
        for (DeploymentSearch.Confirmed c : r.finalists()) {
            out.printf(Locale.ROOT, "  %-72s %10.3f %12.1f %10.1f %10.2f %5s %8s%n", c.estimate().candidate().describe(), c.qps(),
                    c.simulatedTokensPerSPerDevice(), c.ttftP90Ms(), c.tpotP90Ms(),
                    c.meets() ? "met" : "MISS", c.kind());
        }
        if (r.best() == null) {
            out.println("best: none of the finalists met the limits in simulation");
        } else {
            out.println("best: " + r.best().estimate().candidate().describe());
            out.println("  " + r.best().commandLine());
        }
    }

    static String json(DeploymentSearch.Result r, DeploymentSearch.Options o) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("candidates", r.enumerated());
        m.put("feasible_by_estimate", r.feasible());
        m.put("runnable", r.runnable());
        m.put("wall_s", r.wallS());
        m.put("estimate_wall_s", r.estimateWallS());
        m.put("ttft_ms", o.ttftMs());
        m.put("tpot_ms", o.tpotMs());
        m.put("candidates_per_s", r.enumerated() / Math.max(1e-9, r.estimateWallS()));
        m.put("iteration_shapes", r.instanceShapes());
        List<Object> pareto = new ArrayList<>();
        for (DeploymentSearch.Estimate e : r.pareto()) {
            pareto.add(estimate(e));
        }
        m.put("pareto", pareto);
        List<Object> fin = new ArrayList<>();
        for (DeploymentSearch.Confirmed c : r.finalists()) {
            fin.add(confirmed(c));
        }
        m.put("finalists", fin);
        m.put("best", r.best() == null ? null : confirmed(r.best()));
        StringWriter w = new StringWriter();
        try (com.fasterxml.jackson.core.JsonGenerator g = new com.fasterxml.jackson.core.JsonFactory().createGenerator(w)) {
            g.useDefaultPrettyPrinter();
            new com.fasterxml.jackson.databind.ObjectMapper().writeValue(g, m);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return w.toString();
    }

    private static Map<String, Object> estimate(DeploymentSearch.Estimate e) {
        Map<String, Object> m = new LinkedHashMap<>();
        DeploymentSearch.Candidate c = e.candidate();
        m.put("deployment", c.describe());
        m.put("disaggregated", c.disaggregated());
        m.put("prefill_system", c.prefillSystem());
        m.put("prefill_instances", c.prefillInstances());
        m.put("decode_system", c.decodeSystem());
        m.put("decode_instances", c.decodeInstances());
        m.put("max_batch", c.maxBatch());
        m.put("devices", c.devices());
        m.put("prefill_layout", c.prefillLayout().describe());
        m.put("decode_layout", c.disaggregated() ? c.decodeLayout().describe() : "");
        m.put("dtype", c.dtype());
        m.put("max_qps", e.maxQps());
        m.put("tokens_per_s_per_device", e.tokensPerSPerDevice());
        m.put("ttft_ms", e.ttftMs());
        m.put("tpot_ms", e.tpotMs());
        return m;
    }

    private static Map<String, Object> confirmed(DeploymentSearch.Confirmed c) {
        Map<String, Object> m = estimate(c.estimate());
        m.put("simulated_qps", c.qps());
        m.put("meets_sla", c.meets());
        m.put("simulated_ttft_p90_ms", c.ttftP90Ms());
        m.put("simulated_tpot_p90_ms", c.tpotP90Ms());
        m.put("confirmed_by", c.kind());
        m.put("simulated_tokens_per_s_per_device", c.simulatedTokensPerSPerDevice());
        m.put("command_line", c.commandLine());
        return m;
    }
}
