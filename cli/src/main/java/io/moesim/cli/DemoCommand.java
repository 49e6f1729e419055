package io.moesim.cli;

import io.moesim.ir.graph.Graph;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code moesim demo}: the main job on built-in defaults. Mixtral-8x7B decode at batch 64 (KV
 * length 1024): every op's FLOPs, minimum DRAM bytes and Op/B, which is what decides where each op
 * should run.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the main job on built-in defaults: Mixtral-8x7B decode at batch 64,",
            "each op's FLOPs, minimum DRAM bytes and Op/B."})
final class DemoCommand implements Callable<Integer> {
    static final String MODEL = "mixtral-8x7b";
    static final int BATCH = 64;
    static final long KV_LEN = 1024;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ModelConfig m = ModelZoo.get(MODEL);
        Graph g = GraphGenerator.generate(GraphRequest.decode(m, BATCH, KV_LEN));
        out.printf("moesim demo: %s decode, batch %d, KV length %d, %s%n%n", m.name(), BATCH, KV_LEN, m.weightDtype().text());
        TextTable t = new TextTable(List.of("op", "kind", "runs", "GFLOP", "MB", "Op/B"));
        for (OpTable.Row r : OpTable.rows(g)) {
            t.row(r.name(), r.node().op().mnemonic(), r.times(), ModelCommands.fmt(r.flops() / 1e9), ModelCommands.fmt(r.bytes() / 1e6),
                    ModelCommands.fmt(r.opPerByte()));
        }
        out.print(t.render());
        out.println();
        out.print(ModelCommands.summary(g));
        return 0;
    }
}
