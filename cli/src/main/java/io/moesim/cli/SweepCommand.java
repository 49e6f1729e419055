package io.moesim.cli;

import io.moesim.ir.MoesimException;
import io.moesim.reports.Reports;
import io.moesim.sweep.SimulatorEvaluatorFactory;
import io.moesim.sweep.SweepOutcome;
import io.moesim.sweep.SweepRequest;
import io.moesim.sweep.Sweeps;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moesim sweep}: a design-space sweep, embedded (default) or on Spark. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Run a design-space sweep from a YAML spec (base, axes or points, metrics; see sweep/examples/).",
            "Each finished point is stored atomically in OUT/points/: after a crash, the same command resumes where it stopped.",
            "Results: OUT/results.csv and OUT/results.parquet. --engine spark runs the same spec as a Spark job (through bin/moesim)."})
final class SweepCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--spec", required = true, paramLabel = "sweep.yaml", description = "The sweep spec.")
    Path specFile;

    @Option(names = {"--out", "--out-dir"}, defaultValue = "moesim-out/sweep", paramLabel = "DIR", description = "Output folder; also --out-dir (in simulate, demo and tune --out is the output length). Default: ${DEFAULT-VALUE}.")
    Path out;

    @picocli.CommandLine.Mixin
    EngineOptions where = new EngineOptions();

    @Option(names = "--report", paramLabel = "DIR", description = "Write an HTML report of the results (Pareto front and table) into DIR.")
    Path report;

    @Override
    public Integer call() {
        SweepRequest.Engine e = where.engine();
        io.moesim.ir.io.AtomicFiles.checkFolder(out, out);
        if (report != null) {
            io.moesim.ir.io.AtomicFiles.checkFolder(report, report);
        }
        KernelStores.store(); // points share the persistent kernel estimates, as simulate does
        SweepRequest req = new SweepRequest(specFile, out, e, where.master, where.parallelism, new SimulatorEvaluatorFactory(), Map.of());
        PrintWriter err = spec.commandLine().getErr();
        Progress.Sweep ticker = new Progress.Sweep(err, "sweep", "points");
        SweepOutcome o = Sweeps.run(req, ticker.listener());
        ticker.end();
        PrintWriter w = spec.commandLine().getOut();
        w.printf(Locale.ROOT, "sweep on %s: %d points (%d resumed from a previous run, %d evaluated, %d failed) in %.1f s, %.2f points/s%n", o.engine(),
                o.total(), o.resumed(), o.evaluated(), o.failed(), o.wallS(), o.pointsPerSecond());
        w.println("results: " + o.csv() + ", " + o.parquet());
        if (report != null) {
            w.println("report: " + Reports.write(Reports.fromFiles("moesim sweep " + specFile.getFileName(), List.of(o.csv())), report));
        }
        if (o.failed() > 0) {
            throw new MoesimException(o.failed() + " of " + o.total() + " points failed; see the error column of " + o.csv());
        }
        return 0;
    }
}
