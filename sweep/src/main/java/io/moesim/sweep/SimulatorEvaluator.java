package io.moesim.sweep;

import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.MoesimException;
import io.moesim.sim.RunSpec;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.Simulator;
import io.moesim.sim.kernel.KernelSimulator;
import io.moesim.sim.metrics.ResultSchema;
import io.moesim.sim.metrics.SimulationResult;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One point, one serving simulation: the base overridden by the point's axes, read as a {@link RunSpec}
 * ({@link RunSpec#fromMap}, the same defaults as {@code moesim simulate}), so a point runs exactly as
 * {@code simulate} with the same settings would. Made by {@link SimulatorEvaluatorFactory}.
 */
final class SimulatorEvaluator implements PointEvaluator {
    private final Map<String, Object> base;
    /** System name to its device id, to route DEVICE_ID.PATH keys; loading a system spec is not free. */
    private final Map<String, String> deviceOf = new HashMap<>();
    /** System name and sets to the system. */
    private final Map<List<String>, SystemSpec> systems = new HashMap<>();
    /**
     * One kernel model per evaluator (one per thread), so its memo serves every point the thread runs;
     * backed by the process's persistent store where the CLI installed one.
     */
    private final io.moesim.sim.kernel.KernelStore store = io.moesim.sim.kernel.KernelStore.processDefault().orElse(null);
    private final KernelSimulator kernels = new KernelSimulator(store);

    SimulatorEvaluator(Map<String, Object> base) {
        this.base = base;
    }

    @Override
    public Map<String, Double> evaluate(Map<String, Object> axes) {
        return metrics(simulate(axes));
    }

    /** The simulation of the point with these axis values, whose metrics {@link #evaluate} gives. */
    SimulationResult simulate(Map<String, Object> axes) {
        RunSpec run = run(point(axes));
        SystemSpec sys = system(run);
        SimulationResult r = Simulator.simulate(run.request(sys, run.costModel(kernels)), sys);
        if (store != null) {
            store.flush(); // the point's new estimates, for the other workers and later sweeps
        }
        return r;
    }

    /** The base overridden by a point's axis values. */
    Map<String, Object> point(Map<String, Object> axes) {
        Map<String, Object> c = new LinkedHashMap<>(base);
        c.putAll(axes);
        return c;
    }

    /** The simulator's request of a point (for tests: what {@link #evaluate} runs). */
    SimulationRequest request(Map<String, Object> c) {
        RunSpec run = run(c);
        SystemSpec sys = system(run);
        return run.request(sys, run.costModel(kernels));
    }

    private SystemSpec system(RunSpec run) {
        List<String> key = new ArrayList<>(run.sets());
        key.add(0, run.system());
        return systems.computeIfAbsent(key, k -> Systems.load(run.system(), run.sets()));
    }

    /** A point's run: dotted keys become {@code --set}s of the system, the rest are {@link RunSpec#fromMap}'s keys. */
    RunSpec run(Map<String, Object> c) {
        Object sys = c.get("system");
        if (sys == null) {
            throw new MoesimException("system: missing");
        }
        String system = sys.toString();
        List<String> sets = new ArrayList<>();
        Object baseSets = c.get("sets");
        if (baseSets instanceof List<?> l) {
            l.forEach(s -> sets.add(s.toString()));
        } else if (baseSets != null) {
            sets.add(baseSets.toString());
        }
        Map<String, Object> keys = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : c.entrySet()) {
            String k = e.getKey();
            int dot = k.indexOf('.');
            if (dot < 0) {
                keys.put(k, e.getValue());
                continue;
            }
            String head = k.substring(0, dot);
            String rest = k.substring(dot + 1);
            String path;
            if (head.equals("device")) {
                path = k;
            } else if (head.equals("system")) {
                path = rest;
            } else {
                String dev = deviceOf.computeIfAbsent(system, s -> Systems.load(s).device().id());
                if (!dev.equals(head)) {
                    throw new MoesimException(k + " sets a " + head + " device, but system " + system + " has " + dev + " devices");
                }
                path = "device." + rest;
            }
            sets.add(path + "=" + e.getValue());
        }
        keys.put("sets", sets);
        return RunSpec.fromMap(keys, k -> k);
    }

    /** Every figure of a run by its flat name ({@link ResultSchema#flat}); the host wall time is left out (not deterministic). */
    static Map<String, Double> metrics(SimulationResult r) {
        return ResultSchema.flat(r);
    }
}
