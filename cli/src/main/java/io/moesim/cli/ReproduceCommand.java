package io.moesim.cli;

import static io.moesim.cli.ExperimentAnalyses.f1;
import static io.moesim.cli.ExperimentAnalyses.pct;
import static io.moesim.cli.ExperimentAnalyses.secs;
import static io.moesim.cli.ExperimentAnalyses.text;
import static io.moesim.cli.ExperimentAnalyses.whole;

import io.moesim.ir.MoesimException;
import io.moesim.ir.io.AtomicFiles;
import io.moesim.sim.metrics.ResultSchema;
import io.moesim.sweep.ExperimentResults;
import io.moesim.sweep.ExperimentSpec;
import io.moesim.sweep.ExperimentSpecs;
import io.moesim.sweep.SweepRequest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code moesim reproduce duplex}: runs the Duplex paper's experiment file (built in:
 * {@code sweep/src/main/resources/experiments/duplex.yaml}, its configurations and the paper's figures with their
 * sources) on the sweep engine, as {@code moesim experiment duplex} does, then runs the file's single-iteration
 * analyses and writes a Markdown document with moesim's figures beside the paper's. The document holds no timestamps
 * and no wall times, so the same results give the same bytes; wall times go to stdout.
 */
@Command(name = "reproduce", mixinStandardHelpOptions = true,
        description = {"Reproduce a paper's evaluation with moesim and write a Markdown report beside its figures.",
            "PAPER: duplex (Yun et al., MICRO 2024): throughput of Duplex over H100 per model, batch and lengths; co-processing;",
            "Bank-PIM; energy; GPU utilisation in decode; serving saturation. Progress goes to stderr.",
            "The configurations and the paper's figures are the experiment file duplex (duplex-quick with --quick; see",
            "moesim experiment): its runs go to the sweep engine with their results stored in --out-dir, so a killed run resumes."})
final class ReproduceCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PAPER", description = "Which paper: duplex.")
    String paper;

    @Option(names = "--quick", description = "A small subset (for development): a few configurations, fewer requests (the experiment duplex-quick).")
    boolean quick;

    @Option(names = {"-o", "--output"}, defaultValue = "docs/duplex-reproduction.md", paramLabel = "FILE",
            description = "Markdown output. Default: ${DEFAULT-VALUE}.")
    Path output;

    @Option(names = "--out-dir", paramLabel = "DIR",
            description = "Where the experiment's runs are stored (a sweep's output folder; run again to resume). Default: moesim-out/experiment-duplex (or -duplex-quick).")
    Path outDir;

    @picocli.CommandLine.Mixin
    EngineOptions where = new EngineOptions();

    /** One run's figures (a stored sweep row) on its system. */
    record Run(String system, Map<String, Double> m) {
        double get(String metric) {
            Double v = m.get(metric);
            if (v == null) {
                throw new MoesimException("the stored run on " + system + " has no metric '" + metric + "'");
            }
            return v;
        }

        double throughputTokensPerS() {
            return get(ResultSchema.THROUGHPUT);
        }

        double energyJPerToken() {
            return get(ResultSchema.ENERGY_J_PER_TOKEN);
        }
    }

    /** A model on its paper system pair. */
    record Setup(String model, String duplex, String gpu) {
    }

    /** One throughput configuration: the GPU run, Duplex with co-processing, Duplex without. */
    record Point(Setup setup, int batch, int in, int out, Run gpu, Run coproc, Run opb) {
        double ratio() {
            return coproc.throughputTokensPerS() / gpu.throughputTokensPerS();
        }

        double ratioOpb() {
            return opb.throughputTokensPerS() / gpu.throughputTokensPerS();
        }

        double coprocGain() {
            return coproc.throughputTokensPerS() / opb.throughputTokensPerS();
        }

        double energySaving() {
            return 1 - coproc.energyJPerToken() / gpu.energyJPerToken();
        }
    }

    private ExperimentAnalyses analyses;
    private PrintWriter err;
    private ExperimentSpec exp;
    private ExperimentResults results;

    @Override
    public Integer call() {
        if (!"duplex".equals(paper)) {
            throw new ParameterException(spec.commandLine(), "unknown paper '" + paper + "' (known: duplex)");
        }
        SweepRequest.Engine e = where.engine();
        exp = ExperimentSpecs.load(quick ? "duplex-quick" : "duplex");
        ExperimentCommand.check(exp); // every check first
        AtomicFiles.checkWritable(output); // before minutes of simulation, not after
        Path dir = outDir != null ? outDir : Path.of("moesim-out", "experiment-" + exp.name());
        AtomicFiles.checkFolder(dir, dir);
        long t0 = System.nanoTime();
        err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();

        results = ExperimentCommand.run(exp, dir, e, where.master, where.parallelism, err); // and its comparison tables, as experiment writes them
        analyses = new ExperimentAnalyses(exp, results, err);
        out.printf(Locale.ROOT, "experiment %s on %s: %d serving runs (%d resumed from %s, %d evaluated) done after %.1f s%n", exp.name(),
                results.outcome().engine(), results.outcome().total(), results.outcome().resumed(), dir, results.outcome().evaluated(), secs(t0));
        out.flush();
        List<Point> points = points("throughput", "gpu", "coproc", "opb");
        List<Point> bank = points("bank_pim", "bank", "duplex", "duplex");
        StringBuilder util = analyses.utilisation(analyses.analysis("utilisation", ExperimentAnalyses.UTILISATION));
        StringBuilder breakdown = analyses.breakdown(analyses.analysis("breakdown", ExperimentAnalyses.BREAKDOWN));
        out.printf(Locale.ROOT, "per-iteration analyses done after %.1f s%n", secs(t0));
        out.flush();
        ExperimentSpec.Analysis saturation = analyses.analysis("saturation", ExperimentAnalyses.SATURATION);
        StringBuilder serving = serving(saturation);

        String doc = document(points, bank, util, breakdown, serving, ExperimentAnalyses.factor(saturation));
        AtomicFiles.write(output, doc);
        out.printf(Locale.ROOT, "wrote %s (%d simulation runs) in %.1f s%n", output, results.runs(), secs(t0));
        return 0;
    }

    // ---- the experiment's rows ----

    /**
     * A study's rows as points: {@code gpu} in the GPU slot, {@code coproc} and {@code opb} in the Duplex slots. For
     * Bank-PIM the GPU slot holds Bank-PIM and both Duplex slots the Duplex run, so {@link Point#ratio} is Duplex over Bank-PIM.
     */
    private List<Point> points(String study, String gpu, String coproc, String opb) {
        ExperimentSpec.Study s = exp.study(study);
        List<Point> l = new ArrayList<>();
        for (ExperimentResults.Row r : results.rows(s)) {
            Map<String, Object> c = r.configuration();
            Map<String, Map<String, Object>> roles = r.setup().roles();
            Setup setup = new Setup(r.setup().name(), text(roles.get(coproc).get("system")), text(roles.get(gpu).get("system")));
            l.add(new Point(setup, whole(c.get("batch")), whole(c.get("input_len")), whole(c.get("output_len")),
                    new Run(setup.gpu(), r.role(gpu)), new Run(setup.duplex(), r.role(coproc)), new Run(setup.duplex(), r.role(opb))));
        }
        return l;
    }

    // ---- serving saturation ----

    /** The serving study's table, then each system's saturation ({@code saturation}, the file's analysis). */
    private StringBuilder serving(ExperimentSpec.Analysis saturation) {
        ExperimentSpec.Study s = exp.study(text(saturation.params().get("study")));
        ExperimentSpec.Setup st = s.setups().get(0);
        StringBuilder sb = new StringBuilder();
        sb.append(st.name()).append(", (L_in, L_out) = (").append(st.base().get("input_len")).append(", ").append(st.base().get("output_len"))
                .append(") Gaussian (sigma 10%), Poisson arrivals, ").append(st.base().get("requests"))
                .append(" requests per rate, max batch ").append(st.base().get("max_batch")).append(", fp16, seed 0.\n\n");
        sb.append("| offered req/s | system | served req/s | tokens/s | TTFT p50 ms | TTFT p90 ms | TBT p50 ms | E2E p50 ms |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        for (ExperimentResults.Row row : results.rows(s)) {
            double rate = ((Number) row.configuration().get("qps")).doubleValue();
            for (String role : s.roles()) {
                String sys = text(row.setup().roles().get(role).get("system"));
                Run res = new Run(sys, row.role(role));
                sb.append("| ").append(f1(rate)).append(" | ").append(sys).append(" | ").append(f2(res.get(ResultSchema.REQUESTS_PER_S))).append(" | ")
                        .append(f1(res.throughputTokensPerS())).append(" | ").append(f1(res.get(ResultSchema.Latency.TTFT.column("p50")))).append(" | ")
                        .append(f1(res.get(ResultSchema.Latency.TTFT.column("p90")))).append(" | ").append(f2(res.get(ResultSchema.Latency.TBT.column("p50"))))
                        .append(" | ").append(f1(res.get(ResultSchema.Latency.E2E.column("p50")))).append(" |\n");
            }
        }
        sb.append('\n');
        sb.append(analyses.saturation(saturation));
        return sb;
    }

    // ---- the document ----

    private String document(List<Point> points, List<Point> bank, StringBuilder util, StringBuilder breakdown, StringBuilder serving,
            double saturationFactor) {
        StringBuilder d = new StringBuilder();
        d.append("# Duplex (MICRO 2024) reproduced with moesim\n\n");
        d.append("Regenerate with (from the repository root; bin/moesim builds the CLI first if needed):\n\n```\nbin/moesim reproduce duplex")
                .append(quick ? " --quick" : "").append(" -o docs/duplex-reproduction.md\n```\n\n");
        d.append(quick ? "This `--quick` subset" : "The full run")
                .append(" makes ").append(results.runs()).append(" serving simulations plus the single-iteration analyses; ")
                .append(note("runtime")).append("\n\n");
        d.append(note("setup"));

        d.append("\n## 1. Throughput, Duplex over H100\n\n");
        d.append("Output tokens per simulated second, closed loop with one wave of `batch` requests. `ratio` = Duplex (co-processing) / H100; ")
                .append("`no coproc` = Duplex with plain Op/B placement / H100; `coproc gain` = the two Duplex runs' ratio; ")
                .append("`energy` = Duplex's J/token below the GPU's.\n\n");
        d.append("| model | system | batch | L_in | L_out | H100 tok/s | Duplex tok/s | ratio | no coproc | coproc gain | energy |\n");
        d.append("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (Point p : points) {
            d.append("| ").append(p.setup().model()).append(" | ").append(p.setup().duplex()).append(" vs ").append(p.setup().gpu())
                    .append(" | ").append(p.batch()).append(" | ").append(p.in()).append(" | ").append(p.out()).append(" | ")
                    .append(f1(p.gpu().throughputTokensPerS())).append(" | ").append(f1(p.coproc().throughputTokensPerS())).append(" | ")
                    .append(x(p.ratio())).append(" | ").append(x(p.ratioOpb())).append(" | ").append(x(p.coprocGain())).append(" | ")
                    .append(pct(p.energySaving())).append(" |\n");
        }
        d.append("\n### Per model\n\n| model | configurations | ratio mean | ratio best | no-coproc best | coproc gain mean | energy saving mean | energy saving best |\n");
        d.append("|---|---|---|---|---|---|---|---|\n");
        Map<String, List<Point>> byModel = new LinkedHashMap<>();
        points.forEach(p -> byModel.computeIfAbsent(p.setup().model(), k -> new ArrayList<>()).add(p));
        byModel.forEach((m, l) -> d.append("| ").append(m).append(" | ").append(l.size()).append(" | ").append(x(mean(l, Point::ratio)))
                .append(" | ").append(x(max(l, Point::ratio))).append(" | ").append(x(max(l, Point::ratioOpb))).append(" | ")
                .append(x(mean(l, Point::coprocGain))).append(" | ").append(pct(mean(l, Point::energySaving))).append(" | ")
                .append(pct(max(l, Point::energySaving))).append(" |\n"));
        d.append("\n### Headline, beside the paper\n\n| figure | paper | moesim |\n|---|---|---|\n");
        for (String id : List.of("throughput_mean", "throughput_best", "no_coproc_best", "coproc_gain_mean", "energy_mean")) {
            headline(d, List.of(figure(id)), figure(id).figure());
        }
        headline(d, List.of(figure("energy_best_mixtral"), figure("energy_best_glam"), figure("energy_best_grok")),
                "energy, best reduction: Mixtral / GLaM / Grok-1");
        for (String id : List.of("bank_mixtral_mean", "bank_mixtral_best", "bank_opt")) {
            headline(d, List.of(figure(id)), figure(id).figure());
        }
        d.append("\n### Energy per output token, by component (first configuration of each model)\n\n");
        d.append("| model | batch | L_in, L_out | system | DRAM J/tok | SRAM J/tok | logic J/tok | links J/tok | static J/tok | total J/tok |\n");
        d.append("|---|---|---|---|---|---|---|---|---|---|\n");
        byModel.forEach((m, l) -> {
            Point p = l.get(0);
            for (Run r : List.of(p.gpu(), p.coproc())) {
                double tok = r.get(ResultSchema.OUTPUT_TOKENS);
                d.append("| ").append(m).append(" | ").append(p.batch()).append(" | ").append(p.in()).append(", ").append(p.out()).append(" | ")
                        .append(r.system()).append(" | ");
                for (String part : ResultSchema.ENERGY_PART_COLUMNS) {
                    d.append(f4(r.get(part) / tok)).append(" | ");
                }
                d.append(f4(r.energyJPerToken())).append(" |\n");
            }
        });

        d.append("\n## 2. Against Bank-PIM\n\n");
        d.append("Bank-PIM (`bank-pim` target: xPU plus a unit in every DRAM bank, 16x the external bandwidth at 1 Op/B) on the same ")
                .append("number of devices, same placement policy.\n\n");
        d.append("| model | batch | L_in | L_out | Bank-PIM tok/s | Duplex tok/s | Duplex / Bank-PIM |\n|---|---|---|---|---|---|---|\n");
        for (Point p : bank) {
            d.append("| ").append(p.setup().model()).append(" | ").append(p.batch()).append(" | ").append(p.in()).append(" | ").append(p.out())
                    .append(" | ").append(f1(p.gpu().throughputTokensPerS())).append(" | ").append(f1(p.coproc().throughputTokensPerS()))
                    .append(" | ").append(x(p.ratio())).append(" |\n");
        }

        d.append("\n## 3. GPU utilisation in decode\n\n");
        d.append(note("utilisation")).append('\n').append(util);

        d.append("\n## 4. Serving saturation\n\n").append(serving);
        d.append("\nSaturation here: the lowest offered rate at which the median time to first token exceeds ")
                .append(f1(saturationFactor)).append("x its value at the lowest rate (requests queue for admission). ")
                .append("Paper: the GPU system saturates ").append(figure("saturation_gpu").paper()).append(" requests/s, Duplex at ")
                .append(figure("saturation_duplex").paper()).append(".\n");

        d.append("\n## 5. Where the time goes (one decode iteration)\n").append(breakdown);
        d.append("\n## 6. Gaps and their reasons\n\n").append(note("gaps"));
        return d.toString();
    }

    private static final java.util.regex.Pattern PAPER_REF = java.util.regex.Pattern.compile("\\{paper:([A-Za-z0-9_.+-]+)}");

    /** A note of the experiment file ({@code notes:}), by name, each {@code {paper:ID}} replaced by figure ID's paper text. */
    private String note(String name) {
        String text = exp.note(name);
        if (text == null) {
            throw new MoesimException(exp.file() + ": notes: needs one named " + name);
        }
        return PAPER_REF.matcher(text).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(figure(m.group(1)).paper()));
    }

    /** A figure of the experiment file, by id. */
    private ExperimentSpec.Figure figure(String id) {
        ExperimentSpec.Figure f = exp.figure(id);
        if (f == null) {
            throw new MoesimException(exp.file() + ": figures: needs one with id " + id);
        }
        return f;
    }

    /** A headline row: the figures' names, the paper's texts and moesim's values, joined by " / " where there are several. */
    private void headline(StringBuilder d, List<ExperimentSpec.Figure> fs, String name) {
        List<String> paperText = new ArrayList<>();
        List<String> ours = new ArrayList<>();
        for (ExperimentSpec.Figure f : fs) {
            paperText.add(f.paper());
            boolean saving = exp.study(f.study()).ratio(f.ratio()).saving();
            double v = results.value(f);
            ours.add(saving ? pct(v) : x(v));
        }
        d.append("| ").append(name).append(" | ").append(String.join(" / ", paperText)).append(" | ").append(String.join(" / ", ours)).append(" |\n");
    }

    // ---- formatting ----

    private interface Metric {
        double of(Point p);
    }

    private static double mean(List<Point> l, Metric m) {
        return l.isEmpty() ? Double.NaN : l.stream().mapToDouble(m::of).average().orElse(Double.NaN);
    }

    private static double max(List<Point> l, Metric m) {
        return l.isEmpty() ? Double.NaN : l.stream().mapToDouble(m::of).max().orElse(Double.NaN);
    }

    private static String x(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2fx", v);
    }

    private static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String f4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

}
