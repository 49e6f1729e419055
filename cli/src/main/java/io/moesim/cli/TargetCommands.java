package io.moesim.cli;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.SystemViews;
import io.moesim.hw.TargetViews;
import io.moesim.hw.Targets;
import io.moesim.hw.Systems;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moesim targets}, {@code target show}, {@code systems}, {@code system show}. */
final class TargetCommands {
    private TargetCommands() {
    }

    @Command(name = "targets", mixinStandardHelpOptions = true, description = "List the built-in device targets with their headline figures.")
    static final class ListTargets implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            TextTable t = new TextTable(TargetViews.header());
            for (String id : Targets.ids()) {
                t.row(TargetViews.row(Targets.load(id)));
            }
            spec.commandLine().getOut().print(t.render());
            return 0;
        }
    }

    @Command(name = "target", mixinStandardHelpOptions = true, description = "Show one target.", subcommands = ShowTarget.class)
    static final class TargetGroup extends GroupCommand {
    }

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Show a target's spec and derived figures (peaks, ridge points, PIM bandwidth).")
    static final class ShowTarget implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID|FILE.yaml", description = "A built-in target id (see 'moesim targets') or a spec file.")
        String id;

        @Option(names = "--set", paramLabel = "KEY.PATH=VALUE", description = "Override one spec figure, e.g. memory.hbm_bandwidth_GBps=4000 (repeatable).")
        List<String> sets = new ArrayList<>();

        @Option(names = "--json", description = "Print JSON instead of text.")
        boolean json;

        @Override
        public Integer call() {
            DeviceSpec d = Targets.load(id, sets);
            spec.commandLine().getOut().print(json ? Json.write(TargetViews.json(d)) : TargetViews.describe(d));
            return 0;
        }
    }

    @Command(name = "systems", mixinStandardHelpOptions = true,
            description = {"List the built-in systems (devices x links x topology).", "Any NAMExN of a known device (e.g. h200x8) is built on request."})
    static final class ListSystems implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            TextTable t = new TextTable(SystemViews.header());
            for (String id : Systems.ids()) {
                t.row(SystemViews.row(Systems.load(id)));
            }
            spec.commandLine().getOut().print(t.render());
            return 0;
        }
    }

    @Command(name = "system", mixinStandardHelpOptions = true, description = "Show one system.", subcommands = ShowSystem.class)
    static final class SystemGroup extends GroupCommand {
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a system: devices, links, topology, aggregate figures.")
    static final class ShowSystem implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "ID|FILE.yaml", description = "A system id (see 'moesim systems'), NAMExN, or a spec file.")
        String id;

        @Option(names = "--set", paramLabel = "KEY.PATH=VALUE", description = "Override one spec figure (repeatable).")
        List<String> sets = new ArrayList<>();

        @Option(names = "--json", description = "Print JSON instead of text.")
        boolean json;

        @Override
        public Integer call() {
            SystemSpec s = Systems.load(id, sets);
            spec.commandLine().getOut().print(json ? Json.write(SystemViews.json(s)) : SystemViews.describe(s));
            return 0;
        }
    }
}
