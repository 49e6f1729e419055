package io.moesim.cli;

import io.moesim.ir.io.AtomicFiles;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.Targets;
import io.moesim.hw.firrtl.BlockParams;
import io.moesim.hw.firrtl.FirrtlExport;
import io.moesim.hw.firrtl.TargetBlocks;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moesim export-firrtl}: a hardware block, parameterised by a target, as FIRRTL 4 text. */
@Command(name = "export-firrtl", mixinStandardHelpOptions = true,
        description = {"Export a hardware block as FIRRTL (version 4) for CIRCT/Chisel flows.",
            "Blocks: mac-array (one engine's matrix unit, output-stationary), pim-gemm (the Logic-PIM GEMM module),",
            "sequencer (a ROM of DRAM commands streaming one row through a bank bundle at the spec's timing).",
            "Compile with: firtool --disable-all-randomization FILE.fir -o FILE.sv"})
final class ExportFirrtlCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--block", required = true, paramLabel = "BLOCK", description = "mac-array, pim-gemm or sequencer.")
    String block;

    @Option(names = "--target", required = true, paramLabel = "ID|FILE.yaml", description = "Target whose figures size the block.")
    String target;

    @Option(names = "--set", paramLabel = "KEY.PATH=VALUE", description = "Override one spec figure (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = {"-o", "--output"}, paramLabel = "FILE.fir", description = "Output file (default: stdout).")
    Path output;

    @Override
    public Integer call() {
        if (output != null) {
            AtomicFiles.checkWritable(output);
        }
        DeviceSpec d = Targets.load(target, sets);
        BlockParams params = TargetBlocks.forBlock(block, d);
        String fir = FirrtlExport.generate(params);
        if (output == null) {
            spec.commandLine().getOut().print(fir);
        } else {
            AtomicFiles.write(output, fir);
            // one line: the block's parameters can be a long object dump (the sequencer's program)
            spec.commandLine().getErr().println("wrote " + output + " (" + block + " for " + target + ", "
                    + fir.lines().count() + " lines)");
        }
        return 0;
    }
}
