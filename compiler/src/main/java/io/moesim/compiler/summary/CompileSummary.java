package io.moesim.compiler.summary;

import io.moesim.compiler.Compiler;
import io.moesim.compiler.Pipeline;
import io.moesim.compiler.passes.OpbAnalysis;
import io.moesim.compiler.plan.DeviceMemory;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.compiler.plan.Task;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code moesim compile} prints: per layer type the processors each op kind runs on and the
 * bytes it sends over links per iteration, the Op/B histogram of the per-device graph, the memory
 * of each device, the pass timings and the passes' notes. Built from the plan (ground truth) and
 * the Op/B analysis; render with {@link SummaryText#render}.
 */
public record CompileSummary(String system, String model, int devices, int tasks, Map<String, Object> options, List<LayerType> layerTypes,
        List<Bin> opbHistogram, List<DeviceMemory> memory, List<Pipeline.Timing> timings, List<String> notes) {

    public CompileSummary {
        layerTypes = List.copyOf(layerTypes);
        opbHistogram = List.copyOf(opbHistogram);
        memory = List.copyOf(memory);
        timings = List.copyOf(timings);
        notes = List.copyOf(notes);
    }

    /**
     * One layer type.
     *
     * @param processors per op mnemonic (sorted), tasks per processor (sorted), all devices
     * @param linkBytes  bytes sent over links per iteration, all devices together
     */
    public record LayerType(String name, Map<String, Map<String, Long>> processors, long flops, long dramBytes, double linkBytes, long tasks) {
    }

    /** One Op/B bin: executions per iteration on one device. */
    public record Bin(String label, long ops) {
    }

    public static CompileSummary of(Compiler.Result r) {
        HardwarePlan plan = r.plan();
        Map<String, Map<String, Map<String, Long>>> procs = new TreeMap<>();
        Map<String, double[]> figs = new TreeMap<>();
        for (Task t : plan.tasks()) {
            String lt = t.layerType();
            procs.computeIfAbsent(lt, k -> new TreeMap<>()).computeIfAbsent(t.op().mnemonic(), k -> new TreeMap<>()).merge(t.processor(), 1L, Long::sum);
            double[] f = figs.computeIfAbsent(lt, k -> new double[4]);
            f[0] += t.flops();
            f[1] += t.bytes();
            f[2] += t.linkBytes();
            f[3] += 1;
        }
        List<LayerType> types = new ArrayList<>();
        for (String lt : order(procs.keySet())) {
            double[] f = figs.get(lt);
            types.add(new LayerType(lt, procs.get(lt), (long) f[0], (long) f[1], f[2], (long) f[3]));
        }
        List<Bin> bins = new ArrayList<>();
        r.program().fact(OpbAnalysis.class).ifPresent(a -> {
            long[] h = a.histogram();
            for (int b = 0; b < h.length; b++) {
                bins.add(new Bin(OpbAnalysis.binLabel(b), h[b]));
            }
        });
        return new CompileSummary(plan.system(), plan.model(), plan.devices(), plan.tasks().size(), plan.options(), types, bins, plan.memory(),
                r.timings(), r.notes());
    }

    /** Layer types in model order: embed, attention, ffn, moe, head, then any other. */
    private static List<String> order(Iterable<String> names) {
        List<String> fixed = List.of("embed", "attention", "ffn", "moe", "head");
        List<String> out = new ArrayList<>();
        List<String> all = new ArrayList<>();
        names.forEach(all::add);
        for (String f : fixed) {
            if (all.contains(f)) {
                out.add(f);
            }
        }
        for (String n : all) {
            if (!out.contains(n)) {
                out.add(n);
            }
        }
        return out;
    }

    public String render() {
        return SummaryText.render(this);
    }
}
