package io.moesim.cli;

import io.moesim.reports.Reports;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moesim report}: an offline HTML report from result files. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Write a self-contained, offline HTML report (charts as SVG) from result files:",
            "simulate/compare results (--json output), a sweep's results.csv, and a Perfetto timeline (--trace output)."})
final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "RESULT", description = "Result files (.json runs, .csv sweeps, a .json timeline).")
    List<Path> results;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Folder for index.html and its charts.")
    Path output;

    @Option(names = "--title", defaultValue = "moesim report", paramLabel = "TEXT", description = "Report title. Default: ${DEFAULT-VALUE}.")
    String title;

    @Override
    public Integer call() {
        Path index = Reports.write(Reports.fromFiles(title, results), output);
        spec.commandLine().getOut().println("report: " + index);
        return 0;
    }
}
