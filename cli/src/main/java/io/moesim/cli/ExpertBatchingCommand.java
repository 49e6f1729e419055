package io.moesim.cli;

import io.moesim.compiler.cost.CostModel;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.MoesimException;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.model.Routing;
import io.moesim.sim.RunSpec;
import io.moesim.sim.kernel.KernelSimulator;
import io.moesim.sim.offload.PregatedBatching;
import io.moesim.sim.system.CollectiveAlgorithm;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code moesim expert-batching}: Read-ME's pre-gated, expert-aware batching against the plain router. */
@Command(name = "expert-batching", mixinStandardHelpOptions = true,
        description = {"Read-ME (arXiv 2410.19123) expert-aware batching: with routing known ahead (a pre-gating router), a pool of decoding "
                + "sequences is served in steps whose tokens are grouped by expert, against the plain router's steps in queue order.",
            "Each step is a decode iteration compiled and simulated as simulate does; prints the round's latency, the experts each step "
                + "activates and their weight bytes, for both."})
final class ExpertBatchingCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "M", description = "A model of the zoo or a config.json with MoE layers.")
    String model;

    @Option(names = "--system", required = true, paramLabel = "ID", description = "The system (e.g. h100x1, duplex-x4).")
    String system;

    @Option(names = "--set", paramLabel = "KEY.PATH=VALUE", description = "Override one spec figure (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--pool", defaultValue = "256", paramLabel = "N", description = "Decoding sequences whose next token is pre-gated. Default: ${DEFAULT-VALUE}.")
    int pool;

    @Option(names = "--batch", defaultValue = "64", paramLabel = "B", description = "Tokens per decode step. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--kv-len", defaultValue = "1024", paramLabel = "L", description = "KV length of every sequence. Default: ${DEFAULT-VALUE}.")
    long kvLen;

    @Option(names = "--routing", defaultValue = RunSpec.DEFAULT_ROUTING, paramLabel = "R", description = "uniform, zipf:S or trace:FILE. Default: ${DEFAULT-VALUE}.")
    String routing;

    @Option(names = "--seed", defaultValue = "" + RunSpec.DEFAULT_SEED, paramLabel = "N", description = "Seed of the routing draw. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--dtype", paramLabel = "D", description = "Serving dtype. Default: the model's weight dtype.")
    String dtype;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        ModelConfig m = ModelZoo.resolve(model);
        if (kvLen < 1) {
            throw new MoesimException("--kv-len must be >= 1");
        }
        SystemSpec sys = Systems.load(system, sets);
        DType dt = dtype == null ? m.weightDtype() : DType.parse(dtype);
        CostModel cost = RunSpec.defaultCostModel(new KernelSimulator(KernelStores.store().orElse(null)));
        PregatedBatching.Result r = PregatedBatching.run(m, dt, sys, RunSpec.defaultCompileOptions(sys.devices(), routing, seed), cost,
                CollectiveAlgorithm.AUTO, pool, batch, kvLen, Routing.parse(routing), seed);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("model", m.name());
            j.put("system", sys.id());
            j.put("routing", routing);
            j.put("kv_len", kvLen);
            j.put("cost_model", cost.name());
            j.putAll(r.toMap());
            out.println(Json.write(j));
            return 0;
        }
        out.printf(Locale.ROOT, "%s on %s: %d pre-gated decoding sequences in %d steps of <= %d tokens, KV %d, routing %s%n", m.name(), sys.id(), pool,
                r.plain().size(), batch, kvLen, routing);
        for (String side : new String[] {"plain", "aware"}) {
            List<PregatedBatching.Step> s = side.equals("plain") ? r.plain() : r.aware();
            out.printf(Locale.ROOT, "  %-6s round %.1f us   experts per step %.2f of %d   expert weights read %.2f GB%n",
                    side.equals("plain") ? "plain" : "aware", PregatedBatching.Result.roundUs(s), PregatedBatching.Result.meanActive(s),
                    m.moe().experts(), PregatedBatching.Result.expertBytes(s) / 1e9);
        }
        out.printf(Locale.ROOT, "  expert-aware batching saves %.1f%% of the round's latency%n", 100 * r.latencySaving());
        return 0;
    }
}
