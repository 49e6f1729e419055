package io.moesim.cli;

import java.util.List;

/** The subcommands, in the order `moesim --help` lists them. */
final class Commands {
    private Commands() {
    }

    static List<Object> all() {
        return List.of(
                new DemoCommand(),
                new ModelCommands.ListModels(), new ModelCommands.ModelGroup(), new ModelCommands.GraphCmd(), new ModelCommands.Check(),
                new TargetCommands.ListTargets(), new TargetCommands.TargetGroup(),
                new TargetCommands.ListSystems(), new TargetCommands.SystemGroup(),
                new RooflineCommand(), new CompileCommand(), new SimulateCommand(), new CompareCommand(), new OpCommand(), new ValidateCommand(), new ReportCommand(), new SweepCommand(), new ExportFirrtlCommand(), new ReproduceCommand());
    }
}
