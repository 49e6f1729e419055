package io.moesim.cli;

import io.moesim.ir.MoesimException;
import io.moesim.ir.io.AtomicFiles;
import io.moesim.reports.Reports;
import io.moesim.sweep.ExperimentReport;
import io.moesim.sweep.ExperimentResults;
import io.moesim.sweep.ExperimentSpec;
import io.moesim.sweep.ExperimentSpecs;
import io.moesim.sweep.Experiments;
import io.moesim.sweep.SimulatorEvaluatorFactory;
import io.moesim.sweep.SweepRequest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code moesim experiment FILE}: an experiment file's runs on the sweep engine, then its comparison table and its analyses. */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = {"Run an experiment file (a paper's configurations, how its runs pair up into ratios, the paper's figures with",
            "their sources; see sweep/src/main/resources/experiments/duplex.yaml) on the sweep engine, then write the comparison",
            "table as OUT/experiment.md and OUT/experiment.json. The runs are one sweep stored in OUT (OUT/points/, OUT/results.csv,",
            "OUT/results.parquet): after a kill the same command resumes where it stopped; --engine spark runs them as a Spark job.",
            "Then the analyses the file names (decode iterations, serving saturation) into OUT/analyses.md.",
            "FILE: a YAML file, or a built-in experiment's name (duplex, duplex-quick). Progress goes to stderr.",
            "A bad file is one line naming the file and the key (exit 2), before anything is written."})
final class ExperimentCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The experiment file, or a built-in experiment's name (duplex, duplex-quick).")
    String file;

    @Option(names = {"--out-dir", "--out"}, paramLabel = "DIR",
            description = "Output folder (the sweep's store and the tables); also --out, as in sweep. Default: moesim-out/experiment-NAME.")
    Path out;

    @picocli.CommandLine.Mixin
    EngineOptions where = new EngineOptions();

    @Option(names = "--report", paramLabel = "DIR", description = "Also write the sweep's HTML report of the runs (Pareto front and table) into DIR.")
    Path report;

    @Override
    public Integer call() {
        SweepRequest.Engine e = where.engine();
        ExperimentSpec exp = ExperimentSpecs.load(file); // every check before anything is written
        check(exp);
        Path dir = out != null ? out : Path.of("moesim-out", "experiment-" + exp.name());
        AtomicFiles.checkFolder(dir, dir);
        if (report != null) {
            AtomicFiles.checkFolder(report, report);
        }
        PrintWriter err = spec.commandLine().getErr();
        ExperimentResults r = run(exp, dir, e, where.master, where.parallelism, err);
        Path analyses = dir.resolve(ANALYSES);
        if (!exp.analyses().isEmpty()) {
            AtomicFiles.write(analyses, new ExperimentAnalyses(exp, r, err).markdown());
        }
        PrintWriter w = spec.commandLine().getOut();
        w.printf(Locale.ROOT, "experiment %s on %s: %d runs (%d resumed from a previous run, %d evaluated) in %.1f s%n", exp.name(),
                r.outcome().engine(), r.outcome().total(), r.outcome().resumed(), r.outcome().evaluated(), r.outcome().wallS());
        w.println("results: " + r.outcome().csv() + ", " + r.outcome().parquet());
        w.println("tables: " + dir.resolve(ExperimentReport.MARKDOWN) + ", " + dir.resolve(ExperimentReport.JSON));
        if (!exp.analyses().isEmpty()) {
            w.println("analyses (" + String.join(", ", exp.analyses().stream().map(ExperimentSpec.Analysis::name).toList()) + "): " + analyses);
        }
        if (report != null) {
            w.println("report: " + Reports.write(Reports.fromFiles("moesim experiment " + exp.name(), List.of(r.outcome().csv())), report));
        }
        return 0;
    }

    /** The analyses' Markdown in the output folder. */
    static final String ANALYSES = "analyses.md";

    /**
     * Every check of an experiment before anything runs or is written: the sweep's own (spec key paths; the file's were made
     * when it was read) and its analyses' kinds.
     */
    static void check(ExperimentSpec exp) {
        new io.moesim.sweep.ExperimentEvaluatorFactory().create(Experiments.sweepSpec(exp));
        ExperimentAnalyses.check(exp);
    }

    /**
     * Runs an experiment's sweep with progress on {@code err}, then writes its comparison tables into {@code dir}
     * ({@link ExperimentReport#MARKDOWN}, {@link ExperimentReport#JSON}); a failed run is an error (the tables need every run).
     */
    static ExperimentResults run(ExperimentSpec exp, Path dir, SweepRequest.Engine engine, String master, int parallelism, PrintWriter err) {
        KernelStores.store(); // points share the persistent kernel estimates, as simulate does
        SweepRequest req = new SweepRequest(Path.of(exp.file()), dir, engine, master, parallelism, new SimulatorEvaluatorFactory(), Map.of());
        Progress.Sweep ticker = new Progress.Sweep(err, "experiment " + exp.name(), "runs");
        ExperimentResults r = Experiments.run(exp, req, ticker.listener());
        ticker.end();
        if (r.outcome().failed() > 0) {
            throw new MoesimException(r.outcome().failed() + " of " + r.outcome().total() + " runs failed; see the error column of " + r.outcome().csv());
        }
        AtomicFiles.write(dir.resolve(ExperimentReport.MARKDOWN), ExperimentReport.markdown(r));
        AtomicFiles.write(dir.resolve(ExperimentReport.JSON), ExperimentReport.json(r));
        return r;
    }
}
