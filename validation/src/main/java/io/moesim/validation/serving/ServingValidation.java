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
        KernelSimulator kernels = new KernelSimulator();
        Harnesses harnesses = new Harnesses();
        Datasets datasets = new Datasets();
        return run(rows, source, "kernel (each row under its framework's profile)",
                r -> new KernelCostModel(kernels, RooflineCostModel.INSTANCE, d -> profile(r, harnesses.of(r))), progress, harnesses, -1,
                datasets::lengths, UnaryOperator.identity());
    }

    /**
     * The profile a row runs under: its framework's, with the engine costs of the harness it was measured through where it
     * names one ({@link ServingHarness}: the profile's are those of the framework's own benchmark).
     */
    static FrameworkProfile profile(ServingRow r, ServingHarness h) {
        FrameworkProfile p = FrameworkProfiles.load(r.framework());
        return h == null ? p : p.withServing(p.serving().withCosts(h.iterationOverheadUs(), h.perSequenceUs()));
    }

    /** The harnesses rows name, each file read once ({@link ServingHarness#read}). */
    static final class Harnesses {
        private final NamedEntries.Cache<ServingHarness> files = new NamedEntries.Cache<>(ServingHarness::read);

        /** The harness a row names; null for none. */
        ServingHarness of(ServingRow r) {
            return r.harness().isEmpty() ? null : ServingHarness.named(r, files.beside(r));
        }
    }

    /** The datasets rows name, each file read once ({@link ServingDataset#read}). */
    static final class Datasets {
        private final NamedEntries.Cache<ServingDataset> files = new NamedEntries.Cache<>(ServingDataset::read);

        /** The dataset a row names; null for none. */
        ServingDataset of(ServingRow r) {
            return r.dataset().isEmpty() ? null : ServingDataset.named(r, files.beside(r));
        }

        /** How a row's request lengths are drawn: its dataset's; null (every request the row's in/out) where it names none. */
        Parsed<LengthSpec> lengths(ServingRow r) {
            ServingDataset d = of(r);
            return d == null ? null : d.lengths();
        }
    }

    /**
     * The serving fit ({@link ServingFit}): the calibration offline rows ({@link ServingSplit}) of the frameworks' own
     * benchmarks only (rows measured through a harness pay its costs, {@link #fitHarnesses}), each run under its framework's
     * profile with the engine's per-iteration costs taken out (its admission policy kept), then each framework's costs fitted
     * on them. No held-back row is run or read.
     */
    public static Map<String, ServingFit.Result> fitEngine(List<ServingRow> rows, Progress progress) {
        return enginesAt(engineRows(rows), new KernelSimulator(), UnaryOperator.identity(), progress);
    }

    /**
     * The serving clock fraction ({@link ServingClockFit}) of the GPUs the calibration rows ran on, fitted with the engine
     * and harness costs: at each candidate fraction every row runs with it on its GPU's processor, each framework's engine
     * costs are fitted on the rows {@link #fitEngine} reads and each harness's figures on the rows {@link #fitHarnesses}
     * reads, and the fraction whose calibration rows, each at the costs fitted there, score best is kept (with those costs).
     * One fraction for every GPU the rows ran on (the set's are H100 and H200: one chip, one power limit). No held-back row is
     * run or read. {@code progress} is told from several threads, one call at a time.
     */
    public static ServingClockFit.Result fitServingClock(List<ServingRow> rows, Progress progress) {
        List<ServingRow> cal = engineRows(rows);
        java.util.Set<String> targets = new java.util.TreeSet<>();
        ServingSplit.calibration(rows).stream().map(ServingRow::system).distinct().forEach(id -> targets.add(Systems.load(id).device().id()));
        // the candidates run in parallel: the caller's progress is told one row at a time
        Progress one = progress == null ? null : (i, n, row) -> {
            synchronized (progress) {
                progress.row(i, n, row);
            }
        };
        return ServingClockFit.fit(List.copyOf(targets), f -> {
            UnaryOperator<SystemSpec> on = s -> s.withDevice(s.device().withServingClockFraction(f));
            // one simulator per candidate: no estimate is shared between fractions, and its memo is freed with the candidate
            KernelSimulator kernels = new KernelSimulator();
            return new ServingClockFit.Candidate(f, enginesAt(cal, kernels, on, one), harnessesAt(rows, kernels, on, one));
        });
    }

    /** The rows the engine fit reads: calibration offline rows of the frameworks' own benchmarks (no harness). */
    private static List<ServingRow> engineRows(List<ServingRow> rows) {
        // the framework's own benchmark's rows: a harness's rows pay its costs, not the engine's (fitHarnesses)
        return ServingSplit.calibration(rows).stream().filter(r -> r.scenario() == ServingRow.Scenario.OFFLINE && r.harness().isEmpty()).toList();
    }

    /** Each framework's engine costs fitted on {@code cal}, run on the systems {@code onSystem} makes of theirs. */
    private static Map<String, ServingFit.Result> enginesAt(List<ServingRow> cal, KernelSimulator kernels, UnaryOperator<SystemSpec> onSystem,
            Progress progress) {
        ServingReport r = run(cal, "calibration rows", "kernel (engine costs out)", row -> new KernelCostModel(kernels, RooflineCostModel.INSTANCE,
                d -> {
                    FrameworkProfile p = FrameworkProfiles.load(row.framework());
                    return p.withServing(p.serving().withCosts(0, 0));
                }), progress, new Harnesses(), -1, new Datasets()::lengths, onSystem);
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
        Map<String, List<ServingRow>> by = calibrationBy(rows, ServingRow::dataset, r -> r.scenario() != ServingRow.Scenario.OFFLINE);
        KernelSimulator kernels = new KernelSimulator();
        Harnesses harnesses = new Harnesses();
        Datasets datasets = new Datasets();
        Map<String, DatasetFit.Result> out = new java.util.TreeMap<>();
        for (Map.Entry<String, List<ServingRow>> e : by.entrySet()) {
            List<ServingRow> cal = e.getValue();
            ServingDataset start = datasets.of(cal.get(0));
            if (!(start.lengths().value() instanceof LengthSpec.LogNormal)) {
                continue; // a dataset given as data (a file of lengths, a gaussian) has no spread to fit
            }
            int[] runs = {0};
            out.put(e.getKey(), DatasetFit.fit(start, cal.size(), spec -> {
                if (progress != null) {
                    progress.row(runs[0]++, 0, cal.get(0));
                }
                return run(cal, "calibration rows of dataset " + e.getKey(), "kernel (each row under its framework's profile)",
                        row -> new KernelCostModel(kernels, RooflineCostModel.INSTANCE, d -> profile(row, harnesses.of(row))), null, harnesses, -1,
                        row -> spec, UnaryOperator.identity());
            }));
        }
        return out;
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
