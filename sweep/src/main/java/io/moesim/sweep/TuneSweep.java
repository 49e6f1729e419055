package io.moesim.sweep;

import io.moesim.ir.model.ModelZoo;
import io.moesim.sim.RunSpec;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.kernel.KernelSimulator;
import io.moesim.sim.kernel.KernelStore;
import io.moesim.sim.serving.IterationModel;
import io.moesim.sim.serving.LengthSpec;
import io.moesim.sim.tune.DeploymentSearch;
import io.moesim.sim.tune.DeploymentSearch.Candidate;
import io.moesim.sim.tune.DeploymentSearch.Confirmed;
import io.moesim.sim.tune.DeploymentSearch.Estimate;
import io.moesim.sim.tune.DeploymentSearch.Layout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code moesim tune}'s confirmation stage on the sweep engine: each finalist is one point (its candidate
 * and estimate as axis values), evaluated by {@link DeploymentSearch#confirm}, stored in the result store
 * (so a killed search resumes: the estimates are deterministic, so are the points and their ids), local or
 * on Spark. The search's settings are the spec's base ({@link #base}); an executor rebuilds them from it
 * ({@link #options}), so the evaluator factory carries nothing.
 */
public final class TuneSweep {
    private TuneSweep() {
    }

    // Metric names of a confirmation row (a stored point's keys: a contract with stored sweeps)
    private static final String QPS = "qps";
    private static final String TTFT_P90 = "ttft_p90_ms";
    private static final String TPOT_P90 = "tpot_p90_ms";
    private static final String MEAN_OUTPUT = "mean_output_tokens";
    private static final String STEP_BATCH = "step_batch_per_rank";
    static final List<String> METRICS = List.of(QPS, TTFT_P90, TPOT_P90, MEAN_OUTPUT, STEP_BATCH);

    /**
     * The search's settings as a spec base: what {@link #options} reads back.
     *
     * @param framework null for each device's default profile
     */
    public static Map<String, Object> base(String model, List<String> devices, int budget, List<Integer> maxBatches, List<String> dtypes, int in,
            int out, String lengths, int requests, double ttftMs, double tpotMs, int finalists, String costModel, String framework,
            String iterationModel, long seed) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("devices", String.join(",", devices));
        m.put("budget", (long) budget);
        m.put("max_batches", String.join(",", maxBatches.stream().map(String::valueOf).toList()));
        m.put("dtypes", String.join(",", dtypes.stream().map(d -> d == null ? "" : d).toList()));
        m.put("in", (long) in);
        m.put("out", (long) out);
        m.put("lengths", lengths);
        m.put("requests", (long) requests);
        m.put("ttft_ms", ttftMs);
        m.put("tpot_ms", tpotMs);
        m.put("finalists", (long) finalists);
        m.put("cost_model", costModel.toLowerCase(Locale.ROOT));
        m.put("framework", framework == null ? "" : framework);
        m.put("iteration_model", iterationModel.toLowerCase(Locale.ROOT));
        m.put("seed", seed);
        return m;
    }

    /** The search's options from a spec base: the same request whichever process builds it. */
    public static DeploymentSearch.Options options(Map<String, Object> b) {
        String model = str(b, "model");
        ModelZoo.resolve(model);
        LengthSpec.parse(str(b, "lengths"));
        String fw = str(b, "framework");
        RunSpec.CostModelKind kind = RunSpec.CostModelKind.valueOf(str(b, "cost_model").toUpperCase(Locale.ROOT));
        List<String> devices = List.of(str(b, "devices").split(","));
        RunSpec run = RunSpec.builder(model, devices.get(0) + "x1").costModel(kind).framework(fw.isEmpty() ? null : fw).build();
        io.moesim.compiler.cost.CostModel cost = run.costModel(new KernelSimulator(KernelStore.processDefault().orElse(null)));
        List<String> dtypes = new ArrayList<>();
        for (String d : str(b, "dtypes").split(",", -1)) {
            dtypes.add(d.isEmpty() ? null : d);
        }
        SimulationRequest req = SimulationRequest.builder(model, devices.get(0) + "x1").qps(1).requests(num(b, "requests").intValue())
                .lengths(num(b, "in").intValue(), num(b, "out").intValue()).lengths(str(b, "lengths")).dtype(dtypes.get(0)).costModel(cost)
                .seed(num(b, "seed").longValue())
                .iterationModel(IterationModel.Kind.valueOf(str(b, "iteration_model").toUpperCase(Locale.ROOT))).build();
        List<Integer> mbs = new ArrayList<>();
        for (String s : str(b, "max_batches").split(",")) {
            mbs.add(Integer.parseInt(s));
        }
        String extra = "--cost-model " + str(b, "cost_model") + (fw.isEmpty() ? "" : " --framework " + fw);
        return new DeploymentSearch.Options(req, devices, num(b, "budget").intValue(), mbs, num(b, "ttft_ms").doubleValue(),
                num(b, "tpot_ms").doubleValue(), num(b, "finalists").intValue(), extra, dtypes);
    }

    private static String str(Map<String, Object> b, String k) {
        Object v = b.get(k);
        if (v == null) {
            throw new SweepException("tune: the spec's base lacks " + k);
        }
        return v.toString();
    }

    private static Number num(Map<String, Object> b, String k) {
        Object v = b.get(k);
        if (v instanceof Number n) {
            return n;
        }
        throw new SweepException("tune: the spec's base key " + k + " must be a number, got " + v);
    }

    /** A finalist as a point's axis values. */
    static Map<String, Object> axes(Estimate e) {
        Candidate c = e.candidate();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("disaggregated", c.disaggregated());
        m.put("prefill_system", c.prefillSystem());
        m.put("prefill_layout", c.prefillLayout().describe());
        m.put("prefill_instances", (long) c.prefillInstances());
        m.put("decode_system", c.decodeSystem());
        m.put("decode_layout", c.disaggregated() ? c.decodeLayout().describe() : "");
        m.put("decode_instances", (long) c.decodeInstances());
        m.put("max_batch", (long) c.maxBatch());
        m.put("devices", (long) c.devices());
        m.put("dtype", c.dtype() == null ? "" : c.dtype());
        m.put("est_qps", e.maxQps());
        m.put("est_ttft_ms", e.ttftMs());
        m.put("est_tpot_ms", e.tpotMs());
        m.put("est_tokens_per_s_per_device", e.tokensPerSPerDevice());
        m.put("est_decode_batch", e.decodeBatch());
        return m;
    }

    /** The finalist a point's axis values describe. */
    static Estimate estimate(Map<String, Object> a) {
        boolean dis = (Boolean) a.get("disaggregated");
        String dt = a.get("dtype").toString();
        Candidate c = new Candidate(dis, a.get("prefill_system").toString(), ((Number) a.get("prefill_instances")).intValue(),
                a.get("decode_system").toString(), ((Number) a.get("decode_instances")).intValue(), ((Number) a.get("max_batch")).intValue(),
                ((Number) a.get("devices")).intValue(), Layout.parse(a.get("prefill_layout").toString()),
                dis ? Layout.parse(a.get("decode_layout").toString()) : null, dt.isEmpty() ? null : dt);
        return new Estimate(c, d(a, "est_qps"), d(a, "est_ttft_ms"), d(a, "est_tpot_ms"), d(a, "est_tokens_per_s_per_device"),
                d(a, "est_decode_batch"));
    }

    private static double d(Map<String, Object> a, String k) {
        return ((Number) a.get(k)).doubleValue();
    }

    /** Evaluates confirmation points: {@link DeploymentSearch#confirm} on the finalist, its figures as metrics. */
    public static final class Factory implements EvaluatorFactory {
        private static final long serialVersionUID = 1L;

        @Override
        public PointEvaluator create(SweepSpec spec) {
            DeploymentSearch.Options o = options(spec.base());
            return axes -> {
                Confirmed c = DeploymentSearch.confirm(estimate(axes), o);
                Map<String, Double> m = new LinkedHashMap<>();
                m.put(QPS, c.qps());
                m.put(TTFT_P90, c.ttftP90Ms());
                m.put(TPOT_P90, c.tpotP90Ms());
                m.put(MEAN_OUTPUT, c.meanOutputTokens());
                m.put(STEP_BATCH, 0.0); // kept for the stored rows' schema: no finalist is confirmed step by step any more
                return m;
            };
        }
    }

    /**
     * A confirmer that runs each batch of finalists as a sweep (named {@code tune-confirm-N}, N the batch) stored
     * under {@code out}, on {@code engine} ({@link SweepRequest} with this factory).
     */
    public static DeploymentSearch.Confirmer confirmer(Map<String, Object> base, SweepRequest engine, SweepProgress.Listener listener) {
        int[] round = {0};
        return (finalists, o) -> {
            List<Map<String, Object>> points = new ArrayList<>();
            for (Estimate e : finalists) {
                points.add(axes(e));
            }
            String name = "tune-confirm-" + (++round[0]);
            SweepSpec spec = new SweepSpec(name, name, base, Map.of(), points, METRICS);
            Path out = engine.out().resolve(name);
            SweepRequest req = new SweepRequest(null, out, engine.engine(), engine.master(), engine.parallelism(), new Factory(), engine.sparkConf());
            Sweeps.run(spec, req, listener);
            List<Confirmed> res = new ArrayList<>();
            try (ResultStore store = ResultStore.open(out, spec, points.size())) {
                Map<Integer, PointResult> rows = store.readAll(PointSet.expand(spec));
                for (int i = 0; i < finalists.size(); i++) {
                    PointResult r = rows.get(i);
                    if (r == null || r.failed()) {
                        throw new SweepException("tune: finalist " + finalists.get(i).candidate().describe() + " failed: "
                                + (r == null ? "no result" : r.error()));
                    }
                    Map<String, Double> m = r.metrics();
                    res.add(DeploymentSearch.confirmed(finalists.get(i), o, m.get(QPS), m.get(TTFT_P90), m.get(TPOT_P90),
                            m.get(MEAN_OUTPUT)));
                }
            }
            return res;
        };
    }
}
