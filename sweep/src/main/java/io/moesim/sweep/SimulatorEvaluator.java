package io.moesim.sweep;

import io.moesim.compiler.CompileOptions;
import io.moesim.hw.Systems;
import io.moesim.ir.MoesimException;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.Simulator;
import io.moesim.sim.metrics.LatencyStats;
import io.moesim.sim.metrics.SimulationResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** One point, one serving simulation: the base overridden by the point's axes. Made by {@link SimulatorEvaluatorFactory}. */
final class SimulatorEvaluator implements PointEvaluator {
    private final Map<String, Object> base;
    /** System name to its device id, to route DEVICE_ID.PATH keys; loading a system spec is not free. */
    private final Map<String, String> deviceOf = new HashMap<>();
    /** System name and sets to its device count, for default parallel degrees. */
    private final Map<List<String>, Integer> devicesOf = new HashMap<>();

    SimulatorEvaluator(Map<String, Object> base) {
        this.base = base;
    }

    @Override
    public Map<String, Double> evaluate(Map<String, Object> axes) {
        Map<String, Object> c = new LinkedHashMap<>(base);
        c.putAll(axes);
        return metrics(Simulator.simulate(request(c)));
    }

    SimulationRequest request(Map<String, Object> c) {
        String system = text(c, "system");
        List<String> sets = new ArrayList<>();
        Object baseSets = c.get("sets");
        if (baseSets instanceof List<?> l) {
            l.forEach(s -> sets.add(s.toString()));
        } else if (baseSets != null) {
            sets.add(baseSets.toString());
        }
        for (Map.Entry<String, Object> e : c.entrySet()) {
            String k = e.getKey();
            int dot = k.indexOf('.');
            if (dot < 0) {
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

        SimulationRequest.Builder b = SimulationRequest.builder(text(c, "model"), system).systemSets(sets);
        if (c.containsKey("qps")) {
            if (c.containsKey("batch")) {
                throw new MoesimException("give batch (closed loop) or qps (open loop), not both");
            }
            double qps = number(c, "qps");
            if (!(qps > 0) || Double.isInfinite(qps)) {
                throw new MoesimException("qps: must be a finite number > 0, got " + qps);
            }
            b.qps(qps);
        } else if (c.containsKey("batch")) {
            b.batch(whole(c, "batch"));
        }
        if (c.containsKey("requests")) {
            b.requests(whole(c, "requests"));
        }
        if (c.containsKey("input_len") || c.containsKey("output_len")) {
            b.lengths(c.containsKey("input_len") ? whole(c, "input_len") : 1024, c.containsKey("output_len") ? whole(c, "output_len") : 1024);
        }
        if (c.containsKey("max_batch")) {
            b.maxBatch(whole(c, "max_batch"));
        }
        if (c.containsKey("lengths")) {
            b.lengths(text(c, "lengths"));
        }
        if (c.containsKey("routing")) {
            b.routing(text(c, "routing"));
        }
        if (c.containsKey("dtype")) {
            b.dtype(text(c, "dtype"));
        }
        if (c.containsKey("seed")) {
            b.seed(whole(c, "seed"));
        }
        if (c.containsKey("kv_capacity_tokens")) {
            b.kvCapacityTokens(whole(c, "kv_capacity_tokens"));
        }
        List<String> key = new ArrayList<>(sets);
        key.add(0, system);
        int devices = devicesOf.computeIfAbsent(key, k -> Systems.load(system, sets).devices());
        b.compileOptions(compileOptions(c, devices));
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new MoesimException(e.getMessage());
        }
    }

    /**
     * Parallel degrees default to what fills the system and every model folds: tensor parallelism over
     * every device for attention and for MoE layers, unless the point gives any degree of that kind
     * (the compiler checks that the degrees multiply to the device count).
     */
    private static CompileOptions compileOptions(Map<String, Object> c, int devices) {
        CompileOptions d = CompileOptions.defaults();
        try {
            boolean attGiven = c.containsKey("tp") || c.containsKey("ep") || c.containsKey("dp") || c.containsKey("pp");
            boolean moeGiven = c.containsKey("moe_tp") || c.containsKey("moe_ep") || c.containsKey("moe_dp") || c.containsKey("moe_pp");
            CompileOptions.Parallelism att = new CompileOptions.Parallelism(whole(c, "tp", attGiven ? 1 : devices), whole(c, "ep", 1),
                    whole(c, "dp", 1), whole(c, "pp", 1));
            CompileOptions.Parallelism moe = new CompileOptions.Parallelism(whole(c, "moe_tp", moeGiven ? 1 : devices), whole(c, "moe_ep", 1),
                    whole(c, "moe_dp", 1), whole(c, "moe_pp", moePp(c)));
            CompileOptions.Placement placement = c.containsKey("placement") ? option(CompileOptions.Placement.class, text(c, "placement"), "placement")
                    : d.placement();
            CompileOptions.ExpertPlacement ep = c.containsKey("expert_placement")
                    ? option(CompileOptions.ExpertPlacement.class, text(c, "expert_placement"), "expert_placement") : d.expertPlacement();
            CompileOptions.Overlap overlap = c.containsKey("overlap") ? option(CompileOptions.Overlap.class, text(c, "overlap"), "overlap")
                    : d.overlap();
            Path trace = c.containsKey("routing_trace") ? Path.of(text(c, "routing_trace")) : d.routingTrace();
            double ilp = c.containsKey("ilp_time_limit_s") ? number(c, "ilp_time_limit_s") : d.ilpTimeLimitSeconds();
            long seed = c.containsKey("seed") ? whole(c, "seed") : d.seed();
            return new CompileOptions(att, moe, placement, ep, overlap, whole(c, "tiles", d.tiles()), trace, ilp, seed);
        } catch (IllegalArgumentException e) {
            throw new MoesimException(e.getMessage());
        }
    }

    /** The pipeline degree is one for both kinds of layer: MoE layers follow the attention's unless given. */
    private static int moePp(Map<String, Object> c) {
        return c.containsKey("pp") ? whole(c, "pp") : 1;
    }

    private static <E extends Enum<E>> E option(Class<E> type, String value, String key) {
        String norm = value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(norm)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        throw new MoesimException(key + ": unknown value '" + value + "' (known: " + String.join(", ", names) + ")");
    }

    private static String text(Map<String, Object> c, String key) {
        Object v = c.get(key);
        if (v == null) {
            throw new MoesimException(key + ": missing");
        }
        return v.toString();
    }

    private static double number(Map<String, Object> c, String key) {
        if (c.get(key) instanceof Number n) {
            return n.doubleValue();
        }
        throw new MoesimException(key + ": expected a number, got '" + c.get(key) + "'");
    }

    private static int wholeAny(Map<String, Object> c, String key) {
        if (c.get(key) instanceof Long l && l >= Integer.MIN_VALUE && l <= Integer.MAX_VALUE) {
            return l.intValue();
        }
        throw new MoesimException(key + ": expected a whole number, got '" + c.get(key) + "'");
    }

    /** Sizes of the workload are > 0: 0 or a negative count is refused, not replaced by a default. */
    private static final java.util.Set<String> POSITIVE = java.util.Set.of("batch", "requests", "input_len", "output_len", "max_batch",
            "kv_capacity_tokens", "tiles", "tp", "ep", "dp", "pp", "moe_tp", "moe_ep", "moe_dp", "moe_pp");

    private static int whole(Map<String, Object> c, String key) {
        int v = wholeAny(c, key);
        if (POSITIVE.contains(key) && v <= 0) {
            throw new MoesimException(key + ": must be > 0, got " + v);
        }
        return v;
    }

    private static int whole(Map<String, Object> c, String key, int dflt) {
        return c.containsKey(key) ? whole(c, key) : dflt;
    }

    /** Every figure of a run by a flat snake_case name; the host wall time is left out (not deterministic). */
    static Map<String, Double> metrics(SimulationResult r) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("throughput_tokens_per_s", r.throughputTokensPerS());
        m.put("requests_per_s", r.requestsPerS());
        m.put("simulated_s", r.simulatedS());
        m.put("requests_completed", (double) r.requestsCompleted());
        m.put("output_tokens", (double) r.outputTokens());
        m.put("prompt_tokens", (double) r.promptTokens());
        m.put("iterations", (double) r.iterations());
        m.put("preemptions", (double) r.preemptions());
        latency(m, "ttft", r.ttft());
        latency(m, "tbt", r.tbt());
        latency(m, "e2e", r.e2e());
        r.utilization().forEach((k, v) -> m.put("util_" + k, v));
        r.linkUtilization().forEach((k, v) -> m.put("link_util_" + k, v));
        m.put("mfu", r.mfu());
        m.put("hbm_bw_util", r.hbmBwUtil());
        m.put("energy_j_per_token", r.energyJPerToken());
        m.put("energy_total_j", r.energy().totalJ());
        m.put("roofline_bound_s", r.rooflineBoundS());
        m.put("peak_kv_tokens", (double) r.peakKvTokens());
        m.put("kv_capacity_tokens", (double) r.kvCapacityTokens());
        return m;
    }

    private static void latency(Map<String, Double> m, String name, LatencyStats s) {
        m.put(name + "_mean_ms", s.meanMs());
        m.put(name + "_p50_ms", s.p50Ms());
        m.put(name + "_p90_ms", s.p90Ms());
        m.put(name + "_p99_ms", s.p99Ms());
        m.put(name + "_max_ms", s.maxMs());
    }
}
