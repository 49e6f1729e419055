package io.moesim.validation.serving;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.cost.CostModel;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.FrameworkProfiles;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.MoesimException;
import io.moesim.sim.Parsed;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.Simulator;
import io.moesim.sim.kernel.KernelCostModel;
import io.moesim.sim.kernel.KernelSimulator;
import io.moesim.sim.metrics.SimulationResult;
import io.moesim.sim.serving.ArrivalSpec;
import io.moesim.sim.serving.LengthSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * {@code moesim validate --serving}: re-runs each published serving row through the simulator, as the
 * benchmark ran it (scenario, lengths, requests, parallelism, engine limits, KV fraction), and compares
 * throughput, mean TTFT and time per output token (as the row publishes it: mean TPOT or mean ITL) with the published figures.
 */
public final class ServingValidation {
    /** Called before each row is simulated. */
    @FunctionalInterface
    public interface Progress {
        void row(int index, int total, ServingRow row);
    }

    private ServingValidation() {
    }

    /**
     * Every row on the kernel cost model under the framework profile of the stack that measured it
     * (the row's {@code framework}: trtllm, vllm, sglang), seed 0. One kernel simulator serves every
     * row, so each op shape is simulated once.
     */
    public static ServingReport run(List<ServingRow> rows, String source, Progress progress) {
        return runAt(rows, source, "kernel (each row under its framework's profile)", Figures.COMMITTED, progress);
    }

    /** Every row at {@code figures} (the committed ones, or a fit's) on the kernel cost model, one simulator for the run. */
    private static ServingReport runAt(List<ServingRow> rows, String source, String costName, Figures figures, Progress progress) {
        KernelSimulator kernels = new KernelSimulator();
        Harnesses harnesses = figures.harnesses();
        Datasets datasets = figures.datasets();
        return run(rows, source, costName, r -> new KernelCostModel(kernels, RooflineCostModel.INSTANCE, d -> figures.profile(r, harnesses.of(r))),
                progress, harnesses, -1, datasets::lengths, figures.onSystem());
    }

    /**
     * The profile a row runs under: its framework's, with the engine costs of the harness it was measured through where it
     * names one ({@link ServingHarness}: the profile's are those of the framework's own benchmark).
     */
    static FrameworkProfile profile(ServingRow r, ServingHarness h) {
        FrameworkProfile p = FrameworkProfiles.load(r.framework());
        return h == null ? p : p.withEngineCosts(h.iterationOverheadUs(), h.perSequenceUs());
    }

    /** The harnesses rows name, each file read once ({@link ServingHarness#read}), or a fit's figures for them. */
    static final class Harnesses {
        private final NamedEntries.Cache<ServingHarness> files = new NamedEntries.Cache<>(ServingHarness::read);
        /** Null: the file's figures; else the fitted ones, and a harness the fit has none for is an error. */
        private final Map<String, ServingHarness> fitted;

        Harnesses() {
            this(null);
        }

        Harnesses(Map<String, ServingHarness> fitted) {
            this.fitted = fitted;
        }

        /** The harness a row names; null for none. */
        ServingHarness of(ServingRow r) {
            if (r.harness().isEmpty()) {
                return null;
            }
            ServingHarness file = ServingHarness.named(r, files.beside(r));
            if (fitted == null) {
                return file;
            }
            ServingHarness h = fitted.get(file.id());
            if (h == null) {
                throw new MoesimException(r.id() + ": harness " + r.harness().get() + " has no figures fitted on the fit's rows");
            }
            return h;
        }
    }

    /** The datasets rows name, each file read once ({@link ServingDataset#read}), or a fit's spreads for them. */
    static final class Datasets {
        private final NamedEntries.Cache<ServingDataset> files = new NamedEntries.Cache<>(ServingDataset::read);
        /** Null: the file's lengths; else the fitted ones, and a log-normal dataset the fit has none for is an error. */
        private final Map<String, ServingDataset> fitted;

        Datasets() {
            this(null);
        }

        Datasets(Map<String, ServingDataset> fitted) {
            this.fitted = fitted;
        }

        /** The dataset a row names; null for none. */
        ServingDataset of(ServingRow r) {
            if (r.dataset().isEmpty()) {
                return null;
            }
            ServingDataset file = ServingDataset.named(r, files.beside(r));
            if (fitted == null || !(file.lengths().value() instanceof LengthSpec.LogNormal)) {
                return file; // a dataset given as data (a file of lengths) is not fitted
            }
            ServingDataset d = fitted.get(file.id());
            if (d == null) {
                throw new MoesimException(r.id() + ": dataset " + file.id() + " has no spread fitted on the fit's rows");
            }
            return d;
        }

        /** How a row's request lengths are drawn: its dataset's; null (every request the row's in/out) where it names none. */
        Parsed<LengthSpec> lengths(ServingRow r) {
            ServingDataset d = of(r);
            return d == null ? null : d.lengths();
        }
    }

    /**
     * The serving clock fraction ({@link ServingClockFit}) of the GPUs the calibration rows ran on, fitted with the engine
     * and harness costs: at each candidate fraction every row runs with it on its GPU's processor, each framework's engine
     * costs are fitted on the rows {@link #engineRows} keeps ({@link ServingFit}) and each harness's figures on the rows {@link #fitHarnesses}
     * reads, and the fraction whose calibration rows, each at the costs fitted there, score best is kept (with those costs).
     * One fraction for every GPU the rows ran on (the set's are H100 and H200: one chip, one power limit). No held-back row is
     * run or read. {@code progress} is told from several threads, one call at a time.
     */
    public static ServingClockFit.Result fitServingClock(List<ServingRow> rows, Progress progress) {
        List<ServingRow> cal = engineRows(rows);
        java.util.Set<String> targets = ServingSplit.calibration(rows).stream().map(gpus())
                .collect(java.util.stream.Collectors.toCollection(java.util.TreeSet::new));
        // the candidates run in parallel: the caller's progress is told one row at a time
        Progress one = progress == null ? null : (i, n, row) -> {
            synchronized (progress) {
                progress.row(i, n, row);
            }
        };
        return ServingClockFit.fit(List.copyOf(targets), f -> {
            UnaryOperator<SystemSpec> on = atClock(f);
            // one simulator per candidate: no estimate is shared between fractions, and its memo is freed with the candidate
            KernelSimulator kernels = new KernelSimulator();
            return new ServingClockFit.Candidate(f, enginesAt(cal, kernels, on, one), harnessesAt(rows, kernels, on, one));
        });
    }

    /** A system as it runs at a candidate or fitted serving clock fraction: its device's processors at that fraction. */
    private static UnaryOperator<SystemSpec> atClock(double fraction) {
        return s -> s.withDevice(s.device().withServingClockFraction(fraction));
    }

    /** The rows the engine fit reads: calibration offline rows of the frameworks' own benchmarks (no harness). */
    private static List<ServingRow> engineRows(List<ServingRow> rows) {
        // the framework's own benchmark's rows: a harness's rows pay its costs, not the engine's (fitHarnesses)
        return ServingSplit.calibration(rows).stream().filter(r -> r.scenario() == ServingRow.Scenario.OFFLINE && r.harness().isEmpty()).toList();
    }

    /**
     * Each framework's engine costs ({@link ServingFit}) fitted on {@code cal} (the calibration offline rows of the frameworks'
     * own benchmarks, {@link #engineRows}), each run under its framework's profile with the engine's per-iteration costs taken
     * out (its admission policy kept), on the system {@code onSystem} makes of its own.
     */
    private static Map<String, ServingFit.Result> enginesAt(List<ServingRow> cal, KernelSimulator kernels, UnaryOperator<SystemSpec> onSystem,
            Progress progress) {
        ServingReport r = run(cal, "calibration rows", "kernel (engine costs out)", row -> new KernelCostModel(kernels, RooflineCostModel.INSTANCE,
                d -> FrameworkProfiles.load(row.framework()).withEngineCosts(0, 0)), progress, new Harnesses(), -1, new Datasets()::lengths, onSystem);
        return ServingFit.fit(ServingFit.points(r));
    }

    /**
     * Each harness's figures ({@link ServingHarness}) fitted on the calibration server rows measured through it
     * ({@link HarnessFit}: the host costs by TPOT, re-simulating the rows at each candidate, then the first-token latency by
     * TTFT). Offline and closed rows are not read (their throughput and TTFT are the queue's); no held-back row is run.
     */
    public static Map<String, HarnessFit.Result> fitHarnesses(List<ServingRow> rows, Progress progress) {
        return harnessesAt(rows, new KernelSimulator(), UnaryOperator.identity(), progress);
    }

    /** {@link #fitHarnesses}, each row run on the system {@code onSystem} makes of its own. */
    private static Map<String, HarnessFit.Result> harnessesAt(List<ServingRow> rows, KernelSimulator kernels, UnaryOperator<SystemSpec> onSystem,
            Progress progress) {
        Map<String, List<ServingRow>> by = calibrationBy(rows, ServingRow::harness, r -> r.scenario() == ServingRow.Scenario.SERVER);
        Harnesses harnesses = new Harnesses();
        Datasets datasets = new Datasets();
        Map<String, HarnessFit.Result> out = new java.util.TreeMap<>();
        for (Map.Entry<String, List<ServingRow>> e : by.entrySet()) {
            List<ServingRow> cal = e.getValue();
            ServingHarness start = harnesses.of(cal.get(0));
            int[] runs = {0};
            out.put(e.getKey(), HarnessFit.fit(start, (a, b) -> {
                ServingHarness h = start.with(a, b, 0, start.source());
                if (progress != null) {
                    progress.row(runs[0]++, 0, cal.get(0));
                }
                return run(cal, "calibration rows of " + e.getKey(), "kernel (harness " + e.getKey() + ")",
                        row -> new KernelCostModel(kernels, RooflineCostModel.INSTANCE, d -> profile(row, h)), null, harnesses, 0, datasets::lengths,
                        onSystem);
            }));
        }
        return out;
    }

    /**
     * Each log-normal dataset's length spread ({@link ServingDataset}; one given as a file of lengths or in another form is
     * data, not fitted) fitted on the calibration rows that name it, server and closed
     * ({@link DatasetFit}: the rows re-simulated at each candidate spread, scored by their throughput, which the run's tail of
     * long requests lowers), each row under its framework's profile and its harness as the set gives them. No held-back row
     * is run.
     */
    public static Map<String, DatasetFit.Result> fitDatasets(List<ServingRow> rows, Progress progress) {
        return fitDatasets(rows, progress, Figures.COMMITTED);
    }

    /** {@link #fitDatasets}, each row run at {@code figures} (the committed ones, or a fit's). */
    private static Map<String, DatasetFit.Result> fitDatasets(List<ServingRow> rows, Progress progress, Figures figures) {
        Map<String, List<ServingRow>> by = calibrationBy(rows, ServingRow::dataset, r -> r.scenario() != ServingRow.Scenario.OFFLINE);
        KernelSimulator kernels = new KernelSimulator();
        Harnesses harnesses = figures.harnesses();
        Datasets datasets = new Datasets();
        Map<String, DatasetFit.Result> out = new java.util.TreeMap<>();
        for (Map.Entry<String, List<ServingRow>> e : by.entrySet()) {
            List<ServingRow> cal = e.getValue();
            ServingDataset start = datasets.of(cal.get(0));
            if (!(start.lengths().value() instanceof LengthSpec.LogNormal)) {
                continue; // a dataset given as data (a file of lengths, a gaussian) has no spread to fit
            }
            int[] runs = {0};
            try {
                out.put(e.getKey(), DatasetFit.fit(start, cal.size(), spec -> {
                    if (progress != null) {
                        progress.row(runs[0]++, 0, cal.get(0));
                    }
                    return run(cal, "calibration rows of dataset " + e.getKey(), "kernel (each row under its framework's profile)",
                            row -> new KernelCostModel(kernels, RooflineCostModel.INSTANCE, d -> figures.profile(row, harnesses.of(row))), null,
                            harnesses, -1, row -> spec, figures.onSystem());
                }));
            } catch (MoesimException unfittable) {
                if (figures == Figures.COMMITTED) {
                    throw unfittable;
                }
                // at a fit's figures, rows needing one it has none for: the dataset stays unfitted, and its left-out rows say so
            }
        }
        return out;
    }

    /**
     * The figures the serving fits produce, as a run takes them: the committed ones ({@link #COMMITTED}: each target's
     * {@code serving_clock_fraction}, each profile's {@code serving:} costs, the set's harnesses.json and datasets.json) or a
     * fit's ({@link #of(Fitted)}), where a row that needs a figure the fit has none for fails with the reason.
     *
     * @param engines each framework's fitted engine costs; null: the profiles'
     * @param harnessFigures each harness's fitted figures; null: harnesses.json's
     * @param datasetFigures each log-normal dataset's fitted lengths; null: datasets.json's
     * @param onSystem the system a row runs on, made of its own (the fitted clock fraction on its device)
     */
    private record Figures(Map<String, ServingFit.Result> engines, Map<String, ServingHarness> harnessFigures,
            Map<String, ServingDataset> datasetFigures, UnaryOperator<SystemSpec> onSystem) {
        static final Figures COMMITTED = new Figures(null, null, null, UnaryOperator.identity());

        static Figures of(Fitted f) {
            ServingClockFit.Candidate c = f.clock().best();
            Map<String, ServingHarness> harnesses = new java.util.TreeMap<>();
            c.harnesses().forEach((id, h) -> harnesses.put(id, h.harness()));
            Map<String, ServingDataset> datasets = new java.util.TreeMap<>();
            f.datasets().forEach((id, d) -> datasets.put(id, d.dataset()));
            return new Figures(c.engines(), harnesses, datasets, atClock(c.fraction()));
        }

        Harnesses harnesses() {
            return new Harnesses(harnessFigures);
        }

        Datasets datasets() {
            return new Datasets(datasetFigures);
        }

        /** The profile a row runs under: {@link ServingValidation#profile}, with the fit's engine costs where it has them. */
        FrameworkProfile profile(ServingRow r, ServingHarness h) {
            if (engines == null || h != null) {
                return ServingValidation.profile(r, h); // a harness's costs replace the engine's
            }
            ServingFit.Result e = engines.get(r.framework());
            if (e == null) {
                throw new MoesimException(r.id() + ": no engine costs of " + r.framework() + " fitted on the fit's rows");
            }
            return FrameworkProfiles.load(r.framework()).withEngineCosts(e.figures().iterationOverheadUs(), e.figures().perSequenceUs());
        }
    }

    /** What a serving fit produced: the clock fit (its best candidate's fraction, engine costs and harness figures) and each dataset's spread fitted at it. */
    public record Fitted(ServingClockFit.Result clock, Map<String, DatasetFit.Result> datasets) {
    }

    /**
     * The serving set with one GPU left out: every figure the serving fits produce fitted on the calibration rows of the
     * other GPUs alone ({@link #fitWithout}), then every row of the left-out GPU, calibration and held back, run at those
     * figures ({@code leftOut}) and at the committed ones ({@code committed}, fitted on every GPU's calibration rows).
     *
     * @param gpu the target id of the GPU left out (h100, h200)
     * @param fitGpus the GPUs whose rows were fitted on
     */
    public record GpuLeftOut(String gpu, List<String> fitGpus, Fitted fitted, ServingReport leftOut, ServingReport committed) {
    }

    /** The target a row's system runs (h100, h200): the GPU {@link #leaveGpuOut} leaves out by. */
    public static String gpu(ServingRow r) {
        return Systems.load(r.system()).device().id();
    }

    /** {@link #gpu} with each system read once (rows share a few systems; reading one parses its spec). One thread. */
    static Function<ServingRow, String> gpus() {
        Map<String, String> bySystem = new java.util.HashMap<>();
        return r -> bySystem.computeIfAbsent(r.system(), id -> gpu(r));
    }

    /**
     * The serving fits ({@link #fitServingClock}, then {@link #fitDatasets} at its figures) on the rows of every GPU but
     * {@code gpu}: no row of {@code gpu} is run or read. One caveat: the clock fit runs a dataset's rows at its committed
     * spread (fitted on every GPU's rows) before the spread is refitted here. Where the refit gives the committed spread
     * back, the figures are a fixed point of this one-GPU procedure (spread, then clock and costs, then spread), which is
     * consistency, not a proof that a procedure started from another spread would end there.
     */
    public static Fitted fitWithout(List<ServingRow> rows, String gpu, Progress clockProgress, Progress datasetProgress) {
        return fitWithout(rows, gpu, gpus(), clockProgress, datasetProgress);
    }

    private static Fitted fitWithout(List<ServingRow> rows, String gpu, Function<ServingRow, String> gpuOf, Progress clockProgress,
            Progress datasetProgress) {
        List<ServingRow> fit = rows.stream().filter(r -> !gpu.equals(gpuOf.apply(r))).toList();
        ServingClockFit.Result clock = fitServingClock(fit, clockProgress);
        Fitted atClock = new Fitted(clock, Map.of());
        return new Fitted(clock, fitDatasets(fit, datasetProgress, Figures.of(atClock)));
    }

    /** {@link GpuLeftOut}: the fits without {@code gpu}, then its rows at their figures and at the committed ones. */
    public static GpuLeftOut leaveGpuOut(List<ServingRow> rows, String source, String gpu, Progress clockProgress, Progress datasetProgress,
            Progress runProgress) {
        Function<ServingRow, String> gpuOf = gpus();
        java.util.Set<String> gpus = new java.util.TreeSet<>();
        rows.forEach(r -> gpus.add(gpuOf.apply(r)));
        if (!gpus.contains(gpu)) {
            throw new MoesimException("the rows run on " + String.join(", ", gpus) + ", not " + gpu);
        }
        if (gpus.size() < 2) {
            throw new MoesimException("every row runs on " + gpu + ": no other GPU to fit on");
        }
        List<String> fitGpus = gpus.stream().filter(g -> !g.equals(gpu)).toList();
        if (ServingSplit.calibration(rows).stream().allMatch(r -> gpu.equals(gpuOf.apply(r)))) {
            throw new MoesimException(String.join(", ", fitGpus) + " has no calibration row to fit on");
        }
        Fitted fitted = fitWithout(rows, gpu, gpuOf, clockProgress, datasetProgress);
        List<ServingRow> left = rows.stream().filter(r -> gpu.equals(gpuOf.apply(r))).toList();
        ServingReport leftOut = runAt(left, source, "kernel (serving figures fitted on " + String.join(", ", fitGpus) + " calibration rows)",
                Figures.of(fitted), runProgress);
        return new GpuLeftOut(gpu, fitGpus, fitted, leftOut, run(left, source, runProgress));
    }

    /** The calibration rows ({@link ServingSplit}) that {@code keep} keeps, by the name {@code name} gives them (rows with none left out). */
    private static Map<String, List<ServingRow>> calibrationBy(List<ServingRow> rows, Function<ServingRow, java.util.Optional<String>> name,
            java.util.function.Predicate<ServingRow> keep) {
        Map<String, List<ServingRow>> by = new java.util.TreeMap<>();
        for (ServingRow r : ServingSplit.calibration(rows)) {
            if (keep.test(r) && name.apply(r).isPresent()) {
                by.computeIfAbsent(name.apply(r).get(), k -> new ArrayList<>()).add(r);
            }
        }
        return by;
    }

    /** Every row on one cost model. */
    public static ServingReport run(List<ServingRow> rows, String source, CostModel cost, Progress progress) {
        return run(rows, source, cost.name(), r -> cost, progress);
    }

    private static ServingReport run(List<ServingRow> rows, String source, String costName, Function<ServingRow, CostModel> costOf,
            Progress progress) {
        return run(rows, source, costName, costOf, progress, new Harnesses(), -1, new Datasets()::lengths, UnaryOperator.identity());
    }

    /**
     * ... with the request latency {@code latencyMs} added to every TTFT, or each row's harness's where it is negative, each
     * row's request lengths drawn as {@code lengthsOf} gives (null: every request the row's in/out), and each row run on the
     * system {@code onSystem} makes of its own (a fit's candidate figure; identity elsewhere).
     */
    private static ServingReport run(List<ServingRow> rows, String source, String costName, Function<ServingRow, CostModel> costOf,
            Progress progress, Harnesses harnesses, double latencyMs, Function<ServingRow, Parsed<LengthSpec>> lengthsOf,
            UnaryOperator<SystemSpec> onSystem) {
        List<ServingReport.Row> out = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            ServingRow r = rows.get(i);
            if (progress != null) {
                progress.row(i, rows.size(), r);
            }
            try {
                SystemSpec system = onSystem.apply(Systems.load(r.system()));
                ServingHarness h = harnesses.of(r);
                ArrivalSpec.PoissonGaps gaps = h == null ? ArrivalSpec.PoissonGaps.MOESIM : h.poissonGaps();
                SimulationResult res = Simulator.simulate(request(r, system, costOf.apply(r), lengthsOf.apply(r), gaps), system);
                out.add(ServingReport.Row.of(r, res, latencyMs >= 0 ? latencyMs : h == null ? 0 : h.requestLatencyMs()));
            } catch (MoesimException | IllegalArgumentException e) {
                out.add(ServingReport.Row.failed(r, e.getMessage()));
            }
        }
        return new ServingReport(source, costName, out);
    }

    /** The simulation a row asks for, every request of the row's in/out (the row's dataset, if it names one, not applied). */
    public static SimulationRequest request(ServingRow r, SystemSpec system, CostModel cost) {
        return request(r, system, cost, null, ArrivalSpec.PoissonGaps.MOESIM);
    }

    /**
     * ... with each request's lengths drawn from {@code lengths} around the row's in/out (seed 0; null: all the row's), and a
     * server row's arrival gaps drawn by {@code gaps}. The dataset and harness a row names are resolved by the run
     * ({@code Datasets}, {@code Harnesses}), which passes their lengths and gaps here.
     */
    public static SimulationRequest request(ServingRow r, SystemSpec system, CostModel cost, Parsed<LengthSpec> lengths,
            ArrivalSpec.PoissonGaps gaps) {
        if (r.tp() * r.ep() != system.devices()) {
            throw new MoesimException(r.file() + ":" + r.line() + ": tp x ep = " + r.tp() * r.ep() + " but system " + r.system() + " has "
                    + system.devices() + " devices");
        }
        CompileOptions.Parallelism p = new CompileOptions.Parallelism(r.tp(), r.ep(), 1, 1);
        SimulationRequest.Builder b = SimulationRequest.builder(r.model(), r.system()).dtype(r.dtype()).requests(r.requests())
                .lengths(r.in(), r.out()).maxBatch(r.maxBatch()).tokenBudget(r.maxNumTokens()).kvFraction(r.kvFraction())
                .chunkedPrefill(r.chunkedPrefill().orElse(null)).compileOptions(CompileOptions.defaults().withParallelism(p, p)).costModel(cost).seed(0);
        if (lengths != null) {
            b.lengths(lengths);
        }
        switch (r.scenario()) {
            case OFFLINE -> b.offline();
            case SERVER -> b.qps(r.qps()).poissonGaps(gaps);
            case CLOSED -> b.batch(r.concurrency());
            default -> throw new IllegalStateException(r.scenario().name());
        }
        return b.build();
    }
}
