package io.moesim.validation.database;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.Targets;
import io.moesim.validation.compare.Comparison;
import io.moesim.validation.compare.ComparisonRow;
import io.moesim.validation.compare.KernelPredictor;
import io.moesim.validation.compare.Predictor;
import io.moesim.validation.compare.Prediction;
import io.moesim.validation.trace.Measurement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * The out-of-sample protocol on the kernel database, its rules fixed in code before any result was
 * looked at:
 * <ol>
 *   <li><b>h100-heldback</b>: each framework's profile is fitted on its H100 calibration rows
 *       ({@link DbSplit}); its H100 test rows are reported.</li>
 *   <li><b>h200-from-h100</b>: the same H100 fits on H200's datasheet target ({@code h200}): its test rows
 *       (no H200 row is read by any fit).</li>
 *   <li><b>leave-framework-out</b>: each framework's test rows (H100 and H200) predicted with a profile
 *       fitted on the other two frameworks' H100 calibration rows.</li>
 *   <li><b>published</b>: {@code traces/published} on the same fit (the TensorRT-LLM profile's kernel figures,
 *       {@link FrameworkProfile#kernelsOnly}, on H100/H200 rows' single-kernel ops: those rows are plain timing
 *       loops, not a framework; H100/H200 collectives by the profile's collective library, which nccl-tests times
 *       alone; copies and MI300X rows as before), except prefill rows of FlashAttention-3's own benchmark
 *       ({@link #runsFlashAttention3}), the kernel vLLM and SGLang run and TensorRT-LLM does not: those on the
 *       kernel figures of the fit pooled over vLLM and SGLang (the leave-TensorRT-LLM-out fit).</li>
 *   <li><b>measured</b>: {@code traces/measured} (kernels timed on a lent H200 by
 *       {@code validation/src/main/python/measure_torch_ops.py}), rows timed as kernels, on the same fit.</li>
 * </ol>
 * NCCL rows (nccl-tests: no framework ran them) are reported in 1 and 2 with NCCL's figures ({@link NcclFit}) fitted on
 * their own H100 calibration rows; every framework fit calls that library for its other collectives. Every figure is also given for the {@code ideal} profile (the kernel model alone) on the
 * same rows.
 */
public final class DbProtocol {
    public static final List<String> FRAMEWORKS = List.of("trtllm", "vllm", "sglang");

    /** The scenario of the H100 test rows, each framework on its own H100 fit. */
    public static final String H100_HELDBACK = "h100-heldback";

    /** The scenario of the H200 test rows on the same H100 fits (leave one GPU out). */
    public static final String H200_FROM_H100 = "h200-from-h100";

    /** The measured time from which an op takes time rather than being launch-bound, us: the bar of the ">= 20 us" figures. */
    public static final double LARGE_OP_US = 20;
    static final Map<String, String> NAMES = Map.of("trtllm", "TensorRT-LLM 1.3.0rc20", "vllm", "vLLM 0.24.0", "sglang", "SGLang 0.5.9");

    private DbProtocol() {
    }

    /** Error figures of one kind in one scenario. */
    public record Stats(String kind, int rows, double mapePct, double signedPct, int rows20, double mape20Pct, double signed20Pct, double idealMapePct,
            double idealMape20Pct) {
    }

    /** A scenario's figures, and the rows it scored (what its figures are computed from). */
    public record Scenario(String name, String description, List<Stats> byKind, Map<String, List<Stats>> byFramework, List<Scored> rows) {
    }

    /**
     * One row as a scenario scored it ({@code validate --database --residuals}): what it is, what was measured, what the
     * scenario's profile and the kernel model alone ({@code ideal}) predict, and for a database row the kernel model's
     * pieces and the profile they were timed under (written out only with the residuals, {@link DbReports#pieces}).
     *
     * @param framework the row's framework ({@code -} for a trace row)
     * @param gpu       the row's GPU (a trace row: its target)
     * @param split     CALIBRATION or TEST ({@code -} for a trace row)
     * @param pieces    the kernel model's pieces of the row (null for a trace row or a row it has none for)
     * @param profile   the profile {@code predictedUs} is under (null for a trace row)
     */
    public record Scored(String scenario, String framework, String gpu, String split, String kind, String op, double measuredUs, double predictedUs,
            double idealUs, List<DbModel.Piece> pieces, FrameworkProfile profile) {
        /** (predicted - measured) / measured. */
        public double error() {
            return (predictedUs - measuredUs) / measuredUs;
        }

        /** The same, %. */
        public double errorPct() {
            return error() * 100;
        }
    }

    /**
     * The protocol's result.
     *
     * @param calibration the calibration split's rows, each under its framework's own fit, in no scenario's figures (for
     *                    looking at residuals): H100's ({@link #IN_SAMPLE}, the rows the fits read), then H200's ({@link
     *                    #H200_CALIBRATION}: shapes the fits read on H100)
     */
    public record Report(String source, int rows, Map<String, DbFit.Result> fits, List<Scenario> scenarios, List<Scored> calibration) {
    }

    /** The label of the in-sample rows ({@link Report#calibration}). */
    public static final String IN_SAMPLE = "h100-calibration";

    /** The label of H200's calibration rows in {@link Report#calibration}: out of sample for the GPU, not for the shape. */
    public static final String H200_CALIBRATION = "h200-calibration";

    /** The rows a fit may read: calibration split, the given GPU, the given frameworks. The one place that decides it. */
    public static List<DbRow> fitRows(List<DbRow> all, String gpu, Set<String> frameworks) {
        return all.stream().filter(r -> r.split() == DbSplit.CALIBRATION && r.gpu().equals(gpu) && frameworks.contains(r.framework())).toList();
    }

    /** The fits the protocol makes: each framework on its own H100 calibration rows, and each left out. */
    public static Map<String, DbFit.Result> fits(List<DbRow> all, DbModel model) {
        Map<String, DbFit.Result> out = new LinkedHashMap<>();
        DbFit.Result nccl = ncclFit(all);
        out.put(NCCL, nccl);
        List<String> ids = new ArrayList<>(FRAMEWORKS);
        FRAMEWORKS.forEach(fw -> ids.add("without-" + fw));
        // the six fits read only their own rows and the model's memo (thread-safe): made side by side, kept in this order
        List<DbFit.Result> made = ids.parallelStream().map(id -> fit(id, all, model, nccl.profile().collectives())).toList();
        for (int i = 0; i < ids.size(); i++) {
            out.put(ids.get(i), made.get(i));
        }
        return out;
    }

    /** The nccl-tests rows' framework, and the id of the fit of NCCL's figures on them. */
    public static final String NCCL = "nccl";

    /** The NCCL release the database's collectives were measured with (traces/aiconfigurator/README.md). */
    static final String NCCL_NAME = "NCCL 2.29.2";

    /**
     * NCCL's figures ({@link NcclFit}) on the nccl-tests rows of the H100 calibration split, as a profile with no framework
     * figures that calls that library (the profile the nccl rows are predicted with); rows_per_class and
     * calibration_mape_pct under {@code collectives}.
     */
    public static DbFit.Result ncclFit(List<DbRow> all) {
        Optional<NcclFit.Result> f = NcclFit.fit(NCCL_NAME, fitRows(all, "h100", Set.of(NCCL)));
        FrameworkProfile p = FrameworkProfile.ideal().named(NCCL, NCCL_NAME + " (nccl-tests, no framework)").withCollectives(f.map(NcclFit.Result::model));
        return new DbFit.Result(p, f.map(x -> Map.of("collectives", x.rows())).orElse(Map.of()),
                f.map(x -> Map.of("collectives", x.calibrationMapePct())).orElse(Map.of()));
    }

    /**
     * One of the protocol's fits by its id: a framework's own ({@code trtllm}) or one that leaves a framework out ({@code without-trtllm}).
     * Every framework fit calls NCCL's fitted figures ({@link #ncclFit}: the frameworks hand their collectives, and their own
     * all-reduce's large messages, to NCCL).
     */
    public static DbFit.Result fit(String id, List<DbRow> all, DbModel model) {
        return fit(id, all, model, ncclFit(all).profile().collectives());
    }

    /** ... calling the NCCL figures already fitted on the same rows ({@link #fits} fits them once for all seven fits). */
    private static DbFit.Result fit(String id, List<DbRow> all, DbModel model, Optional<io.moesim.hw.NcclModel> nccl) {
        if (id.startsWith("without-")) {
            Set<String> others = new java.util.TreeSet<>(FRAMEWORKS);
            if (!others.remove(id.substring("without-".length()))) {
                throw new IllegalArgumentException("no such fit: " + id);
            }
            return DbFit.fit(id, "fit on " + String.join(" + ", others), fitRows(all, "h100", others), model, DbProtocol::device, nccl);
        }
        if (!FRAMEWORKS.contains(id)) {
            throw new IllegalArgumentException("no such fit: " + id);
        }
        return DbFit.fit(id, NAMES.get(id), fitRows(all, "h100", Set.of(id)), model, DbProtocol::device, nccl);
    }

    static DeviceSpec device(String gpu) {
        return Targets.load(gpu);
    }

    public static Report run(List<DbRow> all, String source, List<Measurement> published) {
        return run(all, source, published, List.of());
    }

    /**
     * The protocol, and as a fifth scenario the kernel-timed rows of {@code measured} (our own GPU
     * measurements, {@code traces/measured}) on the same fit as the published sets: no fit reads them.
     */
    public static Report run(List<DbRow> all, String source, List<Measurement> published, List<Measurement> measured) {
        DbModel model = new DbModel();
        return run(all, source, published, measured, model, fits(all, model));
    }

    /** The protocol on fits already made by {@link #fits} of the same rows (a caller that has them skips the fitting). */
    public static Report run(List<DbRow> all, String source, List<Measurement> published, List<Measurement> measured, DbModel model,
            Map<String, DbFit.Result> fits) {
        List<Scenario> sc = new ArrayList<>();
        sc.add(scenario(H100_HELDBACK, "H100 test split, each framework's profile fitted on its H100 calibration split", all, model,
                r -> r.gpu().equals("h100") && r.split() == DbSplit.TEST, r -> profile(fits, r.framework())));
        sc.add(scenario(H200_FROM_H100, "H200 test split on the h200 datasheet target with the H100 fits (no H200 row fitted)", all, model,
                r -> r.gpu().equals("h200") && r.split() == DbSplit.TEST, r -> profile(fits, r.framework())));
        sc.add(scenario("leave-framework-out", "each framework's H100 and H200 test rows with the profile fitted on the other two frameworks' H100 calibration rows",
                all, model, r -> r.split() == DbSplit.TEST && FRAMEWORKS.contains(r.framework()),
                r -> fits.get("without-" + r.framework()).profile()));
        FrameworkProfile kernels = fits.get("trtllm").profile().kernelsOnly();
        if (published != null && !published.isEmpty()) {
            // FlashAttention-3's own prefill rows on the figures of the frameworks that run it (vLLM, SGLang), pooled
            FrameworkProfile flash = fits.containsKey("without-trtllm") ? fits.get("without-trtllm").profile().kernelsOnly() : kernels;
            sc.add(traceScenario("published", "traces/published (every row): the TensorRT-LLM H100 fit's kernel figures (no framework call overhead or "
                    + "quantise kernel: these are plain timing loops) on H100/H200 single-kernel ops, FlashAttention-3's own prefill rows on the "
                    + "vLLM + SGLang fit's, vs the kernel model alone", published, kernels, flash, DbProtocol::publishedKind));
        }
        // only rows timed as kernels (no env.timing): a harness's own per-call cost is no figure of this fit
        List<Measurement> kernelTimed = measured == null ? List.of() : measured.stream().filter(m -> m.env().timing().isEmpty()).toList();
        if (!kernelTimed.isEmpty()) {
            sc.add(traceScenario("measured", "traces/measured, rows timed as kernels (CUDA-graph replay, no host cost): the same fit as "
                    + "published, vs the kernel model alone; no fit reads these rows", kernelTimed, kernels, kernels, DbProtocol::measuredKind));
        }
        List<Scored> calibration = new ArrayList<>();
        for (String gpu : List.of("h100", "h200")) {
            calibration.addAll(score(gpu.equals("h100") ? IN_SAMPLE : H200_CALIBRATION, all, model,
                    r -> r.gpu().equals(gpu) && r.split() == DbSplit.CALIBRATION && fits.containsKey(r.framework()), r -> profile(fits, r.framework())));
        }
        return new Report(source, all.size(), fits, sc, calibration);
    }

    private static FrameworkProfile profile(Map<String, DbFit.Result> fits, String fw) {
        DbFit.Result r = fits.get(fw);
        return r == null ? FrameworkProfile.ideal() : r.profile();
    }

    private static Scenario scenario(String name, String description, List<DbRow> all, DbModel model, Predicate<DbRow> select,
            java.util.function.Function<DbRow, FrameworkProfile> profileOf) {
        List<Scored> rows = score(name, all, model, select, profileOf);
        Map<String, List<double[]>> byKind = new TreeMap<>();
        Map<String, Map<String, List<double[]>>> byFw = new TreeMap<>();
        for (Scored x : rows) {
            double[] e = errors(x);
            byKind.computeIfAbsent(x.kind(), k -> new ArrayList<>()).add(e);
            byFw.computeIfAbsent(x.framework(), k -> new TreeMap<>()).computeIfAbsent(x.kind(), k -> new ArrayList<>()).add(e);
        }
        Map<String, List<Stats>> fw = new TreeMap<>();
        byFw.forEach((f, m) -> fw.put(f, stats(m)));
        return new Scenario(name, description, stats(byKind), fw, rows);
    }

    /** The selected rows, each predicted under its profile and under {@code ideal}; rows either cannot predict are left out. */
    private static List<Scored> score(String name, List<DbRow> all, DbModel model, Predicate<DbRow> select,
            java.util.function.Function<DbRow, FrameworkProfile> profileOf) {
        List<Scored> out = new ArrayList<>();
        for (DbRow r : all) {
            if (!select.test(r)) {
                continue;
            }
            DeviceSpec d = device(r.gpu());
            FrameworkProfile prof = profileOf.apply(r);
            double p = model.predictUs(r, d, prof);
            double i = model.predictUs(r, d, FrameworkProfile.ideal());
            if (!Double.isFinite(p) || !Double.isFinite(i)) {
                continue;
            }
            out.add(new Scored(name, r.framework(), r.gpu(), r.split().name(), r.kind(), r.op().text(), r.us(), p, i, model.pieces(r, d), prof));
        }
        return out;
    }

    /** A scored row's relative errors, the profile's and the kernel model's, and its measured time (us): what {@link #stats} reads. */
    private static double[] errors(Scored x) {
        return new double[] {x.error(), (x.idealUs() - x.measuredUs()) / x.measuredUs(), x.measuredUs()};
    }

    private static List<Stats> stats(Map<String, List<double[]>> m) {
        List<Stats> out = new ArrayList<>();
        List<double[]> every = new ArrayList<>();
        m.forEach((k, v) -> {
            out.add(stats(k, v));
            every.addAll(v);
        });
        out.add(stats("all", every));
        return out;
    }

    static Stats stats(String kind, List<double[]> e) {
        double a = 0;
        double s = 0;
        double ia = 0;
        double a20 = 0;
        double s20 = 0;
        double ia20 = 0;
        int n20 = 0;
        for (double[] x : e) {
            a += Math.abs(x[0]);
            s += x[0];
            ia += Math.abs(x[1]);
            if (x[2] >= LARGE_OP_US) {
                n20++;
                a20 += Math.abs(x[0]);
                s20 += x[0];
                ia20 += Math.abs(x[1]);
            }
        }
        int n = e.size();
        return new Stats(kind, n, pct(a, n), pct(s, n), n20, pct(a20, n20), pct(s20, n20), pct(ia, n), pct(ia20, n20));
    }

    private static double pct(double sum, int n) {
        return n == 0 ? Double.NaN : Math.round(sum / n * 1000) / 10.0;
    }

    /** The published scenario's kinds: the op kind, attention split by decode and prefill ({@link DbRow#attentionKind}). */
    private static String publishedKind(Measurement m) {
        return m.kind().equals("attention") ? DbRow.attentionKind(m.op()) : m.kind();
    }

    /** The measured scenario's kinds: as published, and matmul split by dtype (bf16 and fp8 GEMMs are different kernels). */
    private static String measuredKind(Measurement m) {
        return m.kind().equals("matmul") ? "matmul-" + (m.op().get("dtype", "bf16").startsWith("fp8") ? "fp8" : m.op().get("dtype", "bf16"))
                : publishedKind(m);
    }

    /**
     * Whether a trace row times FlashAttention-3's prefill (forward) kernel: a prefill-attention row whose source or note names
     * FlashAttention-3 (its paper's or repository's own benchmark). vLLM and SGLang run that kernel for prefill on Hopper;
     * TensorRT-LLM runs its own context kernel (fmha_v2), so TensorRT-LLM's prefill figures do not describe such a row.
     */
    static boolean runsFlashAttention3(Measurement m) {
        return m.kind().equals("attention") && DbRow.attentionKind(m.op()).equals("attention-prefill")
                && (m.source() + " " + m.note()).toLowerCase(java.util.Locale.ROOT).contains("flashattention-3");
    }

    private static Scenario traceScenario(String name, String description, List<Measurement> rows, FrameworkProfile trtllm, FrameworkProfile flash,
            java.util.function.Function<Measurement, String> kindOf) {
        KernelPredictor ideal = new KernelPredictor();
        KernelPredictor fitted = new KernelPredictor().withProfile(trtllm);
        KernelPredictor fittedFlash = new KernelPredictor().withProfile(flash);
        Predictor p = new Predictor() {
            @Override
            public Prediction predict(Measurement m, DeviceSpec device) {
                boolean nvidia = m.target().startsWith("h100") || m.target().startsWith("h200");
                return !nvidia ? ideal.predict(m, device) : runsFlashAttention3(m) ? fittedFlash.predict(m, device) : fitted.predict(m, device);
            }

            @Override
            public String name() {
                return "kernel+trtllm";
            }
        };
        List<ComparisonRow> a = Comparison.compare(rows, null, List.of(), p);
        List<ComparisonRow> b = Comparison.compare(rows, null, List.of(), ideal);
        List<Scored> scored = new ArrayList<>();
        Map<String, List<double[]>> byKind = new TreeMap<>();
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).predicted() || !b.get(i).predicted()) {
                continue;
            }
            Measurement m = a.get(i).measured();
            Scored x = new Scored(name, "-", a.get(i).target(), "-", kindOf.apply(m), m.op().text(), m.medianUs(), a.get(i).prediction().us(),
                    b.get(i).prediction().us(), null, null);
            scored.add(x);
            byKind.computeIfAbsent(x.kind(), k -> new ArrayList<>()).add(errors(x));
        }
        return new Scenario(name, description, stats(byKind), Map.of(), scored);
    }
}
