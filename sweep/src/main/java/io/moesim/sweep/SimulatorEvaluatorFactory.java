package io.moesim.sweep;

import io.moesim.hw.Systems;
import io.moesim.hw.Targets;
import io.moesim.ir.MoesimException;
import io.moesim.ir.model.ModelZoo;
import io.moesim.sim.RunSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Points as serving simulations ({@link io.moesim.sim.Simulator#simulate}). Base keys may sit at the
 * top of {@code base} or in its {@code workload:} and {@code compile:} sections; axes use the same
 * names. A dotted key is a spec key path applied as a {@code --set}: {@code device.PATH} or
 * {@code DEVICE_ID.PATH} (such as {@code duplex.logic_pim.tsv_multiplier}) reaches the system's
 * device, {@code system.PATH} the system itself.
 */
public final class SimulatorEvaluatorFactory implements EvaluatorFactory {
    private static final long serialVersionUID = 1L;

    static final Set<String> TOP = Set.of("model", "system", "sets");
    /** Keys of the compile options. */
    static final Set<String> COMPILE = Set.of("placement", "expert_placement", "overlap", "tiles", "tp", "ep", "dp", "pp", "moe_tp",
            "moe_ep", "moe_dp", "moe_pp", "ilp_time_limit_s", "routing_trace", "cost_model", "framework");
    /** Keys of the simulated serving run: every other key of a run ({@link RunSpec#KEYS}, {@link RunSpec#ALIASES}). */
    static final Set<String> WORKLOAD = workload();

    private static Set<String> workload() {
        Set<String> w = new java.util.TreeSet<>(RunSpec.KEYS);
        w.addAll(RunSpec.ALIASES.keySet());
        w.removeAll(COMPILE);
        w.removeAll(TOP);
        return Set.copyOf(w);
    }

    @Override
    public PointEvaluator create(SweepSpec spec) {
        Map<String, Object> base = flatten(spec);
        List<String> keys = new ArrayList<>(base.keySet());
        keys.addAll(spec.axisKeys());
        for (String k : keys) {
            String at = spec.axisKeys().contains(k) ? (spec.points().isEmpty() ? "axes." : "points[0].") + k : "base." + k;
            if (k.contains(".")) {
                String head = k.substring(0, k.indexOf('.'));
                if (!head.equals("device") && !head.equals("system") && !Targets.ids().contains(head)) {
                    throw SweepException.at(spec.file(), at, "a key path starts with device., system. or a device id ("
                            + String.join(", ", Targets.ids()) + "), not '" + head + "'");
                }
            } else if (!WORKLOAD.contains(k) && !COMPILE.contains(k) && !TOP.contains(k)) {
                throw SweepException.at(spec.file(), at, "unknown key (known: " + String.join(", ", known())
                        + ", or a spec key path such as duplex.logic_pim.tsv_multiplier)");
            }
        }
        if (!keys.contains("model")) {
            throw SweepException.at(spec.file(), "base.model", "missing: every point needs a model");
        }
        if (!keys.contains("system")) {
            throw SweepException.at(spec.file(), "base.system", "missing: every point needs a system");
        }
        for (Map.Entry<String, String> a : RunSpec.ALIASES.entrySet()) {
            if (keys.contains(a.getKey()) && keys.contains(a.getValue())) {
                String k = spec.axisKeys().contains(a.getKey()) ? a.getKey() : a.getValue();
                String at = spec.axisKeys().contains(k) ? (spec.points().isEmpty() ? "axes." : "points[0].") + k : "base." + k;
                throw SweepException.at(spec.file(), at, "given twice (as " + a.getKey() + " and " + a.getValue() + ", one setting)");
            }
        }
        checkNames(spec, base, "model");
        checkNames(spec, base, "system");
        return new SimulatorEvaluator(base);
    }

    /** The run of each point of {@code spec}, in point order: what a sweep of it simulates. */
    public static List<RunSpec> runs(SweepSpec spec) {
        SimulatorEvaluator ev = (SimulatorEvaluator) new SimulatorEvaluatorFactory().create(spec);
        List<RunSpec> out = new ArrayList<>();
        for (SweepPoint p : PointSet.expand(spec)) {
            out.add(ev.run(ev.point(p.axes())));
        }
        return out;
    }

    /** The simulation of point {@code index} of {@code spec}, exactly as a sweep runs it (before its metrics are taken). */
    public static io.moesim.sim.metrics.SimulationResult simulate(SweepSpec spec, int index) {
        SimulatorEvaluator ev = (SimulatorEvaluator) new SimulatorEvaluatorFactory().create(spec);
        return ev.simulate(PointSet.expand(spec).get(index).axes());
    }

    /** Fails early on a model or system name that no point could use. */
    private static void checkNames(SweepSpec spec, Map<String, Object> base, String key) {
        List<Object> values = new ArrayList<>();
        String at;
        if (base.containsKey(key)) {
            values.add(base.get(key));
            at = "base." + key;
        } else if (!spec.axes().isEmpty()) {
            values.addAll(spec.axes().get(key));
            at = "axes." + key;
        } else {
            spec.points().forEach(p -> values.add(p.get(key)));
            at = "points[*]." + key;
        }
        for (Object v : values) {
            try {
                if (key.equals("model")) {
                    ModelZoo.resolve(v.toString());
                } else {
                    Systems.load(v.toString());
                }
            } catch (MoesimException e) {
                throw SweepException.at(spec.file(), at, e.getMessage());
            }
        }
    }

    /** The base with its workload: and compile: sections lifted to the top. */
    static Map<String, Object> flatten(SweepSpec spec) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : spec.base().entrySet()) {
            if ((e.getKey().equals("workload") || e.getKey().equals("compile")) && e.getValue() instanceof Map<?, ?> m) {
                Set<String> allowed = e.getKey().equals("workload") ? WORKLOAD : COMPILE;
                for (Map.Entry<?, ?> f : m.entrySet()) {
                    String k = f.getKey().toString();
                    if (!allowed.contains(k)) {
                        throw SweepException.at(spec.file(), "base." + e.getKey() + "." + k, "unknown key (known here: "
                                + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
                    }
                    if (out.put(k, f.getValue()) != null) {
                        throw SweepException.at(spec.file(), "base." + e.getKey() + "." + k, "given twice");
                    }
                }
            } else if (out.put(e.getKey(), e.getValue()) != null) {
                throw SweepException.at(spec.file(), "base." + e.getKey(), "given twice");
            }
        }
        for (String k : spec.axisKeys()) {
            if (out.containsKey(k)) {
                throw SweepException.at(spec.file(), "base." + k, "is also an axis; remove it from base");
            }
        }
        return out;
    }

    private static List<String> known() {
        List<String> all = new ArrayList<>(TOP);
        all.addAll(WORKLOAD);
        all.addAll(COMPILE);
        all.sort(null);
        return all;
    }
}
