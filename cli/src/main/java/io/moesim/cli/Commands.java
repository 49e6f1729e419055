package io.moesim.cli;

import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine.Command;

/** The subcommands, in the order `moesim --help` lists them. */
final class Commands {
    private Commands() {
    }

    /** One subcommand: its class (for its name) and how to make it. */
    record Entry(Class<?> type, Supplier<Object> make) {
        boolean named(String name) {
            Command c = type.getAnnotation(Command.class);
            return c != null && (c.name().equals(name) || List.of(c.aliases()).contains(name));
        }
    }

    static List<Entry> entries() {
        return List.of(
                new Entry(DemoCommand.class, DemoCommand::new),
                new Entry(ModelCommands.ListModels.class, ModelCommands.ListModels::new),
                new Entry(ModelCommands.ModelGroup.class, ModelCommands.ModelGroup::new),
                new Entry(ModelCommands.GraphCmd.class, ModelCommands.GraphCmd::new),
                new Entry(ModelCommands.Check.class, ModelCommands.Check::new),
                new Entry(TargetCommands.ListTargets.class, TargetCommands.ListTargets::new),
                new Entry(TargetCommands.TargetGroup.class, TargetCommands.TargetGroup::new),
                new Entry(TargetCommands.ListSystems.class, TargetCommands.ListSystems::new),
                new Entry(TargetCommands.SystemGroup.class, TargetCommands.SystemGroup::new),
                new Entry(RooflineCommand.class, RooflineCommand::new), new Entry(CompileCommand.class, CompileCommand::new),
                new Entry(SimulateCommand.class, SimulateCommand::new), new Entry(CompareCommand.class, CompareCommand::new),
                new Entry(OpCommand.class, OpCommand::new), new Entry(ValidateCommand.class, ValidateCommand::new),
                new Entry(ReportCommand.class, ReportCommand::new), new Entry(SweepCommand.class, SweepCommand::new),
                new Entry(ExperimentCommand.class, ExperimentCommand::new),
                new Entry(ExportFirrtlCommand.class, ExportFirrtlCommand::new), new Entry(ReproduceCommand.class, ReproduceCommand::new),
                new Entry(TuneCommand.class, TuneCommand::new), new Entry(MoeScalingCommand.class, MoeScalingCommand::new),
                new Entry(ExpertBatchingCommand.class, ExpertBatchingCommand::new));
    }

    static List<Object> all() {
        return entries().stream().map(e -> e.make().get()).toList();
    }

    /**
     * Only the subcommands a command line needs, so start-up does not build (and class-load) all of
     * them: none for a lone {@code --version}, the one named by the first argument, else all.
     */
    static List<Object> forArgs(String[] args) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            return List.of();
        }
        if (args.length > 0) {
            for (Entry e : entries()) {
                if (e.named(args[0])) {
                    return List.of(e.make().get());
                }
            }
        }
        return all();
    }
}
