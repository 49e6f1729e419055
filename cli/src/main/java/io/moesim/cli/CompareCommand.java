package io.moesim.cli;

import io.moesim.ir.io.AtomicFiles;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.MoesimException;
import io.moesim.sim.Comparison;
import io.moesim.sim.Simulator;
import io.moesim.sim.metrics.ResultJson;
import io.moesim.sim.metrics.SimulationResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moesim compare}: the same serving workload on several systems, ratios to the first. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Simulate the same serving workload on several systems and print one table with each system's ratio to the first.",
            "Parallel degrees default per system (the whole system one tensor-parallel group) unless given."})
final class CompareCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ServingFlags serving;

    @Mixin
    CompileFlags flags;

    @Option(names = "--systems", required = true, split = ",", paramLabel = "S1,S2,...", description = "Systems to compare; ratios are to the first.")
    List<String> systems;

    @Option(names = {"--json", "--json-file"}, paramLabel = "FILE", description = "Write the table and every system's result as JSON; also --json-file (here --json takes a file; in op, roofline, models and target show it is a switch).")
    Path json;

    @Option(names = "--report", paramLabel = "DIR", description = "Write an HTML report into DIR.")
    Path report;

    @Override
    public Integer call() {
        if (systems.size() < 2) {
            throw new MoesimException("--systems: give at least two systems, e.g. --systems h100x4,duplex-x4");
        }
        List<SimulationResult> results = new ArrayList<>();
        List<SystemSpec> specs = new ArrayList<>();
        // every system name, request and output path is checked before the first simulation starts
        List<io.moesim.sim.SimulationRequest.Builder> requests = new ArrayList<>();
        for (String s : systems) {
            SystemSpec sys = Systems.load(s, serving.sets);
            specs.add(sys);
        }
        // a GPU compared with a hypothetical device: one profile on both sides (ideal, as the Duplex paper does) unless one is named
        boolean real = specs.stream().anyMatch(x -> io.moesim.hw.FrameworkProfiles.isRealGpu(x.device()));
        boolean hypothetical = specs.stream().anyMatch(x -> !io.moesim.hw.FrameworkProfiles.isRealGpu(x.device()));
        if (flags.framework == null && real && hypothetical) {
            flags.frameworkForAll("ideal");
        }
        for (int i = 0; i < systems.size(); i++) {
            requests.add(serving.request(systems.get(i), specs.get(i), flags));
        }
        if (json != null) {
            AtomicFiles.checkWritable(json);
        }
        if (report != null) {
            AtomicFiles.checkFolder(report, report);
        }
        for (int i = 0; i < systems.size(); i++) {
            String s = systems.get(i);
            try (Progress p = new Progress(spec.commandLine().getErr(), "simulate " + s + " (" + (i + 1) + " of " + systems.size() + ")")) {
                results.add(Simulator.simulate(requests.get(i).progress(p).build(), specs.get(i)));
            }
        }
        Comparison c = new Comparison(systems, results);
        spec.commandLine().getOut().print(table(c));
        for (int i = 0; i < systems.size(); i++) {
            spec.commandLine().getOut().println(systems.get(i) + ": " + flags.describeFramework(specs.get(i).device()));
        }
        if (json != null) {
            AtomicFiles.write(json, Json.write(toJson(c)));
        }
        if (report != null) {
            Path index = ReportSupport.writeRunReport(report, "moesim compare " + serving.model, systems, results, specs, serving, flags, null);
            spec.commandLine().getOut().println("report: " + index);
        }
        return 0;
    }

    static String table(Comparison c) {
        TextTable t = new TextTable(List.of("system", "tokens/s", "x", "TTFT p50 ms", "x", "TBT p50 ms", "x", "E2E p50 ms", "x", "J/token", "x"));
        for (Comparison.Row r : c.rows()) {
            t.row(r.system(), f(r.throughputTokensPerS()), x(r.throughputRatio()), f(r.ttftP50Ms()), x(r.ttftRatio()), f(r.tbtP50Ms()),
                    x(r.tbtRatio()), f(r.e2eP50Ms()), x(r.e2eRatio()), String.format(Locale.ROOT, "%.4f", r.energyJPerToken()), x(r.energyRatio()));
        }
        return t.render();
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String x(double v) {
        return String.format(Locale.ROOT, "%.2fx", v);
    }

    static Map<String, Object> toJson(Comparison c) {
        Map<String, Object> j = new LinkedHashMap<>();
        List<Object> rows = new ArrayList<>();
        for (Comparison.Row r : c.rows()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("system", r.system());
            m.put("throughput_tokens_per_s", r.throughputTokensPerS());
            m.put("throughput_ratio", r.throughputRatio());
            m.put("ttft_p50_ms", r.ttftP50Ms());
            m.put("ttft_ratio", r.ttftRatio());
            m.put("tbt_p50_ms", r.tbtP50Ms());
            m.put("tbt_ratio", r.tbtRatio());
            m.put("e2e_p50_ms", r.e2eP50Ms());
            m.put("e2e_ratio", r.e2eRatio());
            m.put("energy_j_per_token", r.energyJPerToken());
            m.put("energy_ratio", r.energyRatio());
            rows.add(m);
        }
        j.put("rows", rows);
        List<Object> res = new ArrayList<>();
        for (SimulationResult r : c.results()) {
            try {
                res.add(new com.fasterxml.jackson.databind.ObjectMapper().readTree(ResultJson.toJson(r)));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }
        j.put("results", res);
        return j;
    }
}
