package io.moesim.cli;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.CompileOptions.Placement;
import io.moesim.compiler.cost.CostModel;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.DerivedFigures;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.MoesimException;
import io.moesim.ir.io.AtomicFiles;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.op.Attention;
import io.moesim.sim.RunSpec;
import io.moesim.sim.metrics.ResultSchema;
import io.moesim.sim.system.ExecutionResult;
import io.moesim.sweep.ExperimentResults;
import io.moesim.sweep.ExperimentSpec;
import io.moesim.sweep.ExperimentSpecs;
import io.moesim.sweep.SweepRequest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
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
    static final DType DTYPE = DType.FP16;

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

    private final CostModel cost = KernelStores.costModel();
    private final Map<String, SystemSpec> systems = new HashMap<>();
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
        new io.moesim.sweep.ExperimentEvaluatorFactory().create(io.moesim.sweep.Experiments.sweepSpec(exp)); // every check first
        AtomicFiles.checkWritable(output); // before minutes of simulation, not after
        Path dir = outDir != null ? outDir : Path.of("moesim-out", "experiment-" + exp.name());
        AtomicFiles.checkFolder(dir, dir);
        long t0 = System.nanoTime();
        err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();

        results = ExperimentCommand.run(exp, dir, e, where.master, where.parallelism, err);
        // the generic comparison tables too, as moesim experiment writes them
        AtomicFiles.write(dir.resolve(io.moesim.sweep.ExperimentReport.MARKDOWN), io.moesim.sweep.ExperimentReport.markdown(results));
        AtomicFiles.write(dir.resolve(io.moesim.sweep.ExperimentReport.JSON), io.moesim.sweep.ExperimentReport.json(results));
        out.printf(Locale.ROOT, "experiment %s on %s: %d serving runs (%d resumed from %s, %d evaluated) done after %.1f s%n", exp.name(),
                results.outcome().engine(), results.outcome().total(), results.outcome().resumed(), dir, results.outcome().evaluated(), secs(t0));
        out.flush();
        List<Point> points = points("throughput", "gpu", "coproc", "opb");
        List<Point> bank = points("bank_pim", "bank", "duplex", "duplex");
        StringBuilder util = utilisation();
        StringBuilder breakdown = breakdowns();
        out.printf(Locale.ROOT, "per-iteration analyses done after %.1f s%n", secs(t0));
        out.flush();
        StringBuilder serving = serving();

        String doc = document(points, bank, util, breakdown, serving);
        AtomicFiles.write(output, doc);
        out.printf(Locale.ROOT, "wrote %s (%d simulation runs) in %.1f s%n", output, results.runs(), secs(t0));
        return 0;
    }

    // ---- the experiment's rows ----

    private static String text(Object v) {
        return String.valueOf(v);
    }

    private static int whole(Object v) {
        return ((Number) v).intValue();
    }

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

    private SystemSpec system(String id) {
        return systems.computeIfAbsent(id, Systems::load);
    }

    /**
     * The defaults on the system (the whole system one tensor-parallel group for attention and MoE, as {@code moesim demo}),
     * or, where an analysis gives {@code tp} and {@code pp}, that layout for both kinds of layer (Grok-1: 8 KV heads on 16
     * devices, tensor parallel within a node and one pipeline stage per node).
     */
    private CompileOptions options(String systemId, Placement p, Map<String, Object> params) {
        CompileOptions d = CompileOptions.defaults(system(systemId).devices());
        if (params.containsKey("tp")) {
            CompileOptions.Parallelism layout = new CompileOptions.Parallelism(whole(params.get("tp")), 1, 1, whole(params.getOrDefault("pp", 1L)));
            d = d.withParallelism(layout, layout);
        }
        return d.withPlacement(p);
    }

    private ExperimentSpec.Analysis analysis(String name, String kind) {
        ExperimentSpec.Analysis a = exp.analysis(name);
        if (a == null || !a.kind().equals(kind)) {
            throw new MoesimException(exp.file() + ": analyses: needs one named " + name + " of kind " + kind);
        }
        return a;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(ExperimentSpec.Analysis a, String key) {
        Object v = a.params().get(key);
        if (!(v instanceof List<?>)) {
            throw new MoesimException("analyses." + a.name() + "." + key + ": expected a list");
        }
        return (List<Object>) v;
    }

    private static Placement placement(Object v) {
        return RunSpec.option(Placement.class, text(v), "placement");
    }

    // ---- per-iteration analyses ----

    private ExecutionResult decodeIteration(String model, String systemId, Placement p, int batch, long kv, Map<String, Object> params) {
        return ReportSupport.decodeIteration(GraphRequest.decode(ModelZoo.get(model), batch, kv).withDtype(DTYPE), system(systemId),
                options(systemId, p, params), cost);
    }

    /** Which part of a layer a compute task is: the attention core (QK, softmax, SV) apart from the projections. */
    private static String part(Task t) {
        if (t.op() instanceof Attention) {
            return "attention core";
        }
        return switch (t.layerType()) {
            case "attention" -> "attention projections";
            case "moe" -> "MoE (router + experts)";
            case "ffn" -> "dense FFN";
            default -> t.layerType();
        };
    }

    /**
     * GPU utilisation in one decode iteration, per part of a layer: Σ FLOPs of the part's compute
     * tasks / (Σ of their simulated durations × the GPU's dense fp16 peak), over all devices.
     */
    private StringBuilder utilisation() {
        ExperimentSpec.Analysis an = analysis("utilisation", "decode_utilisation");
        String model = text(an.params().get("model"));
        String sys = text(an.params().get("system"));
        Placement placement = placement(an.params().get("placement"));
        double peak = DerivedFigures.peakTflops(system(sys).device().primary(), DTYPE).orElseThrow() * 1e12;
        List<Object> batches = list(an, "batches");
        List<Object> kvs = list(an, "kv_lengths");
        List<String> parts = List.of("attention core", "attention projections", "MoE (router + experts)");
        StringBuilder sb = new StringBuilder();
        sb.append("| batch | KV length | ");
        for (String p : parts) {
            sb.append(p).append(" | ");
        }
        sb.append("whole iteration (incl. all-reduce) |\n|---|---|");
        sb.append("---|".repeat(parts.size() + 1)).append('\n');
        for (Object bo : batches) {
            int b = whole(bo);
            for (Object kvo : kvs) {
                long kv = ((Number) kvo).longValue();
                long t = System.nanoTime();
                ExecutionResult r = decodeIteration(model, sys, placement, b, kv, an.params());
                Map<String, double[]> acc = new HashMap<>();
                double flops = 0;
                for (Task task : r.plan().plan().tasks()) {
                    if (task.isTransfer()) {
                        continue;
                    }
                    double[] a = acc.computeIfAbsent(part(task), k -> new double[2]);
                    a[0] += task.flops();
                    a[1] += (r.endPs(task.id()) - r.startPs(task.id())) / 1e12;
                    flops += task.flops();
                }
                sb.append("| ").append(b).append(" | ").append(kv).append(" | ");
                for (String p : parts) {
                    double[] a = acc.getOrDefault(p, new double[2]);
                    sb.append(a[1] > 0 ? pct(a[0] / (a[1] * peak)) : "-").append(" | ");
                }
                double whole = flops / (r.makespanPs() / 1e12 * peak * system(sys).devices());
                sb.append(pct(whole)).append(" |\n");
                err.printf(Locale.ROOT, "      utilisation %s %s b%d kv%d %6.1f s%n", model, sys, b, kv, secs(t));
            }
        }
        return sb;
    }

    /** Where one decode iteration's time goes on device 0, per system: the evidence behind the ratios. */
    private StringBuilder breakdowns() {
        StringBuilder sb = new StringBuilder();
        ExperimentSpec.Analysis an = analysis("breakdown", "decode_breakdown");
        for (Object co : list(an, "cases")) {
            if (!(co instanceof Map<?, ?>)) {
                throw new MoesimException("analyses." + an.name() + ".cases: expected mappings of model, gpu, duplex, batch, kv_len");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> cm = (Map<String, Object>) co;
            Object[] c = {text(cm.get("model")), text(cm.get("gpu")), text(cm.get("duplex")), whole(cm.get("batch")),
                ((Number) cm.get("kv_len")).longValue()};
            String model = (String) c[0];
            int b = (Integer) c[3];
            long kv = (Long) c[4];
            sb.append("\n**").append(model).append(", decode, batch ").append(b).append(", KV length ").append(kv)
                    .append("** (busy ms on device 0 per iteration; the iteration time is the makespan, shorter than the sum where work overlaps)\n\n");
            sb.append("| part | processor | ").append(c[1]).append(" | ").append(c[2]).append(" coproc | ").append(c[2]).append(" opb |\n");
            sb.append("|---|---|---|---|---|\n");
            List<Map<String, Double>> cols = new ArrayList<>();
            List<Double> spans = new ArrayList<>();
            String[][] runsOf = {{(String) c[1], "OPB"}, {(String) c[2], "COPROC"}, {(String) c[2], "OPB"}};
            for (String[] ro : runsOf) {
                long t = System.nanoTime();
                ExecutionResult r = decodeIteration(model, ro[0], Placement.valueOf(ro[1]), b, kv, cm);
                Map<String, Double> m = new TreeMap<>();
                for (Task task : r.plan().plan().tasks()) {
                    if (task.device() != 0) {
                        continue;
                    }
                    String key = (task.isTransfer() ? "communication" : part(task)) + "\t" + (task.isTransfer() ? task.link() : task.processor());
                    m.merge(key, (r.endPs(task.id()) - r.startPs(task.id())) / 1e9, Double::sum);
                }
                cols.add(m);
                spans.add(r.makespanPs() / 1e9);
                err.printf(Locale.ROOT, "      breakdown %s %s %s b%d kv%d %6.1f s%n", model, ro[0], ro[1], b, kv, secs(t));
            }
            TreeMap<String, Boolean> keys = new TreeMap<>();
            cols.forEach(m -> m.keySet().forEach(k -> keys.put(k, true)));
            for (String k : keys.keySet()) {
                String[] kp = k.split("\t");
                sb.append("| ").append(kp[0]).append(" | ").append(kp[1]).append(" | ");
                for (Map<String, Double> m : cols) {
                    Double v = m.get(k);
                    sb.append(v == null ? "-" : f3(v)).append(" | ");
                }
                sb.append('\n');
            }
            sb.append("| **iteration (makespan)** | | ");
            for (double s : spans) {
                sb.append("**").append(f3(s)).append("** | ");
            }
            sb.append('\n');
        }
        return sb;
    }

    // ---- serving saturation ----

    private StringBuilder serving() {
        ExperimentSpec.Study s = exp.study("serving");
        ExperimentSpec.Setup st = s.setups().get(0);
        StringBuilder sb = new StringBuilder();
        sb.append(st.name()).append(", (L_in, L_out) = (").append(st.base().get("input_len")).append(", ").append(st.base().get("output_len"))
                .append(") Gaussian (sigma 10%), Poisson arrivals, ").append(st.base().get("requests"))
                .append(" requests per rate, max batch ").append(st.base().get("max_batch")).append(", fp16, seed 0.\n\n");
        sb.append("| offered req/s | system | served req/s | tokens/s | TTFT p50 ms | TTFT p90 ms | TBT p50 ms | E2E p50 ms |\n");
        sb.append("|---|---|---|---|---|---|---|---|\n");
        Map<String, List<double[]>> bySystem = new LinkedHashMap<>();
        for (ExperimentResults.Row row : results.rows(s)) {
            double rate = ((Number) row.configuration().get("qps")).doubleValue();
            for (String role : s.roles()) {
                String sys = text(row.setup().roles().get(role).get("system"));
                Run res = new Run(sys, row.role(role));
                sb.append("| ").append(f1(rate)).append(" | ").append(sys).append(" | ").append(f2(res.get(ResultSchema.REQUESTS_PER_S))).append(" | ")
                        .append(f1(res.throughputTokensPerS())).append(" | ").append(f1(res.get(ResultSchema.Latency.TTFT.column("p50")))).append(" | ")
                        .append(f1(res.get(ResultSchema.Latency.TTFT.column("p90")))).append(" | ").append(f2(res.get(ResultSchema.Latency.TBT.column("p50"))))
                        .append(" | ").append(f1(res.get(ResultSchema.Latency.E2E.column("p50")))).append(" |\n");
                bySystem.computeIfAbsent(sys, k -> new ArrayList<>())
                        .add(new double[] {rate, res.get(ResultSchema.Latency.TTFT.column("p50")), res.get(ResultSchema.REQUESTS_PER_S)});
            }
        }
        sb.append('\n');
        for (Map.Entry<String, List<double[]>> e : bySystem.entrySet()) {
            List<double[]> l = e.getValue();
            double base = l.get(0)[1];
            String sat = "above " + f1(l.get(l.size() - 1)[0]);
            double lastOk = l.get(0)[0];
            for (double[] x : l) {
                if (x[1] > SATURATION_FACTOR * base) {
                    sat = "between " + f1(lastOk) + " and " + f1(x[0]);
                    break;
                }
                lastOk = x[0];
            }
            sb.append("- ").append(e.getKey()).append(": saturates ").append(sat).append(" requests/s").append('\n');
        }
        return sb;
    }

    /** Saturated: median time to first token more than this many times its value at the lowest rate (queueing took over). */
    static final double SATURATION_FACTOR = 3.0;

    // ---- the document ----

    private String document(List<Point> points, List<Point> bank, StringBuilder util, StringBuilder breakdown, StringBuilder serving) {
        StringBuilder d = new StringBuilder();
        d.append("# Duplex (MICRO 2024) reproduced with moesim\n\n");
        d.append("Regenerate with (from the repository root; bin/moesim builds the CLI first if needed):\n\n```\nbin/moesim reproduce duplex")
                .append(quick ? " --quick" : "").append(" -o docs/duplex-reproduction.md\n```\n\n");
        d.append(quick ? "This `--quick` subset" : "The full run")
                .append(" makes ").append(results.runs()).append(" serving simulations plus the single-iteration analyses; ")
                .append(RUNTIME_NOTE).append("\n\n");
        d.append(SETUP_TEXT);

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
        d.append(String.format(Locale.ROOT, UTIL_TEXT, figure("util_moe").paper(), figure("util_attention").paper())).append('\n').append(util);

        d.append("\n## 4. Serving saturation\n\n").append(serving);
        d.append("\nSaturation here: the lowest offered rate at which the median time to first token exceeds ")
                .append(f1(SATURATION_FACTOR)).append("x its value at the lowest rate (requests queue for admission). ")
                .append("Paper: the GPU system saturates ").append(figure("saturation_gpu").paper()).append(" requests/s, Duplex at ")
                .append(figure("saturation_duplex").paper()).append(".\n");

        d.append("\n## 5. Where the time goes (one decode iteration)\n").append(breakdown);
        d.append("\n## 6. Gaps and their reasons\n\n").append(GAPS_TEXT);
        return d.toString();
    }

    static final String RUNTIME_NOTE = "measured on a 2-core machine with a cold kernel cache and nothing else running, it took 40 s of wall "
            + "time (78 CPU s, 2.3 GB peak RSS: the sweep engine runs two simulations at once), and several minutes while other builds "
            + "shared the machine (wall times are printed to stdout, not written here).";

    static final String SETUP_TEXT = """
            ## Setup

            - Models and systems as in the paper: Mixtral-8x7B, OPT-66B and Llama-3-70B on 1 node x 4 devices (`duplex-x4` vs `h100x4`),
              GLaM on 1 x 8 (`duplex-x8` vs `h100x8`), Grok-1 on 2 x 8 (`duplex-2x8` vs `h100x16`, two nodes of 8 joined by 400 Gb/s InfiniBand):
              one H100 per Duplex device.
            - Parallelism: the whole system is one tensor-parallel group for attention and MoE layers (as `moesim demo`).
            - fp16 throughout (the presets are bf16; the serving request's `dtype` is set to fp16, which changes nothing in time on
              these targets since fp16 and bf16 have the same peak, but it is what the paper states).
            - Request lengths Gaussian around the nominal (L_in, L_out), sigma 10% of the nominal, seed 0; uniform expert routing.
            - Closed loop: `batch` requests in flight, one wave (`batch` requests in all), continuous batching with chunked prefill
              (token budget 2048 per iteration), so the first iterations are prefill and the last ones drain the batch.
            - Framework profile: `ideal` on both sides (the kernels alone, no serving framework's per-call costs), as the paper
              compares; the H100 as TensorRT-LLM runs it is `--framework trtllm` (docs/validation.md).
            - Cost model: moesim's cycle-level kernel model (`KernelCostModel`), one instance shared by every run so each op shape is
              simulated once. Co-processing (`placement coproc`) decides expert and attention co-processing per iteration from the
              routed token counts; `opb` puts each op on the processor with the lowest predicted time.
            - Subset of the paper's grid (to keep the run short on 2 cores): Mixtral at (256, 256), (1024, 1024) and
              (4096, 4096); GLaM at (512, 512) and (2048, 2048); Grok-1, OPT-66B and Llama-3-70B at (1024, 1024); every model at
              batch 32, 64 and 128.
            """;

    static final String UTIL_TEXT = """
            Mixtral-8x7B on `h100x4`, one decode iteration (fp16), compiled and executed at the system level. For each part of a
            layer: utilisation = sum of the FLOPs of its compute tasks / (sum of their simulated durations x the H100's dense fp16
            peak, 989.4 TFLOP/s), over all four devices; the last column divides all FLOPs by the iteration's makespan (all-reduces
            and idle time included) x 4 peaks. Paper: %s for MoE layers, %s for attention.
            """;

    static final String GAPS_TEXT = """
            Each reason below was checked against the per-iteration breakdowns of section 5 and the tables above; where a figure
            cannot be pinned down it says so.

            1. **The Duplex/H100 ratio falls with batch on MoE models.** At batch 128 with top-2 of 8 experts each expert sees
               about 32 tokens per iteration, an Op/B near 32: far above Logic-PIM's 8 Op/B ridge, so its 107 TFLOP/s per device
               is the limit and the xPU, at 3.35 TB/s, is about as fast. Section 5 shows it: at batch 32 Mixtral's MoE takes
               8.1 ms per iteration on the H100 and about 2 ms on Duplex (4x), at batch 128 8.3 ms against 5.0 ms of PIM work
               overlapping 3.9 ms of xPU work. The paper's best figure (2.67x) is at small batch, where moesim agrees; its
               average keeps more weight on small-batch and long-context points than this subset does.
            2. **Dense models (OPT-66B, Llama-3-70B) gain little.** Their FC layers are high-Op/B at any batch above about 8 and
               stay on the xPU, which is an H100: same time on both systems. Only the decode attention core moves to Logic-PIM,
               and at (1024, 1024) it is a minor share of the iteration (section 5), so the ratio stays well under 2x. It rises
               with the context length (more KV bytes per token); the paper's grid reaches (4096, 4096) for these models, this
               subset runs them at (1024, 1024) only, so their averages here are a lower bound of the paper's setting.
            3. **Co-processing gains more than the paper's 1.04x at large batch, nothing at small batch or on dense models.**
               moesim's system level runs the xPU and Logic-PIM of one device concurrently without charging them for sharing the
               DRAM (PlanExecutor: "Duplex gives them disjoint bank-bundle sections"). But Logic-PIM's 4x bandwidth comes from
               reading all four bank bundles of every pseudo-channel, so an xPU stream reading its experts' section at the same
               time takes bank time away from the PIM side; the paper's lower gain is consistent with that contention. moesim's
               co-processing gain is therefore an upper bound when both sides are memory-bound. Where the xPU side is idle (small
               batch: all experts are cheaper on PIM) or there are no experts (dense models: decode attention is on PIM under
               both policies) the gain is 1.00x, as expected. On GLaM at batch 32 co-processing is *slower* (0.84x): with 64
               experts and about one token each, the paper's greedy (move the expert with the fewest tokens to PIM while the
               finishing time improves) stops at a local optimum with many experts left on the xPU, while `opb` puts the whole
               expert op on Logic-PIM. That is the policy as the paper describes it; a search over split points would avoid it.
            4. **Energy savings exceed the paper's.** moesim's energy is DRAM access (3.9 pJ/bit, PIM accesses at 60% of that:
               a moesim estimate), SRAM and arithmetic per operation, link energy per byte, and a static power of 25% of a 700 W
               board for the whole simulated time (moesim estimate). The static part dominates (see the component table), so the
               saving tracks the throughput ratio: a 2.7x faster run saves about half the static energy. The paper's device
               power breakdown is not published in enough detail to calibrate these constants; the gap is an uncertainty of
               moesim's energy constants, not of its timing.
            5. **Bank-PIM agrees on average, less so at best.** The `bank-pim` target is a moesim assumption built
               from the paper's description (16x external bandwidth at 1 Op/B, the unit width and clock chosen to hit 1 Op/B).
               It runs with the same co-processing policy as Duplex, so experts whose Op/B exceeds 1 go to the xPU and the
               comparison is between the two PIM designs only where PIM wins. Whether the paper's Bank-PIM baseline co-processes
               is not stated; without it Bank-PIM would be slower on GQA attention (Op/B = the group size, 4) and on multi-token
               experts. On OPT-66B (MHA, decode attention at Op/B about 1) Bank-PIM's higher bandwidth wins, as in the paper.
            6. **GPU utilisation.** The MoE figure agrees with the paper's "under 11%". For attention moesim gives about 1% for
               the attention core: with GQA (4 query heads per KV head) decode attention has Op/B of about 4, so even at full
               HBM bandwidth it cannot exceed 4 / 295 (the H100's fp16 ridge) = 1.4%. The paper's 2.06% must count something
               more (projections, or a different peak); which, it does not say.
            7. **Serving saturation.** The GPU side agrees (moesim: between 10 and 12 requests/s, paper about 9); Duplex does not
               saturate within the paper's 4-16 requests/s range in moesim (paper about 14). moesim forms each iteration from prefill chunks and decodes together (continuous batching
               with a 2048-token budget), so prefill work never stalls all decodes; the paper's simulator alternates prefill and
               decode stages (reference/duplex.md, its known weak points), which lengthens the GPU's time between tokens under
               (4096, 512) traffic and makes it saturate earlier. A finite run (arrivals over a few tens of seconds) also bends
               the served rate below the offered one at every rate; the TTFT criterion is used for that reason.
            8. **Grok-1 on 2 x 8.** Its 8 KV heads do not divide over 16 devices, so it runs tensor-parallel over the 8 devices of
               a node and one pipeline stage per node, without micro-batching: each node idles while the other works, on both
               systems alike. Absolute throughput is about half of a layout that keeps both nodes busy; the ratio is affected
               only through the inter-node transfer, the same on both. The paper does not give its Grok-1 layout.
            9. **fp16.** The serving requests ask for fp16; on these targets fp16 and bf16 have the same peak and size, so it
               changes no time.
            """;

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

    private static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    private static String x(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2fx", v);
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    private static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String f2(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }

    private static String f4(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    private static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
