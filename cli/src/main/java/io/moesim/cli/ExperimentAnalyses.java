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
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.op.Attention;
import io.moesim.sim.Parsed;
import io.moesim.sim.RunSpec;
import io.moesim.sim.system.ExecutionResult;
import io.moesim.sweep.ExperimentResults;
import io.moesim.sweep.ExperimentSpec;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The analyses an experiment file names ({@code analyses:}, by kind), run in-process after its runs:
 * <ul>
 * <li>{@code decode_utilisation}: the GPU utilisation of one decode iteration per part of a layer ({@code model}, {@code system},
 * {@code placement}, {@code batches}, {@code kv_lengths});</li>
 * <li>{@code decode_breakdown}: where one decode iteration's time goes on device 0, on the GPU and on Duplex with and without
 * co-processing ({@code cases}: mappings of {@code model}, {@code gpu}, {@code duplex}, {@code batch}, {@code kv_len}, optionally
 * {@code tp} and {@code pp});</li>
 * <li>{@code serving_saturation}: per system of a serving study, the lowest offered rate ({@code rate}, default {@code qps}) at
 * which {@code metric} exceeds {@code factor} times its value at the lowest rate.</li>
 * </ul>
 * The decode analyses are single iterations compiled and executed at the system level (not serving runs), in the
 * serving dtype of the analysis ({@code dtype}) or else of the experiment's base, under the default cost model.
 * {@code moesim experiment} writes them all; {@code moesim reproduce} places them in its document.
 */
final class ExperimentAnalyses {
    static final String UTILISATION = "decode_utilisation";
    static final String BREAKDOWN = "decode_breakdown";
    static final String SATURATION = "serving_saturation";
    static final List<String> KINDS = List.of(UTILISATION, BREAKDOWN, SATURATION);

    private final ExperimentSpec exp;
    private final ExperimentResults results;
    private final PrintWriter err;
    private final CostModel cost = KernelStores.costModel();
    private final Map<String, SystemSpec> systems = new HashMap<>();

    /** Analyses of {@code exp} on its {@code results}; each single iteration's time goes to {@code err}. */
    ExperimentAnalyses(ExperimentSpec exp, ExperimentResults results, PrintWriter err) {
        this.exp = exp;
        this.results = results;
        this.err = err;
    }

    /** Checks, before any run, that every analysis is of a known kind and a saturation names a study of the file. */
    static void check(ExperimentSpec exp) {
        for (ExperimentSpec.Analysis a : exp.analyses()) {
            if (!KINDS.contains(a.kind())) {
                throw new MoesimException(exp.file() + ": analyses." + a.name() + ".kind: unknown kind '" + a.kind() + "' (known: "
                        + String.join(", ", KINDS) + ")");
            }
            if (a.kind().equals(SATURATION) && exp.study(text(a.params().get("study"))) == null) {
                throw new MoesimException(exp.file() + ": analyses." + a.name() + ".study: no study named '" + a.params().get("study") + "'");
            }
        }
    }

    /** The analysis named {@code name}, of kind {@code kind}. */
    ExperimentSpec.Analysis analysis(String name, String kind) {
        ExperimentSpec.Analysis a = exp.analysis(name);
        if (a == null || !a.kind().equals(kind)) {
            throw new MoesimException(exp.file() + ": analyses: needs one named " + name + " of kind " + kind);
        }
        return a;
    }

    /** Every analysis of the file in its order, as Markdown: a heading per analysis, then its table or lines. */
    String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# ").append(exp.title()).append(": analyses\n");
        for (ExperimentSpec.Analysis a : exp.analyses()) {
            sb.append("\n## ").append(a.name()).append(" (").append(a.kind()).append(")\n\n");
            switch (a.kind()) {
                case UTILISATION -> sb.append(utilisation(a));
                case BREAKDOWN -> sb.append(breakdown(a));
                case SATURATION -> sb.append(saturation(a));
                default -> throw new MoesimException(exp.file() + ": analyses." + a.name() + ".kind: unknown kind '" + a.kind() + "'");
            }
        }
        return sb.toString();
    }

    // ---- single decode iterations ----

    private SystemSpec system(String id) {
        return systems.computeIfAbsent(id, Systems::load);
    }

    /** The analysis's dtype, else the experiment base's, else null (the model's). */
    private DType dtype(ExperimentSpec.Analysis a) {
        Object v = a.params().containsKey("dtype") ? a.params().get("dtype") : exp.base().get("dtype");
        return v == null ? null : Parsed.dtype(text(v), "analyses." + a.name() + ".dtype");
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

    private ExecutionResult decodeIteration(String model, String systemId, Placement p, int batch, long kv, DType dtype, Map<String, Object> params) {
        GraphRequest g = GraphRequest.decode(ModelZoo.get(model), batch, kv);
        return ReportSupport.decodeIteration(dtype == null ? g : g.withDtype(dtype), system(systemId), options(systemId, p, params), cost);
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
     * tasks / (Σ of their simulated durations × the GPU's dense peak in the dtype), over all devices.
     */
    StringBuilder utilisation(ExperimentSpec.Analysis an) {
        String model = text(an.params().get("model"));
        String sys = text(an.params().get("system"));
        Placement placement = RunSpec.option(Placement.class, text(an.params().get("placement")), "analyses." + an.name() + ".placement");
        DType dtype = dtype(an);
        DType peakDtype = dtype != null ? dtype : ModelZoo.get(model).weightDtype();
        double peak = DerivedFigures.peakTflops(system(sys).device().primary(), peakDtype).orElseThrow() * 1e12;
        List<String> parts = List.of("attention core", "attention projections", "MoE (router + experts)");
        StringBuilder sb = new StringBuilder();
        sb.append("| batch | KV length | ");
        for (String p : parts) {
            sb.append(p).append(" | ");
        }
        sb.append("whole iteration (incl. all-reduce) |\n|---|---|");
        sb.append("---|".repeat(parts.size() + 1)).append('\n');
        for (Object bo : list(an, "batches")) {
            int b = whole(bo);
            for (Object kvo : list(an, "kv_lengths")) {
                long kv = ((Number) kvo).longValue();
                long t = System.nanoTime();
                ExecutionResult r = decodeIteration(model, sys, placement, b, kv, dtype, an.params());
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
    StringBuilder breakdown(ExperimentSpec.Analysis an) {
        StringBuilder sb = new StringBuilder();
        DType dtype = dtype(an);
        for (Object co : list(an, "cases")) {
            if (!(co instanceof Map<?, ?>)) {
                throw new MoesimException("analyses." + an.name() + ".cases: expected mappings of model, gpu, duplex, batch, kv_len");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> cm = (Map<String, Object>) co;
            String model = text(cm.get("model"));
            String gpu = text(cm.get("gpu"));
            String duplex = text(cm.get("duplex"));
            int b = whole(cm.get("batch"));
            long kv = ((Number) cm.get("kv_len")).longValue();
            sb.append("\n**").append(model).append(", decode, batch ").append(b).append(", KV length ").append(kv)
                    .append("** (busy ms on device 0 per iteration; the iteration time is the makespan, shorter than the sum where work overlaps)\n\n");
            sb.append("| part | processor | ").append(gpu).append(" | ").append(duplex).append(" coproc | ").append(duplex).append(" opb |\n");
            sb.append("|---|---|---|---|---|\n");
            List<Map<String, Double>> cols = new ArrayList<>();
            List<Double> spans = new ArrayList<>();
            String[][] runsOf = {{gpu, "OPB"}, {duplex, "COPROC"}, {duplex, "OPB"}};
            for (String[] ro : runsOf) {
                long t = System.nanoTime();
                ExecutionResult r = decodeIteration(model, ro[0], Placement.valueOf(ro[1]), b, kv, dtype, cm);
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

    // ---- on the stored runs ----

    /** The saturation factor of a {@code serving_saturation} analysis. */
    static double factor(ExperimentSpec.Analysis an) {
        return number(an, "factor");
    }

    /**
     * Per system of the study (in the order its rows name them), a line: "- SYSTEM: saturates between A and B requests/s"
     * (B the lowest offered rate whose {@code metric} exceeds {@code factor} x its value at the lowest rate, A the rate before),
     * or "above R" where no rate does.
     */
    StringBuilder saturation(ExperimentSpec.Analysis an) {
        ExperimentSpec.Study s = exp.study(text(an.params().get("study")));
        String metric = text(an.params().get("metric"));
        String rateKey = an.params().containsKey("rate") ? text(an.params().get("rate")) : "qps";
        double factor = factor(an);
        Map<String, List<double[]>> bySystem = new LinkedHashMap<>();
        for (ExperimentResults.Row row : results.rows(s)) {
            double rate = ((Number) row.configuration().get(rateKey)).doubleValue();
            for (String role : s.roles()) {
                String sys = text(row.setup().roles().get(role).get("system"));
                Double v = row.role(role).get(metric);
                if (v == null) {
                    throw new MoesimException(exp.file() + ": analyses." + an.name() + ".metric: the runs have no metric '" + metric + "'");
                }
                bySystem.computeIfAbsent(sys, k -> new ArrayList<>()).add(new double[] {rate, v});
            }
        }
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, List<double[]>> e : bySystem.entrySet()) {
            List<double[]> l = e.getValue();
            double base = l.get(0)[1];
            String sat = "above " + f1(l.get(l.size() - 1)[0]);
            double lastOk = l.get(0)[0];
            for (double[] x : l) {
                if (x[1] > factor * base) {
                    sat = "between " + f1(lastOk) + " and " + f1(x[0]);
                    break;
                }
                lastOk = x[0];
            }
            sb.append("- ").append(e.getKey()).append(": saturates ").append(sat).append(" requests/s").append('\n');
        }
        return sb;
    }

    // ---- parameters and formatting ----

    static String text(Object v) {
        return String.valueOf(v);
    }

    static int whole(Object v) {
        return ((Number) v).intValue();
    }

    private static double number(ExperimentSpec.Analysis a, String key) {
        if (a.params().get(key) instanceof Number n) {
            return n.doubleValue();
        }
        throw new MoesimException("analyses." + a.name() + "." + key + ": expected a number");
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(ExperimentSpec.Analysis a, String key) {
        Object v = a.params().get(key);
        if (!(v instanceof List<?>)) {
            throw new MoesimException("analyses." + a.name() + "." + key + ": expected a list");
        }
        return (List<Object>) v;
    }

    static double secs(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }

    static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
    }

    static String f1(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
