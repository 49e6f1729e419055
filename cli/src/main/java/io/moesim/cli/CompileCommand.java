package io.moesim.cli;

import io.moesim.ir.io.AtomicFiles;
import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.Compiler;
import io.moesim.compiler.plan.PlanJson;
import io.moesim.compiler.summary.CompileSummary;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.text.MoeirPrinter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moesim compile}: one iteration's graph to a hardware plan. */
@Command(name = "compile", mixinStandardHelpOptions = true,
        description = {"Compile one iteration of a model onto a system: parallelise, place experts and ops, insert and overlap",
            "communication, plan memory, lower to a hardware plan (JSON). Prints a summary.",
            "Passes: verify, parallelize, fuse, analyze, place-experts, place-processors, plan-memory, schedule, lower."})
final class CompileCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    GraphOptions graph;

    @Mixin
    CompileFlags flags;

    @Option(names = "--system", required = true, paramLabel = "ID", description = "A system (see 'moesim systems'), NAMExN, or a spec file.")
    String system;

    @Option(names = "--set", paramLabel = "KEY.PATH=VALUE", description = "Override one spec figure of the device (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--dump-after", paramLabel = "PASS", description = "Write the graph after this pass as .moeir (to PASS.moeir beside -o, or stderr).")
    String dumpAfter;

    @Option(names = {"-o", "--output"}, paramLabel = "plan.json", description = "Write the hardware plan here.")
    Path output;

    @Override
    public Integer call() {
        if (output != null) {
            AtomicFiles.checkWritable(output);
        }
        SystemSpec sys = Systems.load(system, sets);
        Graph g = GraphGenerator.generate(graph.request());
        CompileOptions opts = flags.options(sys, graph.routing, graph.seed);
        String[] dumped = new String[1];
        Compiler.Result r = Compiler.compile(g, sys, opts, flags.costModel(), dumpAfter, (pass, program) -> dumped[0] = MoeirPrinter.print(program.graph()));
        // everything computed: now write, so a failure above leaves nothing half-written
        if (output != null) {
            // streamed: a plan of 20,000 tasks is megabytes of JSON, not worth holding as one string
            AtomicFiles.write(output, out -> PlanJson.write(r.plan(), out));
        }
        if (dumped[0] != null) {
            if (output != null) {
                Path dump = output.toAbsolutePath().resolveSibling(dumpAfter + ".moeir");
                AtomicFiles.write(dump, dumped[0]);
                spec.commandLine().getErr().println("wrote " + dump);
            } else {
                spec.commandLine().getErr().print(dumped[0]);
            }
        }
        spec.commandLine().getOut().print(CompileSummary.of(r).render());
        spec.commandLine().getOut().println(flags.describeFramework(sys.device()));
        if (output != null) {
            spec.commandLine().getOut().println("plan: " + output + " (" + r.plan().tasks().size() + " tasks)");
        }
        return 0;
    }
}
