package io.moesim.cli;

import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.cost.CostModel;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.MoesimException;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.sim.RunSpec;
import io.moesim.sim.kernel.KernelSimulator;
import io.moesim.sim.system.CollectiveAlgorithm;
import io.moesim.sim.system.MoeWeakScaling;
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

/** {@code moesim moe-scaling}: FlashMoE's weak-scaling efficiency of one MoE layer, per overlap. */
@Command(name = "moe-scaling", mixinStandardHelpOptions = true,
        description = {"Weak-scaling efficiency T(2 GPUs)/T(N GPUs) of one MoE layer of the model with the work per GPU fixed, for each overlap "
                + "(none, layer, tile, fused), as FlashMoE (arXiv 2506.04667) reports it.",
            "The layer runs expert parallel over 2, 4 and so on up to the system's N GPUs (smaller systems cut from it); experts per GPU: "
                + "the model's experts over N; tokens per GPU: --tokens-per-gpu, routed uniformly."})
final class MoeScalingCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "M", description = "A model of the zoo or a config.json with MoE layers.")
    String model;

    @Option(names = "--system", required = true, paramLabel = "ID", description = "The largest system (e.g. h100x8); smaller ones are cut from it.")
    String system;

    @Option(names = "--set", paramLabel = "KEY.PATH=VALUE", description = "Override one spec figure (repeatable).")
    List<String> sets = new ArrayList<>();

    @Option(names = "--tokens-per-gpu", defaultValue = "2048", paramLabel = "T", description = "Tokens per GPU. Default: ${DEFAULT-VALUE}.")
    long tokensPerGpu;

    @Option(names = "--tiles", defaultValue = "" + RunSpec.DEFAULT_TILES, paramLabel = "N", description = "Tiles per MoE layer (tile, fused). Default: ${DEFAULT-VALUE}.")
    int tiles;

    @Option(names = "--dtype", defaultValue = "bf16", paramLabel = "D", description = "Activation and weight dtype. Default: ${DEFAULT-VALUE}.")
    String dtype;

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        ModelConfig m = ModelZoo.resolve(model);
        if (m.moe() == null) {
            throw new MoesimException("--model " + model + " has no MoE layers");
        }
        if (tokensPerGpu < 1 || tiles < 1) {
            throw new MoesimException("--tokens-per-gpu and --tiles must be >= 1");
        }
        SystemSpec sys = Systems.load(system, sets);
        if (sys.devices() < 2) {
            throw new MoesimException("--system " + system + " has " + sys.devices() + " device; weak scaling needs at least 2");
        }
        MoeWeakScaling.Shape shape = MoeWeakScaling.shapeOf(m.moe(), m.hidden(), DType.parse(dtype), sys.devices(), tokensPerGpu);
        CostModel cost = RunSpec.defaultCostModel(new KernelSimulator(KernelStores.store().orElse(null))); // estimates persist, as in simulate
        PrintWriter out = spec.commandLine().getOut();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Overlap o : Overlap.values()) {
            MoeWeakScaling.Result r = MoeWeakScaling.measure(sys, shape, o, tiles, cost, CollectiveAlgorithm.AUTO);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("overlap", o.name().toLowerCase(Locale.ROOT));
            List<Long> devs = new ArrayList<>();
            List<Double> us = new ArrayList<>();
            for (MoeWeakScaling.Point p : r.points()) {
                devs.add((long) p.devices());
                us.add(p.layerUs());
            }
            row.put("devices", devs);
            row.put("layer_us", us);
            row.put("weak_scaling_efficiency", r.efficiency());
            rows.add(row);
        }
        if (json) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("model", m.name());
            j.put("system", sys.id());
            j.put("experts_per_gpu", (long) shape.expertsPerDevice());
            j.put("top_k", (long) shape.topK());
            j.put("tokens_per_gpu", shape.tokensPerDevice());
            j.put("expert_slices", (long) shape.slices());
            j.put("cost_model", cost.name());
            j.put("overlaps", rows);
            out.println(Json.write(j));
            return 0;
        }
        out.printf(Locale.ROOT, "%s MoE layer on %s: %d experts and %d tokens per GPU, top-%d, hidden %d, expert FFN %d%n", m.name(), sys.id(),
                shape.expertsPerDevice(), shape.tokensPerDevice(), shape.topK(), shape.hidden(), shape.ffn());
        if (shape.slices() > 1) {
            out.printf(Locale.ROOT, "  (fewer of the model's experts per GPU than GPUs: each expert cut into %d slices of FFN %d, every copy of a token "
                    + "sent to all %d, so each GPU's tokens reach every GPU; weights and FLOPs per GPU unchanged)%n", shape.slices(), shape.ffn(),
                    shape.slices());
        }
        for (Map<String, Object> row : rows) {
            StringBuilder b = new StringBuilder();
            @SuppressWarnings("unchecked")
            List<Long> devs = (List<Long>) row.get("devices");
            @SuppressWarnings("unchecked")
            List<Double> us = (List<Double>) row.get("layer_us");
            for (int i = 0; i < devs.size(); i++) {
                b.append(String.format(Locale.ROOT, "  T(%d) %.1f us", devs.get(i), us.get(i)));
            }
            out.printf(Locale.ROOT, "  %-6s T(2)/T(%d) %.3f %s%n", row.get("overlap"), devs.get(devs.size() - 1), row.get("weak_scaling_efficiency"), b);
        }
        return 0;
    }
}
