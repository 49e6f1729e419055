package io.moesim.cli;

import io.moesim.ir.io.AtomicFiles;
import io.moesim.ir.MoesimException;
import io.moesim.validation.Validation;
import io.moesim.validation.ValidationOptions;
import io.moesim.validation.compare.CalibrationResult;
import io.moesim.validation.compare.ValidationReport;
import io.moesim.validation.gpu.GpuRunOptions;
import io.moesim.validation.gpu.GpuRunReport;
import io.moesim.validation.gpu.GpuValidation;
import io.moesim.validation.gpu.NoGpuException;
import io.moesim.validation.reference.NumericCheck;
import io.moesim.validation.serving.DatasetFit;
import io.moesim.validation.serving.HarnessFit;
import io.moesim.validation.serving.ServingClockFit;
import io.moesim.validation.serving.ServingDataset;
import io.moesim.validation.serving.ServingFit;
import io.moesim.validation.serving.ServingHarness;
import io.moesim.validation.serving.ServingReport;
import io.moesim.validation.serving.ServingRow;
import io.moesim.validation.serving.ServingSet;
import io.moesim.validation.serving.ServingSplit;
import io.moesim.validation.serving.ServingValidation;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moesim validate}: predicted against measured, or a GPU run that produces measurements. */
@Command(name = "validate", mixinStandardHelpOptions = true,
        description = {"Compare moesim's predictions with measurements (a trace file or folder of *.jsonl; default: traces/published),",
            "per row and as MAPE per op kind; or, with --backend jcuda, run the op set on this machine's NVIDIA GPU",
            "and write a measurement trace (exit code 3 when there is no GPU). With --serving, re-run the published serving set",
            "(traces/published/serving) through the simulator and compare throughput, TTFT and TPOT."})
final class ValidateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--measurements", paramLabel = "FILE|DIR", description = "Measurement trace(s). Default: traces/published.")
    Path measurements;

    @Option(names = "--target", paramLabel = "ID", description = "Predict every row on this target instead of the row's own.")
    String target;

    @Option(names = "--backend", defaultValue = "model", paramLabel = "B",
            description = "model (compare predictions with the measurements) or jcuda (measure on this GPU). Default: ${DEFAULT-VALUE}.")
    String backend;

    @Option(names = "--calibrate", description = "Fit calibration mechanisms on the calibration rows and report their effect on the test rows.")
    boolean calibrate;

    @Option(names = "--test-only", description = "Only the test split (rows calibration never sees).")
    boolean testOnly;

    @Option(names = "--calibrated", description = "Predict each row on its target's and system's calibrated overlay (<id>-calibrated, "
            + "the committed figures --calibrate fitted) where one exists.")
    boolean calibrated;

    @Option(names = "--trace-out", paramLabel = "FILE.jsonl", description = "With --backend jcuda: where to write the measured trace.")
    Path traceOut;

    @Option(names = {"--json", "--json-file"}, paramLabel = "FILE", description = "Also write the report as JSON (mape_pct overall and by kind, rows); also --json-file (here --json takes a file; in op, roofline, models and target show it is a switch).")
    Path json;

    @Option(names = "--serving", description = {"Re-run each row of a published serving set (default: traces/published/serving; or --measurements FILE|DIR)",
        "through the simulator as the benchmark ran it, and report throughput, TTFT and TPOT error per row and as MAPE."})
    boolean serving;

    @Option(names = "--fit-engine", description = {"With --serving: fit the GPUs' serving clock fraction (serving_clock_fraction of the",
            "target), refitting at each candidate each framework's per-iteration engine costs (the serving: block of its profile)",
            "on the calibration offline rows only and each serving harness's figures (harnesses.json beside the rows) on the",
            "calibration server rows measured through it; then each dataset's length spread (datasets.json beside the rows) on the",
            "calibration rows that name it, at the committed figures. About 21 minutes on 2 cores (each candidate re-runs the rows;",
            "the candidates of a round run in parallel); print all four (paste the clock first and run it again for the spreads)."})
    boolean fitEngine;

    @Option(names = "--leave-gpu-out", paramLabel = "GPU", description = {"With --serving: leave one GPU out (its target id: h100, h200). Fit every",
            "serving figure --fit-engine fits (the serving clock fraction with the engines' and harnesses' costs, then the",
            "datasets' spreads) on the calibration rows of the other GPUs alone, then report every row of GPU, calibration and",
            "held back, at those figures, and the same rows at the committed figures. About 13 minutes (h200) or 8 (h100) on 2 cores."})
    String leaveGpuOut;

    @Option(names = "--only", paramLabel = "TEXT", description = "With --serving: only the rows whose id contains TEXT (repeatable).")
    List<String> only = new java.util.ArrayList<>();

    @Option(names = "--calibration-out", paramLabel = "DIR", description = "With --calibrate: write each target's calibration overlay (<target>-calibrated.yaml, preset + fitted figures) here.")
    Path calibrationOut;

    @Option(names = "--database", arity = "0..1", fallbackValue = "traces/aiconfigurator", paramLabel = "DIR",
            description = "Run the out-of-sample protocol on the kernel database (docs/validation.md): the committed sample (default "
                    + "traces/aiconfigurator) or, given the AIConfigurator folder of csv.gz tables (e.g. ../shared/data/aiconfigurator), the full tables.")
    Path database;

    @Option(names = "--database-rows", paramLabel = "N",
            description = "With --database on the csv.gz tables, or --database-convert: rows per (GPU, framework, kind), seeded; 0 = all. "
                    + "Default: " + io.moesim.validation.database.AicConverter.SAMPLE_ROWS + " for --database-convert, "
                    + io.moesim.validation.database.AicConverter.TABLE_ROWS + " for --database.")
    Integer databaseRows;

    @Option(names = "--database-convert", paramLabel = "DIR",
            description = "Convert the AIConfigurator csv.gz tables in DIR to the seeded sample (measurement traces) in --database-out.")
    Path databaseConvert;

    @Option(names = "--database-out", defaultValue = "traces/aiconfigurator", paramLabel = "DIR",
            description = "Where --database-convert writes. Default: ${DEFAULT-VALUE}.")
    Path databaseOut;

    @Option(names = "--profiles-out", paramLabel = "DIR", description = "With --database: write the fitted framework profiles (<id>.yaml) here.")
    Path profilesOut;

    @Option(names = "--collectives-out", paramLabel = "DIR", description = "With --database: write NCCL's fitted figures (nccl.yaml, the collective library the profiles call) here.")
    Path collectivesOut;

    @Option(names = "--residuals", paramLabel = "FILE.tsv", description = "With --database: also write every row each scenario scored, and the "
            + "calibration rows under their framework's own fit (scenario h100-calibration: the rows the fits read, in sample; h200-calibration), as TSV: scenario, framework, GPU, split, kind, op, "
            + "measured and predicted us, error %%, the kernel model alone (ideal), and the kernel model's pieces with each one's time under the profile.")
    Path residuals;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (leaveGpuOut != null && (!serving || fitEngine)) {
            throw new MoesimException("--leave-gpu-out fits the serving figures without one GPU's rows: give it with --serving and without --fit-engine");
        }
        if (fitEngine && !serving) {
            throw new MoesimException("--fit-engine fits the serving engine's costs: give it with --serving");
        }
        if (!only.isEmpty() && !serving) {
            throw new MoesimException("--only selects serving rows: give it with --serving");
        }
        if (residuals != null && database == null) {
            throw new MoesimException("--residuals writes the rows the --database protocol scores: give it with --database");
        }
        if (serving && !backend.equalsIgnoreCase("model")) {
            throw new MoesimException("--serving compares the simulator with published serving figures: it takes --backend model only");
        }
        if (databaseConvert != null) {
            return convert(out);
        }
        if (database != null) {
            return database(out);
        }
        switch (backend.toLowerCase(Locale.ROOT)) {
            case "model" -> {
                return serving ? serving(out) : compare(out);
            }
            case "jcuda" -> {
                return gpu(out);
            }
            default -> throw new MoesimException("--backend: unknown '" + backend + "' (expected model or jcuda)");
        }
    }

    private int serving(PrintWriter out) {
        if (calibrate || calibrated || testOnly || target != null || calibrationOut != null) {
            throw new MoesimException("--serving re-runs serving rows on their own systems: --calibrate, --calibrated, --test-only, --target and --calibration-out do not apply");
        }
        Path m = measurements != null ? measurements : ServingSet.published(dataRoot());
        if (!Files.exists(m)) {
            throw new MoesimException(m + ": no such file or folder (give --measurements FILE)");
        }
        List<ServingRow> rows = ServingSet.read(m);
        if (!only.isEmpty()) {
            rows = rows.stream().filter(r -> only.stream().anyMatch(t -> r.id().contains(t))).toList();
            if (rows.isEmpty()) {
                throw new MoesimException("--only " + String.join(",", only) + ": no row of " + m + " matches");
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        // the report's path is checked before the rows (and a fit of many minutes) run
        if (json != null) {
            io.moesim.ir.io.AtomicFiles.checkWritable(json);
        }
        if (leaveGpuOut != null) {
            return servingWithoutGpu(out, err, rows, m);
        }
        if (fitEngine) {
            ServingClockFit.Result clock = ServingValidation.fitServingClock(rows, clockRuns(err));
            ServingClockFit.Candidate at = clock.best();
            String fraction = ServingClockFit.text(at.fraction());
            out.printf(Locale.ROOT, "# serving clock (%s, their gpu processor): %d calibration rows (offline by throughput, server by TTFT and TPOT) "
                    + "score %.1f%% at fraction 1 -> %.1f%% at %s, the engine and harness costs refitted at each (tried:",
                    String.join(", ", clock.targets()), at.rows(), clock.none().scorePct(), at.scorePct(), fraction);
            for (ServingClockFit.Candidate c : clock.tried()) {
                out.printf(Locale.ROOT, " %s %.1f%%", ServingClockFit.text(c.fraction()), c.scorePct());
            }
            out.printf(Locale.ROOT, ")%n");
            out.printf(Locale.ROOT, "  serving_clock_fraction: {value: %s, source: \"fitted: moesim validate --serving --fit-engine, %d calibration rows "
                    + "(%s), with the engines' and harnesses' costs\"}%n", fraction, at.rows(), m);
            for (ServingFit.Result f : at.engines().values()) {
                String src = String.format(Locale.ROOT, "fitted: moesim validate --serving --fit-engine, %d calibration offline rows of %s (%s)",
                        f.rows(), f.framework(), m);
                out.printf(Locale.ROOT, "# %s: calibration throughput MAPE %.1f%% without engine costs, %.1f%% with them (serving clock fraction %s)%n",
                        f.framework(), f.mapeBeforePct(), f.mapeAfterPct(), fraction);
                engineFigure(out, "iteration_overhead_us", f.figures().iterationOverheadUs(), src);
                engineFigure(out, "per_sequence_us", f.figures().perSequenceUs(), src);
            }
            for (HarnessFit.Result h : at.harnesses().values()) {
                String src = String.format(Locale.ROOT, "fitted: moesim validate --serving --fit-engine, %d calibration server rows of harness %s (%s)",
                        h.rows(), h.harness().id(), m);
                out.printf(Locale.ROOT, "# harness %s (%s): calibration TPOT MAPE %.1f%% at the file's figures -> %.1f%%, TTFT %.1f%% -> %.1f%% "
                        + "(serving clock fraction %s)%n", h.harness().id(), ServingHarness.FILE, h.tpotBeforePct(),
                        h.tpotAfterPct(), h.ttftBeforePct(), h.ttftAfterPct(), fraction);
                out.printf(Locale.ROOT, "  \"iteration_overhead_us\": {\"value\": %.1f, \"source\": \"%s\"},%n", h.harness().iterationOverheadUs(), src);
                out.printf(Locale.ROOT, "  \"per_sequence_us\": {\"value\": %.2f, \"source\": \"%s\"},%n", h.harness().perSequenceUs(), src);
                out.printf(Locale.ROOT, "  \"request_latency_ms\": {\"value\": %.2f, \"source\": \"%s\"}%n", h.harness().requestLatencyMs(), src);
            }
            java.util.Map<String, DatasetFit.Result> datasets = ServingValidation.fitDatasets(rows,
                    fitRuns(err, "dataset", ServingRow::dataset));
            for (DatasetFit.Result d : datasets.values()) {
                String src = String.format(Locale.ROOT, "fitted: moesim validate --serving --fit-engine, %d calibration rows of dataset %s (%s)",
                        d.rows(), d.dataset().id(), m);
                out.printf(Locale.ROOT, "# dataset %s (%s): calibration throughput MAPE %.1f%% at the file's lengths -> %.1f%%%n",
                        d.dataset().id(), ServingDataset.FILE, d.throughputBeforePct(), d.throughputAfterPct());
                out.printf(Locale.ROOT, "  \"lengths\": {\"value\": \"%s\", \"source\": \"%s\"}%n", d.dataset().lengths().text(), src);
            }
            return 0;
        }
        ServingReport r = ServingValidation.run(rows, m.toString(), (i, n, row) -> {
            err.printf(Locale.ROOT, "[%d/%d] %s%n", i + 1, n, row.id());
            err.flush();
        });
        TextTable t = new TextTable(ServingReport.HEADER);
        r.table().forEach(t::row);
        out.print(t.render());
        out.println();
        summary(out, r);
        if (json != null) {
            AtomicFiles.write(json, Json.write(r.toJson()));
        }
        return 0;
    }

    /** The serving MAPE lines of a report: overall, by scenario, by split. */
    private static void summary(PrintWriter out, ServingReport r) {
        out.printf(Locale.ROOT, "serving MAPE: throughput %s (bias %s), TTFT %s (bias %s), TPOT %s (bias %s); %d of %d rows predicted (cost model: %s)%n",
                pct(r.mapePct(ServingReport.Row::throughputErrorPct)), signed(r.meanErrorPct(ServingReport.Row::throughputErrorPct)),
                pct(r.mapePct(ServingReport.Row::ttftErrorPct)), signed(r.meanErrorPct(ServingReport.Row::ttftErrorPct)),
                pct(r.mapePct(ServingReport.Row::tpotErrorPct)), signed(r.meanErrorPct(ServingReport.Row::tpotErrorPct)),
                r.rows().stream().filter(ServingReport.Row::predicted).count(), r.rows().size(), r.costModel());
        for (ServingRow.Scenario sc : ServingRow.Scenario.values()) {
            ServingReport part = r.only(sc);
            if (!part.rows().isEmpty()) {
                out.printf(Locale.ROOT, "  %-8s %2d rows: throughput MAPE %s (bias %s), TTFT %s, TPOT %s%n", sc.name().toLowerCase(Locale.ROOT),
                        part.rows().size(), pct(part.mapePct(ServingReport.Row::throughputErrorPct)),
                        signed(part.meanErrorPct(ServingReport.Row::throughputErrorPct)), pct(part.mapePct(ServingReport.Row::ttftErrorPct)),
                        pct(part.mapePct(ServingReport.Row::tpotErrorPct)));
            }
        }
        for (ServingSplit sp : ServingSplit.values()) {
            ServingReport part = r.only(sp);
            if (!part.rows().isEmpty()) {
                ServingReport off = part.only(ServingRow.Scenario.OFFLINE);
                out.printf(Locale.ROOT, "  %-11s %2d rows: throughput MAPE %s (bias %s; offline %s over %d), TTFT %s, TPOT %s%n", sp.text(),
                        part.rows().size(), pct(part.mapePct(ServingReport.Row::throughputErrorPct)),
                        signed(part.meanErrorPct(ServingReport.Row::throughputErrorPct)), pct(off.mapePct(ServingReport.Row::throughputErrorPct)),
                        off.rows().size(), pct(part.mapePct(ServingReport.Row::ttftErrorPct)), pct(part.mapePct(ServingReport.Row::tpotErrorPct)));
            }
        }
        java.util.Map<String, ServingReport> gpus = r.byGpu();
        if (gpus.size() > 1) {
            gpus.forEach((gpu, part) -> out.printf(Locale.ROOT, "  gpu %-7s %2d rows: throughput MAPE %s (bias %s), TTFT %s, TPOT %s%n", gpu,
                    part.rows().size(), pct(part.mapePct(ServingReport.Row::throughputErrorPct)),
                    signed(part.meanErrorPct(ServingReport.Row::throughputErrorPct)), pct(part.mapePct(ServingReport.Row::ttftErrorPct)),
                    pct(part.mapePct(ServingReport.Row::tpotErrorPct))));
        }
        Map<String, ServingFit.Want> wanted = ServingFit.wantedByModel(r);
        if (!wanted.isEmpty()) {
            // what the per-iteration engine costs stand in for: the time each model's offline rows would want, per iteration
            out.printf(Locale.ROOT, "  engine time wanted per iteration, offline rows (median ms, rows): %s%n", wanted.entrySet().stream()
                    .map(e -> String.format(Locale.ROOT, "%s %.2f (%d)", e.getKey(), e.getValue().medianPerIterationS() * 1e3, e.getValue().rows()))
                    .collect(Collectors.joining(", ")));
        }
    }

    /** A JSON object of these keys and values, in this order (deterministic output). */
    private static java.util.Map<String, Object> ordered(Object... keysAndValues) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    /** Progress of the serving clock fit: a line as each candidate starts its calibration rows (the candidates run in parallel). */
    private static ServingValidation.Progress clockRuns(PrintWriter err) {
        java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();
        return (i, n, row) -> {
            if (i == 0 && n > 0) {
                synchronized (err) {
                    err.printf(Locale.ROOT, "[serving clock candidate %d] %d calibration offline rows, then the harnesses' server rows ...%n",
                            runs.incrementAndGet(), n);
                    err.flush();
                }
            }
        };
    }

    /**
     * {@code --leave-gpu-out}: the serving figures fitted without one GPU's rows ({@link ServingValidation#leaveGpuOut}), printed
     * as comments, then that GPU's rows at them, and the MAPE lines at them and at the committed figures.
     */
    private int servingWithoutGpu(PrintWriter out, PrintWriter err, List<ServingRow> rows, Path m) {
        String gpu = leaveGpuOut.toLowerCase(Locale.ROOT);
        int[] runs = {0};
        ServingValidation.GpuLeftOut g;
        try {
            g = ServingValidation.leaveGpuOut(rows, m.toString(), gpu, clockRuns(err), fitRuns(err, "dataset", ServingRow::dataset), (i, n, row) -> {
                // the left-out rows run twice: at the fitted figures, then at the committed ones
                if (i == 0) {
                    runs[0]++;
                }
                err.printf(Locale.ROOT, "[%s %d/%d] %s%n", runs[0] == 1 ? "fitted" : "committed", i + 1, n, row.id());
                err.flush();
            });
        } catch (MoesimException e) {
            throw new MoesimException("--leave-gpu-out " + leaveGpuOut + ": " + e.getMessage());
        }
        ServingClockFit.Candidate at = g.fitted().clock().best();
        String f = ServingClockFit.text(at.fraction());
        out.printf(Locale.ROOT, "# %s left out: every serving figure fitted on the calibration rows of %s alone (%d rows scored by the clock fit)%n",
                g.gpu(), String.join(", ", g.fitGpus()), at.rows());
        out.printf(Locale.ROOT, "# serving clock fraction %s (score %.1f%% at 1 -> %.1f%%)%n", f, g.fitted().clock().none().scorePct(), at.scorePct());
        for (ServingFit.Result e : at.engines().values()) {
            out.printf(Locale.ROOT, "# engine %s: %.1f us per iteration + %.3f us per sequence (%d calibration offline rows)%n", e.framework(),
                    e.figures().iterationOverheadUs(), e.figures().perSequenceUs(), e.rows());
        }
        for (HarnessFit.Result h : at.harnesses().values()) {
            out.printf(Locale.ROOT, "# harness %s: %.1f us per iteration + %.2f us per sequence, %.2f ms before the first token (%d calibration server rows)%n",
                    h.harness().id(), h.harness().iterationOverheadUs(), h.harness().perSequenceUs(), h.harness().requestLatencyMs(), h.rows());
        }
        for (DatasetFit.Result d : g.fitted().datasets().values()) {
            out.printf(Locale.ROOT, "# dataset %s: %s (%d calibration rows)%n", d.dataset().id(), d.dataset().lengths().text(), d.rows());
        }
        TextTable t = new TextTable(ServingReport.HEADER);
        g.leftOut().table().forEach(t::row);
        out.print(t.render());
        out.println();
        out.printf(Locale.ROOT, "%s's rows at the figures fitted without them:%n", g.gpu());
        summary(out, g.leftOut());
        out.printf(Locale.ROOT, "%s's rows at the committed figures (fitted on every GPU's calibration rows, these rows' among them):%n", g.gpu());
        summary(out, g.committed());
        if (json != null) {
            java.util.Map<String, Object> engines = new java.util.LinkedHashMap<>();
            at.engines().forEach((fw, e) -> engines.put(fw, ordered("iteration_overhead_us", e.figures().iterationOverheadUs(),
                    "per_sequence_us", e.figures().perSequenceUs(), "rows", e.rows())));
            java.util.Map<String, Object> harnesses = new java.util.LinkedHashMap<>();
            at.harnesses().forEach((id, h) -> harnesses.put(id, ordered("iteration_overhead_us", h.harness().iterationOverheadUs(),
                    "per_sequence_us", h.harness().perSequenceUs(), "request_latency_ms", h.harness().requestLatencyMs(), "rows", h.rows())));
            java.util.Map<String, Object> datasets = new java.util.LinkedHashMap<>();
            g.fitted().datasets().forEach((id, d) -> datasets.put(id, d.dataset().lengths().text()));
            java.util.Map<String, Object> j = ordered("left_out_gpu", g.gpu(), "fit_gpus", g.fitGpus(),
                    "fitted", ordered("serving_clock_fraction", at.fraction(), "engines", engines, "harnesses", harnesses, "datasets", datasets),
                    "report", g.leftOut().toJson(), "committed", g.committed().toJson());
            AtomicFiles.write(json, Json.write(j));
        }
        return 0;
    }

    /**
     * The {@code serving:} block at the end of a framework profile's YAML, with the comment line that
     * introduces it ("" when there is none): what {@code --profiles-out} keeps when it rewrites the file.
     */
    static String servingBlock(String yaml) {
        int at = yaml.indexOf("\n# Serving-engine figures");
        if (at < 0) {
            at = yaml.indexOf("\nserving:");
        }
        if (at < 0) {
            return yaml.startsWith("serving:") ? yaml : "";
        }
        return yaml.substring(at + 1);
    }

    /** Progress of a fit that re-runs its rows at each candidate: one line per candidate, naming what is fitted. */
    private static ServingValidation.Progress fitRuns(PrintWriter err, String kind,
            java.util.function.Function<ServingRow, java.util.Optional<String>> name) {
        return (i, n, row) -> {
            err.printf(Locale.ROOT, "[%s run %d] %s ...%n", kind, i + 1, name.apply(row).orElse(""));
            err.flush();
        };
    }

    private static String pct(java.util.OptionalDouble d) {
        return d.isPresent() ? String.format(Locale.ROOT, "%.1f%%", d.getAsDouble()) : "n/a";
    }

    private static String signed(java.util.OptionalDouble d) {
        return d.isPresent() ? String.format(Locale.ROOT, "%+.1f%%", d.getAsDouble()) : "n/a";
    }

    private int compare(PrintWriter out) {
        // output paths are checked before the predictions (and a calibration) run
        if (json != null) {
            io.moesim.ir.io.AtomicFiles.checkWritable(json);
        }
        if (calibrationOut != null) {
            io.moesim.ir.io.AtomicFiles.checkFolder(calibrationOut, calibrationOut);
        }
        Path m = measurements != null ? measurements : Validation.publishedSet(dataRoot());
        if (!Files.exists(m)) {
            throw new MoesimException(m + ": no such file or folder (give --measurements FILE)");
        }
        ValidationOptions o = ValidationOptions.defaults();
        if (calibrate) {
            o = o.withCalibration();
        }
        if (testOnly) {
            o = o.onlyTest();
        }
        if (calibrated) {
            o = o.onCalibratedOverlays();
        }
        ValidationReport r;
        if (calibrate) {
            // calibration fits each target's overlay and takes minutes: say so on stderr, also when redirected
            try (Progress p = new Progress(spec.commandLine().getErr(), "validate --calibrate").ticking("fitting calibration overlays")) {
                r = Validation.run(m, target, o);
            }
        } else {
            r = Validation.run(m, target, o);
        }
        out.print(rowsText(r.table()));
        out.println();
        List<List<String>> summary = r.summaryTable();
        if (!summary.isEmpty()) {
            out.print(fit(ValidationReport.SUMMARY_HEADER, summary, "worst"));
        }
        out.printf(Locale.ROOT, "MAPE overall: %.1f%% over %d rows (predictor: %s)%n", r.mapePct(), r.rows().size(), r.model());
        for (CalibrationResult c : r.calibrations()) {
            out.printf(Locale.ROOT, "calibration %s: test MAPE %.1f%% -> %.1f%%, calibration MAPE %.1f%% -> %.1f%% (%d rows fitted)%n", c.target(),
                    c.mape(io.moesim.validation.trace.Split.TEST, false), c.mape(io.moesim.validation.trace.Split.TEST, true),
                    c.mape(io.moesim.validation.trace.Split.CALIBRATION, false), c.mape(io.moesim.validation.trace.Split.CALIBRATION, true), c.fittedRows());
            if (calibrationOut != null) {
                Path f = calibrationOut.resolve(c.overlayId() + ".yaml");
                AtomicFiles.write(f, c.yaml());
                out.println("  wrote " + f);
            }
        }
        for (io.moesim.validation.compare.LinkCalibrationResult c : r.linkCalibrations()) {
            out.printf(Locale.ROOT, "link calibration %s: test MAPE %.1f%% -> %.1f%%, calibration MAPE %.1f%% -> %.1f%%%n", c.linkId(),
                    c.mape(io.moesim.validation.trace.Split.TEST, false), c.mape(io.moesim.validation.trace.Split.TEST, true),
                    c.mape(io.moesim.validation.trace.Split.CALIBRATION, false), c.mape(io.moesim.validation.trace.Split.CALIBRATION, true));
            if (calibrationOut != null) {
                Path f = calibrationOut.resolve(c.overlayId() + ".yaml");
                AtomicFiles.write(f, c.yaml());
                out.println("  wrote " + f);
                for (java.util.Map.Entry<String, String> e : c.systemOverlays().entrySet()) {
                    Path g = calibrationOut.resolve(e.getKey() + ".yaml");
                    AtomicFiles.write(g, e.getValue());
                    out.println("  wrote " + g);
                }
            }
        }
        if (json != null) {
            AtomicFiles.write(json, Json.write(r.toJson()));
        }
        return 0;
    }

    private int convert(PrintWriter out) {
        java.util.List<io.moesim.validation.database.DbRow> all = io.moesim.validation.database.AicConverter.readAll(databaseConvert);
        java.util.List<io.moesim.validation.database.DbRow> s = io.moesim.validation.database.AicConverter.sample(all,
                databaseRows == null ? io.moesim.validation.database.AicConverter.SAMPLE_ROWS : databaseRows);
        for (Path f : io.moesim.validation.database.DbTraces.write(s, databaseOut)) {
            out.println("wrote " + f);
        }
        out.printf(Locale.ROOT, "%d of %d rows read (seed %s)%n", s.size(), all.size(), io.moesim.validation.database.AicConverter.SAMPLE_SEED);
        return 0;
    }

    private int database(PrintWriter out) {
        database = inData(database);
        if (!Files.isDirectory(database)) {
            throw new MoesimException(database + ": no such folder (give --database DIR: traces/aiconfigurator or the AIConfigurator tables)");
        }
        java.util.List<io.moesim.validation.database.DbRow> rows;
        String source;
        if (Files.isDirectory(database.resolve("h100_sxm").resolve("gemm"))) {
            int n = databaseRows == null ? io.moesim.validation.database.AicConverter.TABLE_ROWS : databaseRows;
            rows = io.moesim.validation.database.AicConverter.sample(io.moesim.validation.database.AicConverter.readAll(database), n);
            source = database + " (csv.gz tables, " + (n == 0 ? "every row" : n + " rows per GPU, framework and kind") + ")";
        } else {
            rows = io.moesim.validation.database.DbTraces.read(database);
            source = database.toString();
        }
        Path pub = Validation.publishedSet(dataRoot());
        java.util.List<io.moesim.validation.trace.Measurement> published = Files.isDirectory(pub) ? io.moesim.validation.trace.TraceReader.read(pub)
                : java.util.List.of();
        Path own = Validation.measuredSet(dataRoot());
        java.util.List<io.moesim.validation.trace.Measurement> measured = Files.isDirectory(own) ? io.moesim.validation.trace.TraceReader.read(own)
                : java.util.List.of();
        io.moesim.validation.database.DbProtocol.Report r = io.moesim.validation.database.DbProtocol.run(rows, source, published, measured);
        TextTable t = new TextTable(io.moesim.validation.database.DbReports.HEADER);
        io.moesim.validation.database.DbReports.table(r).forEach(t::row);
        out.print(t.render());
        out.printf(Locale.ROOT, "%d rows from %s; fits read only H100 calibration rows (ideal = the kernel model alone)%n", r.rows(), source);
        java.util.Map<String, io.moesim.validation.database.GpuTransfer.Ratio> transfer = io.moesim.validation.database.GpuTransfer.byKind(r);
        if (!transfer.isEmpty()) {
            // the move from H100 to H200 beside either GPU's error: an error of the fit that scales both GPUs alike cancels
            out.println();
            out.printf(Locale.ROOT, "H200 / H100 time of the test rows scored on both GPUs that take >= %.0f us on H100 (medians over the pairs; "
                    + "the H100 fit on both sides):%n", io.moesim.validation.database.DbProtocol.LARGE_OP_US);
            TextTable g = new TextTable(java.util.List.of("kind", "pairs", "measured ratio", "model ratio", "median of pair model/measured-1 %"));
            transfer.forEach((k, v) -> g.row(java.util.List.of(k, Integer.toString(v.pairs()), String.format(Locale.ROOT, "%.3f", v.measuredRatio()),
                    String.format(Locale.ROOT, "%.3f", v.modelRatio()), String.format(Locale.ROOT, "%.1f", v.ratioErrorPct()))));
            out.print(g.render());
        }
        if (profilesOut != null) {
            for (String fw : io.moesim.validation.database.DbProtocol.FRAMEWORKS) {
                io.moesim.validation.database.DbFit.Result f = r.fits().get(fw);
                Path p = profilesOut.resolve(fw + ".yaml");
                // the serving: block (serving-level figures, validate --serving) is not the database's to fit: kept as it is
                String keep = "";
                if (Files.isRegularFile(p)) {
                    try {
                        keep = servingBlock(Files.readString(p));
                    } catch (java.io.IOException e) {
                        throw new MoesimException(p + ": cannot read (" + e.getMessage() + ")");
                    }
                }
                AtomicFiles.write(p, io.moesim.validation.database.DbReports.yaml(f.profile(), f, source) + keep);
                out.println("wrote " + p);
            }
        }
        if (collectivesOut != null) {
            Path p = collectivesOut.resolve(io.moesim.validation.database.DbProtocol.NCCL + ".yaml");
            AtomicFiles.write(p, io.moesim.validation.database.DbReports.ncclYaml(r.fits().get(io.moesim.validation.database.DbProtocol.NCCL), source));
            out.println("wrote " + p);
        }
        if (json != null) {
            AtomicFiles.write(json, Json.write(io.moesim.validation.database.DbReports.toJson(r)));
        }
        if (residuals != null) {
            AtomicFiles.write(residuals, io.moesim.validation.database.DbReports.residualsTsv(r));
            out.println("wrote " + residuals);
        }
        return 0;
    }

    /**
     * Where the committed data sets ({@code traces/}) are: the working folder when it has them (a
     * checkout), else the checkout the running jar was built in ({@code cli/target/moesim.jar}), so
     * {@code validate} works from any folder.
     */
    static Path dataRoot() {
        Path here = Path.of(".");
        if (Files.isDirectory(here.resolve("traces"))) {
            return here;
        }
        try {
            Path jar = Path.of(ValidateCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path root = jar.getParent() == null || jar.getParent().getParent() == null ? null : jar.getParent().getParent().getParent();
            if (root != null && Files.isDirectory(root.resolve("traces"))) {
                return root;
            }
        } catch (Exception | LinkageError e) {
            // not run from a jar: the working folder it is
        }
        return here;
    }

    /** A relative data path that is not under the working folder, looked up under {@link #dataRoot()}. */
    private static Path inData(Path p) {
        return p.isAbsolute() || Files.exists(p) ? p : dataRoot().resolve(p);
    }

    private int gpu(PrintWriter out) {
        Path trace = traceOut != null ? traceOut : Path.of("traces", "measured", "jcuda-" + (target == null ? "h100" : target) + ".jsonl");
        GpuRunReport r;
        try {
            r = GpuValidation.run(GpuRunOptions.defaults(target == null ? "h100" : target, trace));
        } catch (NoGpuException e) {
            throw new UnavailableException(e.getMessage());
        }
        out.println("GPU: " + r.environment());
        for (NumericCheck c : r.checks()) {
            out.printf(Locale.ROOT, "  check %-32s max abs %.3g rel %.3g (tolerance %.3g) %s%n", c.what(), c.maxAbs(), c.maxRel(), c.tolerance(),
                    c.pass() ? "ok" : "FAIL");
        }
        out.println("wrote " + r.trace() + " (" + r.measurements().size() + " measurements)");
        return r.checksPass() ? 0 : 1;
    }

    /** The widest line validate prints: a terminal of 120 columns shows every row whole. */
    static final int MAX_LINE = 120;

    /**
     * The per-row table in at most {@link #MAX_LINE} columns: GPU and source (the same for many rows)
     * become a short reference, spelled out once below the table, and long op texts are cut
     * (whole in --json).
     */
    static String rowsText(List<List<String>> table) {
        List<String> h = ValidationReport.HEADER;
        int gpu = h.indexOf("gpu");
        int source = h.indexOf("source");
        int kind = h.indexOf("kind");
        int op = h.indexOf("op");
        java.util.Map<String, String> refs = new java.util.LinkedHashMap<>();
        List<String> header = new java.util.ArrayList<>();
        for (int i = 0; i < h.size(); i++) {
            if (i != gpu && i != source) {
                header.add(h.get(i));
            }
        }
        header.add("ref");
        List<List<String>> rows = new java.util.ArrayList<>();
        for (List<String> row : table) {
            String key = row.get(gpu) + "; " + row.get(source);
            String ref = refs.computeIfAbsent(key, k -> "[" + (refs.size() + 1) + "]");
            List<String> c = new java.util.ArrayList<>();
            for (int i = 0; i < row.size(); i++) {
                if (i == op && row.get(i).startsWith(row.get(kind) + " ")) {
                    c.add(row.get(i).substring(row.get(kind).length() + 1)); // the kind is in its own column
                } else if (i != gpu && i != source) {
                    c.add(row.get(i));
                }
            }
            c.add(ref);
            rows.add(c);
        }
        StringBuilder sb = new StringBuilder(fit(header, rows, "op"));
        if (!refs.isEmpty()) {
            sb.append("ref: GPU; source\n");
            refs.forEach((k, ref) -> sb.append(wrap(ref + " " + k, "    ")));
        }
        return sb.toString();
    }

    /** Renders the table, cutting the cells of {@code column} until no line is wider than {@link #MAX_LINE}. */
    static String fit(List<String> header, List<List<String>> rows, String column) {
        String text = null;
        for (int cap = 200; cap >= 12; cap -= 2) {
            TextTable t = new TextTable(header).cap(column, cap);
            rows.forEach(t::row);
            text = t.render();
            if (text.lines().allMatch(l -> l.length() <= MAX_LINE)) {
                break;
            }
        }
        return text;
    }

    /** One line, wrapped at spaces to {@link #MAX_LINE}; continuation lines indented. */
    static String wrap(String line, String indent) {
        StringBuilder sb = new StringBuilder();
        StringBuilder cur = new StringBuilder();
        for (String word : line.split(" ")) {
            if (cur.length() > 0 && cur.length() + 1 + word.length() > MAX_LINE) {
                sb.append(cur).append('\n');
                cur = new StringBuilder(indent);
            } else if (cur.length() > 0 && !cur.toString().equals(indent)) {
                cur.append(' ');
            }
            cur.append(word);
        }
        return sb.append(cur).append('\n').toString();
    }

    /** One fitted engine figure as a profile line; a figure fitted to zero is left out (spec figures are > 0; absent means none). */
    private static void engineFigure(PrintWriter out, String key, double value, String src) {
        if (value > 0) {
            out.printf(Locale.ROOT, "  %s: {value: %s, source: \"%s\"}%n", key, Double.toString(value), src);
        } else {
            out.printf(Locale.ROOT, "  # %s fitted to 0: leave the key out (%s)%n", key, src);
        }
    }
}
