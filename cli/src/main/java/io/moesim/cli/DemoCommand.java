package io.moesim.cli;

import io.moesim.ir.io.AtomicFiles;
import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.cost.CostModel;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.reports.Reports;
import io.moesim.reports.RunSummary;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.Simulator;
import io.moesim.sim.metrics.ResultJson;
import io.moesim.sim.metrics.SimulationResult;
import io.moesim.sim.system.CollectiveAlgorithm;
import io.moesim.sim.system.ExecutionResult;
import java.io.PrintWriter;
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

/**
 * {@code moesim demo}, the main job on built-in defaults: Mixtral-8x7B's ops by Op/B, then
 * Mixtral-8x7B serving compiled and simulated on a 4 × H100 node and a 4 × Duplex node at batch
 * 32, 64 and 128, the comparison table, and an HTML report in ./moesim-out.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The main job on built-in defaults: Mixtral-8x7B decode ops by FLOPs, bytes and Op/B; then Mixtral-8x7B serving",
            "compiled and simulated on h100x4 and duplex-x4 at batch 32, 64 and 128 (closed loop), the comparison table,",
            "and an HTML report (roofline, per-layer breakdown, utilisation, throughput vs latency) in ./moesim-out/index.html."})
final class DemoCommand implements Callable<Integer> {
    static final String MODEL = "mixtral-8x7b";
    static final List<String> SYSTEMS = List.of("h100x4", "duplex-x4");
    static final int[] BATCHES = {32, 64, 128};
    static final long KV_LEN = 1024;

    @Spec
    CommandSpec spec;

    @Option(names = {"-o", "--output"}, defaultValue = "moesim-out", paramLabel = "DIR", description = "Report folder. Default: ${DEFAULT-VALUE}.")
    Path output;

    @Option(names = {"--in", "--input-len"}, defaultValue = "1024", paramLabel = "L_in", description = "Prompt length. Default: ${DEFAULT-VALUE}.")
    int in;

    @Option(names = {"--out", "--output-len"}, defaultValue = "256", paramLabel = "L_out", description = "Output length. Also --output-len (not -o/--output, a file or folder; nor sweep's --out, a folder). Default: ${DEFAULT-VALUE}.")
    int out;

    @Option(names = "--waves", defaultValue = "2", paramLabel = "N", description = "Requests per run = N x batch. Default: ${DEFAULT-VALUE}.")
    int waves;

    @Option(names = "--ops-only", description = "Print the Op/B table only (no simulation, no report).")
    boolean opsOnly;

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        if (in <= 0 || out <= 0) {
            throw new io.moesim.ir.MoesimException("--in and --out must be > 0, got " + in + " and " + out);
        }
        if (waves <= 0) {
            throw new io.moesim.ir.MoesimException("--waves must be > 0, got " + waves);
        }
        if (!opsOnly) {
            io.moesim.ir.io.AtomicFiles.checkFolder(output, output);
        }
        PrintWriter w = spec.commandLine().getOut();
        ModelConfig m = ModelZoo.get(MODEL);
        printOps(w, m);
        if (opsOnly) {
            return 0;
        }
        // one kernel cost model for every run: each distinct op shape is simulated once
        CostModel cost = KernelStores.costModel();
        List<String> labels = new ArrayList<>();
        List<SimulationResult> results = new ArrayList<>();
        Map<String, SystemSpec> specs = new LinkedHashMap<>();
        for (String s : SYSTEMS) {
            specs.put(s, Systems.load(s));
        }
        TextTable t = new TextTable(List.of("batch", "system", "tokens/s", "vs h100x4", "TTFT p50 ms", "TBT p50 ms", "TBT p90 ms", "E2E p50 ms",
                "J/token", "vs h100x4", "util"));
        w.printf(Locale.ROOT, "%nServing %s, closed loop, %d x batch requests, L_in %d, L_out %d, bf16, uniform routing, seed 0%n", m.name(), waves,
                in, out);
        // a GPU beside a hypothetical device: both under one profile, the kernels alone, as the Duplex paper compares
        w.println("Both systems run under the 'ideal' framework profile (kernels alone, no serving-framework per-call costs), as the "
                + "Duplex paper compares; 'moesim simulate --framework trtllm' gives the H100 as TensorRT-LLM runs it.");
        for (int b : BATCHES) {
            SimulationResult base = null;
            for (String s : SYSTEMS) {
                SystemSpec sys = specs.get(s);
                SimulationResult r;
                try (Progress p = new Progress(spec.commandLine().getErr(), "batch " + b + " " + s)) {
                    r = Simulator.simulate(SimulationRequest.builder(MODEL, s).batch(b).requests(waves * b).lengths(in, out)
                            .compileOptions(options(sys)).costModel(cost).collectiveAlgorithm(CollectiveAlgorithm.AUTO).progress(p).build(), sys);
                }
                if (base == null) {
                    base = r;
                }
                labels.add(s + " b" + b);
                results.add(r);
                t.row(Integer.toString(b), s, fmt(r.throughputTokensPerS()), ratio(r.throughputTokensPerS(), base.throughputTokensPerS()),
                        fmt(r.ttft().p50Ms()), fmt2(r.tbt().p50Ms()), fmt2(r.tbt().p90Ms()), fmt(r.e2e().p50Ms()),
                        String.format(Locale.ROOT, "%.4f", r.energyJPerToken()), ratio(r.energyJPerToken(), base.energyJPerToken()),
                        utilisation(r));
            }
        }
        w.println();
        w.print(t.render());
        Path index = report(m, labels, results, specs, cost);
        w.printf(Locale.ROOT, "%nreport: %s (open it in a browser; timeline: %s)%n", index, output.resolve("timeline.json"));
        w.printf(Locale.ROOT, "demo took %.1f s%n", (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    static CompileOptions options(SystemSpec sys) {
        return CompileOptions.defaults(sys.devices());
    }

    private void printOps(PrintWriter w, ModelConfig m) {
        Graph g = GraphGenerator.generate(GraphRequest.decode(m, 64, KV_LEN));
        w.printf("moesim demo: %s decode, batch %d, KV length %d, %s: each op's FLOPs, minimum DRAM bytes and Op/B%n%n", m.name(), 64, KV_LEN,
                m.weightDtype().text());
        TextTable t = new TextTable(List.of("op", "kind", "runs", "GFLOP", "MB", "Op/B"));
        for (OpTable.Row r : OpTable.rows(g)) {
            t.row(r.name(), r.node().op().mnemonic(), r.times(), ModelCommands.fmt(r.flops() / 1e9), ModelCommands.fmt(r.bytes() / 1e6),
                    ModelCommands.fmt(r.opPerByte()));
        }
        w.print(t.render());
    }

    private Path report(ModelConfig m, List<String> labels, List<SimulationResult> results, Map<String, SystemSpec> specs, CostModel cost) {
        List<RunSummary> runs = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            runs.add(RunSummary.of(labels.get(i).substring(0, labels.get(i).indexOf(' ')), results.get(i)));
        }
        // one decode iteration per system for its roofline and layer-time breakdown; the timeline is Duplex's
        List<ExecutionResult> execs = new ArrayList<>();
        for (String s : SYSTEMS) {
            execs.add(ReportSupport.decodeIteration(GraphRequest.decode(m, 64, in + out / 2), specs.get(s), options(specs.get(s)), cost));
        }
        ExecutionResult exec = execs.get(SYSTEMS.indexOf("duplex-x4"));
        Path timeline = output.toAbsolutePath().resolve("timeline.json");
        try {
            java.nio.file.Files.createDirectories(timeline.getParent());
        } catch (java.io.IOException e) {
            throw new io.moesim.ir.MoesimException(output + ": cannot create: " + e.getMessage());
        }
        Simulator.writeTrace(exec, timeline);
        for (int i = 0; i < results.size(); i++) {
            AtomicFiles.write(output.resolve("result-" + labels.get(i).replace(' ', '-') + ".json"), ResultJson.toJson(results.get(i)));
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("model", m.name() + " (bf16)");
        meta.put("systems", String.join(", ", SYSTEMS) + " (tensor parallel over the 4 devices, Duplex co-processing)");
        meta.put("workload", "closed loop at batch 32, 64, 128; " + waves + " x batch requests; L_in " + in + ", L_out " + out);
        meta.put("roofline, breakdown", "one decode iteration on each system: batch 64, KV length " + (in + out / 2));
        meta.put("timeline", "that iteration on duplex-x4");
        return Reports.write(ReportSupport.reportData("moesim demo: Mixtral-8x7B on 4 x H100 vs 4 x Duplex", meta, runs, execs, SYSTEMS, timeline),
                output);
    }

    private static String utilisation(SimulationResult r) {
        StringBuilder sb = new StringBuilder();
        r.utilization().forEach((k, v) -> sb.append(sb.length() == 0 ? "" : " ").append(k).append(String.format(Locale.ROOT, ":%.0f%%", 100 * v)));
        return sb.toString();
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String fmt2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String ratio(double a, double b) {
        return b == 0 ? "-" : String.format(Locale.ROOT, "%.2fx", a / b);
    }
}
