package io.moesim.sim;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.cost.CostModel;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.FrameworkProfiles;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.DType;
import io.moesim.ir.MoesimException;
import io.moesim.ir.model.Routing;
import io.moesim.sim.kernel.KernelCostModel;
import io.moesim.sim.kernel.KernelSimulator;
import io.moesim.sim.serving.ArrivalSpec;
import io.moesim.sim.serving.IterationModel;
import io.moesim.sim.serving.LengthSpec;
import io.moesim.sim.serving.ServingConfig;
import io.moesim.sim.system.CollectiveAlgorithm;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * One serving run, as the user states it: model, system, workload, parallelism, placement, cost model,
 * framework profile, seed. Every default is declared here, once ({@code DEFAULT_*}); {@code moesim simulate}'s
 * flags, a sweep point's YAML keys ({@link #fromMap}) and the library's {@link SimulationRequest.Builder}
 * all take their defaults from here, so the same settings give the same run whichever way they were
 * stated. Text (routing, lengths, dtype, enum options) is parsed once, at that boundary, into typed values
 * ({@link Parsed}, {@link DType}, enums), with a one-line error
 * naming the flag or key; a RunSpec that exists is valid.
 *
 * @param sets        {@code --set KEY.PATH=V} overrides of the system
 * @param mode        closed loop ({@code batch} in flight), Poisson ({@code qps}), offline, or a trace of arrivals
 * @param lengths     how request lengths are drawn, parsed where it was given ({@link Parsed#lengths})
 * @param routing     how tokens spread over experts, parsed where it was given ({@link Parsed#routing})
 * @param dtype       serving precision; null for the model's
 * @param tokenBudget tokens per iteration (an engine's {@code max_num_tokens}); 0 for the engine's default: the
 *                    framework profile's {@code max_num_tokens} where it has one, else {@link #DEFAULT_TOKEN_BUDGET}
 * @param kvCapacityTokens KV-cache capacity in tokens; 0 to derive it
 * @param kvFraction  0 for the default KV sizing, else TensorRT-LLM's {@code kv_cache_free_gpu_mem_fraction}
 * @param chunkedPrefill whether the engine splits a prompt over iterations (its chunked context); null for the framework
 *                    profile's {@code serving.chunked_prefill}
 * @param poissonGaps which generator draws a Poisson run's gaps: moesim's own, or numpy's legacy one as vLLM's and SGLang's
 *                    serving benchmarks draw theirs ({@link ArrivalSpec.PoissonGaps})
 * @param framework   framework profile id or file; null for the device's default ({@link FrameworkProfiles#defaultId})
 * @param attention   parallel degrees of attention layers; null for the default (tensor parallel over the system)
 * @param moe         parallel degrees of MoE layers; null for the default (tensor parallel over the system)
 * @param routingTrace routing trace for expert placement; null for the {@code trace:FILE} of {@code routing}, if any
 */
public record RunSpec(
        String model,
        String system,
        List<String> sets,
        Mode mode,
        int batch,
        double qps,
        Path arrivals,
        int requests,
        int inputLength,
        int outputLength,
        int maxBatch,
        Parsed<LengthSpec> lengths,
        Parsed<Routing> routing,
        DType dtype,
        long tokenBudget,
        long kvCapacityTokens,
        double kvFraction,
        Boolean chunkedPrefill,
        ArrivalSpec.PoissonGaps poissonGaps,
        CollectiveAlgorithm collectives,
        IterationModel.Kind iterationModel,
        CostModelKind costModel,
        String framework,
        CompileOptions.Parallelism attention,
        CompileOptions.Parallelism moe,
        CompileOptions.Placement placement,
        CompileOptions.ExpertPlacement expertPlacement,
        CompileOptions.Overlap overlap,
        int tiles,
        Path routingTrace,
        double ilpTimeLimitSeconds,
        long seed) {

    /** How requests arrive. */
    public enum Mode {
        /** {@code batch} requests in flight, a new one as one finishes. */
        CLOSED,
        /** Poisson arrivals at {@code qps}. */
        POISSON,
        /** Every request queued at t = 0. */
        OFFLINE,
        /** Arrival times (and lengths) replayed from a file. */
        TRACE
    }

    /** Task durations and the compiler's placement costs. */
    public enum CostModelKind {
        /** Cycle-level kernel models under a framework profile. */
        KERNEL,
        /** {@code max(flops / peak, bytes / bandwidth)}. */
        ROOFLINE;

        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    // The defaults, declared once (compile-time constants, so the CLI's help can print them).
    public static final int DEFAULT_BATCH = 64;
    public static final int DEFAULT_REQUESTS = 256;
    public static final int DEFAULT_IN = 1024;
    public static final int DEFAULT_OUT = 1024;
    public static final int DEFAULT_MAX_BATCH = 128;
    public static final String DEFAULT_LENGTHS = "fixed";
    public static final String DEFAULT_ROUTING = "uniform";
    public static final String DEFAULT_COLLECTIVES = "auto";
    public static final String DEFAULT_ITERATION_MODEL = "exact";
    public static final String DEFAULT_COST_MODEL = "kernel";
    public static final String DEFAULT_PLACEMENT = CompileOptions.DEFAULT_PLACEMENT;
    public static final String DEFAULT_EXPERT_PLACEMENT = CompileOptions.DEFAULT_EXPERT_PLACEMENT;
    public static final String DEFAULT_OVERLAP = CompileOptions.DEFAULT_OVERLAP;
    public static final int DEFAULT_TILES = CompileOptions.DEFAULT_TILES;
    public static final double DEFAULT_ILP_TIME_LIMIT_S = CompileOptions.DEFAULT_ILP_TIME_LIMIT_S;
    public static final long DEFAULT_SEED = 0;
    /** The token budget when neither the run nor its framework profile gives one. */
    public static final long DEFAULT_TOKEN_BUDGET = ServingConfig.DEFAULT_TOKEN_BUDGET;

    public RunSpec {
        sets = List.copyOf(sets);
        String[] missing = {model == null ? "model" : null, system == null ? "system" : null, mode == null ? "mode" : null,
            lengths == null ? "lengths" : null, routing == null ? "routing" : null, collectives == null ? "collectives" : null,
            iterationModel == null ? "iteration model" : null, costModel == null ? "cost model" : null,
            placement == null ? "placement" : null, expertPlacement == null ? "expert placement" : null, overlap == null ? "overlap" : null};
        for (String m : missing) {
            if (m != null) {
                throw new MoesimException("run: the " + m + " is missing");
            }
        }
        if (mode == Mode.CLOSED && batch <= 0) {
            throw new MoesimException("batch: must be > 0, got " + batch);
        }
        if (mode == Mode.POISSON && (!(qps > 0) || Double.isInfinite(qps))) {
            throw new MoesimException("qps: must be a finite number > 0, got " + qps);
        }
        if (mode == Mode.TRACE && arrivals == null) {
            throw new MoesimException("arrivals: a trace run needs a file of arrivals");
        }
        if (mode != Mode.CLOSED) {
            batch = 0;
        }
        if (poissonGaps == null) {
            poissonGaps = ArrivalSpec.PoissonGaps.MOESIM;
        }
        if (mode != Mode.POISSON && poissonGaps != ArrivalSpec.PoissonGaps.MOESIM) {
            throw new MoesimException("poisson_gaps (--poisson-gaps): draws the gaps of a Poisson run (qps, --qps); this run has none");
        }
        if (poissonGaps == ArrivalSpec.PoissonGaps.NUMPY && (seed < 0 || seed > 0xFFFFFFFFL)) {
            throw new MoesimException("seed (--seed): numpy's legacy generator (poisson_gaps numpy) takes a seed in [0, 2^32 - 1], got " + seed);
        }
        if (mode != Mode.POISSON) {
            qps = 0;
        }
        if (mode != Mode.TRACE) {
            arrivals = null;
        }
        positive("requests", requests);
        positive("in", inputLength);
        positive("out", outputLength);
        positive("max_batch", maxBatch);
        positive("tiles", tiles);
        if (tokenBudget < 0) {
            throw new MoesimException("max_num_tokens: must be > 0, got " + tokenBudget);
        }
        if (kvCapacityTokens < 0) {
            throw new MoesimException("kv_capacity_tokens: must be > 0, got " + kvCapacityTokens);
        }
        if (!(kvFraction >= 0 && kvFraction <= 1)) {
            throw new MoesimException("kv_fraction: must be in (0, 1], got " + kvFraction);
        }
        if (!(ilpTimeLimitSeconds > 0) || Double.isInfinite(ilpTimeLimitSeconds)) {
            throw new MoesimException("ilp_time_limit_s: must be a finite number > 0, got " + ilpTimeLimitSeconds);
        }
    }

    private static void positive(String key, long v) {
        if (v <= 0) {
            throw new MoesimException(key + ": must be > 0, got " + v);
        }
    }

    public static Builder builder(String model, String system) {
        return new Builder(model, system);
    }

    // ---- what the run needs, resolved on its system -------------------------------------------

    /** The compile options on a system of {@code devices} devices (the default parallelism fills it). */
    public CompileOptions compileOptions(int devices) {
        CompileOptions.Parallelism d = CompileOptions.Parallelism.defaultFor(devices);
        Path trace = routingTrace != null ? routingTrace : traceOf(routing.text());
        return new CompileOptions(attention != null ? attention : d, moe != null ? moe : d, placement, expertPlacement, overlap, tiles,
                trace, ilpTimeLimitSeconds, seed);
    }

    /**
     * The compile options of a run that gives none of its own, on {@code devices} devices: the defaults
     * ({@link CompileOptions#defaults(int)}), the routing trace of a {@code trace:FILE} routing, the run's seed.
     */
    public static CompileOptions defaultCompileOptions(int devices, String routing, long seed) {
        return CompileOptions.defaults(devices).withRun(traceOf(routing), seed);
    }

    /** The routing trace file a {@code trace:FILE} routing names, or null. */
    static Path traceOf(String routing) {
        return routing != null && routing.strip().toLowerCase(Locale.ROOT).startsWith("trace:") ? Path.of(routing.strip().substring(6)) : null;
    }

    /** The framework profile a device runs under in this run. */
    public io.moesim.hw.FrameworkProfile profile(io.moesim.hw.DeviceSpec d) {
        return profile(framework, d);
    }

    private static io.moesim.hw.FrameworkProfile profile(String framework, io.moesim.hw.DeviceSpec d) {
        return FrameworkProfiles.load(framework != null ? framework : FrameworkProfiles.defaultId(d));
    }

    /** This run's cost model, its kernel estimates from {@code kernels} (which may hold a persistent store). */
    public CostModel costModel(KernelSimulator kernels) {
        return costModel(costModel, framework, kernels);
    }

    /** The default cost model ({@link #DEFAULT_COST_MODEL}, each device under its default framework profile). */
    public static CostModel defaultCostModel(KernelSimulator kernels) {
        return costModel(option(CostModelKind.class, DEFAULT_COST_MODEL, "cost_model"), null, kernels);
    }

    private static CostModel costModel(CostModelKind kind, String framework, KernelSimulator kernels) {
        return switch (kind) {
            case KERNEL -> new KernelCostModel(kernels, RooflineCostModel.INSTANCE, d -> profile(framework, d));
            case ROOFLINE -> RooflineCostModel.INSTANCE;
        };
    }

    /** The simulator's request for this run on {@code system} (loaded with {@link #sets}), timed by {@code cost}. */
    public SimulationRequest request(SystemSpec system, CostModel cost) {
        return SimulationRequest.builder(this).costModel(cost).compileOptions(compileOptions(system.devices())).build();
    }

    /** A builder holding this run's settings. */
    public Builder toBuilder() {
        Builder b = new Builder(model, system);
        b.sets = sets;
        b.mode = mode;
        b.batch = batch;
        b.qps = qps;
        b.arrivals = arrivals;
        b.requests = requests;
        b.inputLength = inputLength;
        b.outputLength = outputLength;
        b.maxBatch = maxBatch;
        b.lengths = lengths;
        b.routing = routing;
        b.dtype = dtype;
        b.tokenBudget = tokenBudget;
        b.kvCapacityTokens = kvCapacityTokens;
        b.kvFraction = kvFraction;
        b.chunkedPrefill = chunkedPrefill;
        b.poissonGaps = poissonGaps;
        b.collectives = collectives;
        b.iterationModel = iterationModel;
        b.costModel = costModel;
        b.framework = framework;
        b.attention = attention;
        b.moe = moe;
        b.placement = placement;
        b.expertPlacement = expertPlacement;
        b.overlap = overlap;
        b.tiles = tiles;
        b.routingTrace = routingTrace;
        b.ilpTimeLimitSeconds = ilpTimeLimitSeconds;
        b.seed = seed;
        return b;
    }

    // ---- as data: the keys of a sweep spec or experiment file ---------------------------------

    /** The keys {@link #fromMap} reads (besides {@link #ALIASES}), in the order {@link #toMap} writes them. */
    public static final List<String> KEYS = List.of("model", "system", "sets", "batch", "qps", "offline", "arrivals", "requests",
            "input_len", "output_len", "max_batch", "lengths", "routing", "dtype", "max_num_tokens", "kv_capacity_tokens", "kv_fraction",
            "chunked_prefill", "poisson_gaps", "collectives", "iteration_model", "cost_model", "framework", "tp", "ep", "dp", "pp", "moe_tp", "moe_ep", "moe_dp", "moe_pp",
            "placement", "expert_placement", "overlap", "tiles", "routing_trace", "ilp_time_limit_s", "seed");
    /** Other names of keys: the command line's {@code in} and {@code out}. */
    public static final Map<String, String> ALIASES = Map.of("in", "input_len", "out", "output_len");

    /**
     * This run as key/value data (the keys of {@link #KEYS}, values Long, Double, Boolean, String or a list of
     * strings), every value written out, so that {@link #fromMap} gives this run back.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("system", system);
        m.put("sets", new ArrayList<>(sets));
        switch (mode) {
            case CLOSED -> m.put("batch", (long) batch);
            case POISSON -> m.put("qps", qps);
            case OFFLINE -> m.put("offline", true);
            case TRACE -> m.put("arrivals", arrivals.toString());
            default -> throw new AssertionError(mode);
        }
        m.put("requests", (long) requests);
        m.put("input_len", (long) inputLength);
        m.put("output_len", (long) outputLength);
        m.put("max_batch", (long) maxBatch);
        m.put("lengths", lengths.text());
        m.put("routing", routing.text());
        if (dtype != null) {
            m.put("dtype", dtype.text());
        }
        if (tokenBudget > 0) {
            m.put("max_num_tokens", tokenBudget);
        }
        if (kvCapacityTokens > 0) {
            m.put("kv_capacity_tokens", kvCapacityTokens);
        }
        if (kvFraction > 0) {
            m.put("kv_fraction", kvFraction);
        }
        if (chunkedPrefill != null) {
            m.put("chunked_prefill", chunkedPrefill);
        }
        if (poissonGaps != ArrivalSpec.PoissonGaps.MOESIM) {
            m.put("poisson_gaps", poissonGaps.toString());
        }
        m.put("collectives", collectives.name().toLowerCase(Locale.ROOT));
        m.put("iteration_model", iterationModel.text());
        m.put("cost_model", costModel.text());
        if (framework != null) {
            m.put("framework", framework);
        }
        if (attention != null) {
            m.put("tp", (long) attention.tp());
            m.put("ep", (long) attention.ep());
            m.put("dp", (long) attention.dp());
            m.put("pp", (long) attention.pp());
        }
        if (moe != null) {
            m.put("moe_tp", (long) moe.tp());
            m.put("moe_ep", (long) moe.ep());
            m.put("moe_dp", (long) moe.dp());
            m.put("moe_pp", (long) moe.pp());
        }
        m.put("placement", placement.text());
        m.put("expert_placement", text(expertPlacement));
        m.put("overlap", text(overlap));
        m.put("tiles", (long) tiles);
        if (routingTrace != null) {
            m.put("routing_trace", routingTrace.toString());
        }
        m.put("ilp_time_limit_s", ilpTimeLimitSeconds);
        m.put("seed", seed);
        return m;
    }

    /**
     * A run from key/value data (a sweep point: its base with its axes' values). Keys missing take the
     * defaults. Parallel degrees: {@code tp, ep, dp, pp} are the attention layers', {@code moe_*} the MoE
     * layers' ({@code moe_pp} follows {@code pp}); when none of a kind is given, that kind is tensor parallel
     * over the system. Errors name the key as {@code where} spells it (such as {@code base.workload.batch}).
     */
    public static RunSpec fromMap(Map<String, Object> data, Function<String, String> where) {
        Map<String, Object> c = new LinkedHashMap<>();
        Map<String, String> spelled = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : data.entrySet()) {
            String k = ALIASES.getOrDefault(e.getKey(), e.getKey());
            if (!KEYS.contains(k)) {
                throw new MoesimException(where.apply(e.getKey()) + ": unknown key (known: " + String.join(", ", known()) + ")");
            }
            if (c.put(k, e.getValue()) != null) {
                throw new MoesimException(where.apply(e.getKey()) + ": given twice (as " + spelled.get(k) + " and " + e.getKey() + ")");
            }
            spelled.put(k, e.getKey());
        }
        Function<String, String> at = k -> where.apply(spelled.getOrDefault(k, k));
        Reader r = new Reader(c, at);
        Builder b = builder(r.text("model"), r.text("system"));
        Object sets = c.get("sets");
        if (sets instanceof List<?> l) {
            List<String> s = new ArrayList<>();
            l.forEach(x -> s.add(String.valueOf(x)));
            b.sets(s);
        } else if (sets != null) {
            b.sets(List.of(sets.toString()));
        }
        int modes = (c.containsKey("batch") ? 1 : 0) + (c.containsKey("qps") ? 1 : 0) + (r.bool("offline", false) ? 1 : 0)
                + (c.containsKey("arrivals") ? 1 : 0);
        if (modes > 1) {
            throw new MoesimException(at.apply(c.containsKey("qps") ? "qps" : "batch")
                    + ": give one of batch (closed loop), qps (open loop), offline and arrivals, not several");
        }
        if (c.containsKey("qps")) {
            b.qps(r.number("qps"));
        } else if (r.bool("offline", false)) {
            b.offline();
        } else if (c.containsKey("arrivals")) {
            b.arrivals(Path.of(r.text("arrivals")));
        } else if (c.containsKey("batch")) {
            b.batch(r.positive("batch"));
        }
        if (c.containsKey("requests")) {
            b.requests(r.positive("requests"));
        }
        b.lengths(r.positive("input_len", DEFAULT_IN), r.positive("output_len", DEFAULT_OUT));
        if (c.containsKey("max_batch")) {
            b.maxBatch(r.positive("max_batch"));
        }
        if (c.containsKey("lengths")) {
            b.lengths(Parsed.lengths(r.text("lengths"), at.apply("lengths")));
        }
        if (c.containsKey("routing")) {
            b.routing(Parsed.routing(r.text("routing"), at.apply("routing")));
        }
        if (c.containsKey("dtype")) {
            b.dtype(Parsed.dtype(r.text("dtype"), at.apply("dtype")));
        }
        if (c.containsKey("max_num_tokens")) {
            b.tokenBudget(r.whole("max_num_tokens", true));
        }
        if (c.containsKey("kv_capacity_tokens")) {
            b.kvCapacityTokens(r.whole("kv_capacity_tokens", true));
        }
        if (c.containsKey("kv_fraction")) {
            double f = r.number("kv_fraction");
            if (!(f > 0 && f <= 1)) {
                throw new MoesimException(at.apply("kv_fraction") + ": must be in (0, 1], got " + f);
            }
            b.kvFraction(f);
        }
        if (c.containsKey("chunked_prefill")) {
            if (c.get("chunked_prefill") == null) {
                throw new MoesimException(at.apply("chunked_prefill") + ": expected true or false, got nothing");
            }
            b.chunkedPrefill(r.bool("chunked_prefill", true));
        }
        if (c.containsKey("poisson_gaps")) {
            b.poissonGaps(ArrivalSpec.PoissonGaps.parse(r.text("poisson_gaps"), at.apply("poisson_gaps")));
        }
        if (c.containsKey("collectives")) {
            b.collectives(option(CollectiveAlgorithm.class, r.text("collectives"), at.apply("collectives")));
        }
        if (c.containsKey("iteration_model")) {
            b.iterationModel(option(IterationModel.Kind.class, r.text("iteration_model"), at.apply("iteration_model")));
        }
        if (c.containsKey("cost_model")) {
            b.costModel(option(CostModelKind.class, r.text("cost_model"), at.apply("cost_model")));
        }
        if (c.containsKey("framework")) {
            b.framework(checkFramework(r.text("framework"), at.apply("framework")));
        }
        boolean attGiven = c.containsKey("tp") || c.containsKey("ep") || c.containsKey("dp") || c.containsKey("pp");
        boolean moeGiven = c.containsKey("moe_tp") || c.containsKey("moe_ep") || c.containsKey("moe_dp") || c.containsKey("moe_pp");
        int pp = r.positive("pp", 1);
        if (attGiven) {
            b.attention(new CompileOptions.Parallelism(r.positive("tp", 1), r.positive("ep", 1), r.positive("dp", 1), pp));
        }
        if (moeGiven) {
            b.moe(new CompileOptions.Parallelism(r.positive("moe_tp", 1), r.positive("moe_ep", 1), r.positive("moe_dp", 1),
                    r.positive("moe_pp", pp)));
        }
        if (c.containsKey("placement")) {
            b.placement(option(CompileOptions.Placement.class, r.text("placement"), at.apply("placement")));
        }
        if (c.containsKey("expert_placement")) {
            b.expertPlacement(option(CompileOptions.ExpertPlacement.class, r.text("expert_placement"), at.apply("expert_placement")));
        }
        if (c.containsKey("overlap")) {
            b.overlap(option(CompileOptions.Overlap.class, r.text("overlap"), at.apply("overlap")));
        }
        if (c.containsKey("tiles")) {
            b.tiles(r.positive("tiles"));
        }
        if (c.containsKey("routing_trace")) {
            b.routingTrace(Path.of(r.text("routing_trace")));
        }
        if (c.containsKey("ilp_time_limit_s")) {
            b.ilpTimeLimitSeconds(r.number("ilp_time_limit_s"));
        }
        if (c.containsKey("seed")) {
            b.seed(r.whole("seed", false));
        }
        return b.build();
    }

    private static List<String> known() {
        List<String> all = new ArrayList<>(KEYS);
        all.addAll(ALIASES.keySet());
        all.sort(null);
        return all;
    }

    /** Typed values of a key/value map, errors naming the key. */
    private record Reader(Map<String, Object> c, Function<String, String> at) {
        String text(String key) {
            Object v = c.get(key);
            if (v == null || v instanceof Map || v instanceof List) {
                throw new MoesimException(at.apply(key) + (v == null ? ": missing" : ": expected a single value, got " + v));
            }
            return v.toString();
        }

        double number(String key) {
            if (c.get(key) instanceof Number n) {
                return n.doubleValue();
            }
            throw new MoesimException(at.apply(key) + ": expected a number, got '" + c.get(key) + "'");
        }

        long whole(String key, boolean positive) {
            Object v = c.get(key);
            long l;
            if (v instanceof Long || v instanceof Integer) {
                l = ((Number) v).longValue();
            } else {
                throw new MoesimException(at.apply(key) + ": expected a whole number, got '" + v + "'");
            }
            if (positive && l <= 0) {
                throw new MoesimException(at.apply(key) + ": must be > 0, got " + l);
            }
            return l;
        }

        int positive(String key) {
            long l = whole(key, true);
            if (l > Integer.MAX_VALUE) {
                throw new MoesimException(at.apply(key) + ": must be at most " + Integer.MAX_VALUE + ", got " + l);
            }
            return (int) l;
        }

        int positive(String key, int dflt) {
            return c.containsKey(key) ? positive(key) : dflt;
        }

        boolean bool(String key, boolean dflt) {
            Object v = c.get(key);
            if (v == null) {
                return dflt;
            }
            if (v instanceof Boolean b) {
                return b;
            }
            throw new MoesimException(at.apply(key) + ": expected true or false, got '" + v + "'");
        }
    }

    // ---- the boundary's parsers, shared by flags and keys ----------------------------------------

    /** An enum option by its lower-case, dash-separated name; the error names {@code label} and the known values. */
    public static <E extends Enum<E>> E option(Class<E> type, String text, String label) {
        String t = text == null ? "" : text.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(t)) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(text(e));
        }
        throw new MoesimException(label + ": unknown '" + text + "' (expected " + String.join(", ", names) + ")");
    }

    /** An enum value as {@link #option} reads it. */
    public static String text(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** A framework profile id or file, checked (loaded once). */
    public static String checkFramework(String text, String label) {
        try {
            FrameworkProfiles.load(text);
        } catch (MoesimException | IllegalArgumentException e) {
            throw new MoesimException(label + ": " + e.getMessage());
        }
        return text;
    }

    /** Builds a {@link RunSpec}; unset values are the defaults above. */
    public static final class Builder {
        private final String model;
        private final String system;
        private List<String> sets = List.of();
        private Mode mode = Mode.CLOSED;
        private int batch = DEFAULT_BATCH;
        private double qps;
        private Path arrivals;
        private int requests = DEFAULT_REQUESTS;
        private int inputLength = DEFAULT_IN;
        private int outputLength = DEFAULT_OUT;
        private int maxBatch = DEFAULT_MAX_BATCH;
        private Parsed<LengthSpec> lengths = Parsed.lengths(DEFAULT_LENGTHS, "lengths");
        private Parsed<Routing> routing = Parsed.routing(DEFAULT_ROUTING, "routing");
        private DType dtype;
        private long tokenBudget; // 0: the engine's default
        private long kvCapacityTokens;
        private double kvFraction;
        private Boolean chunkedPrefill; // null: the framework profile's
        private ArrivalSpec.PoissonGaps poissonGaps = ArrivalSpec.PoissonGaps.MOESIM;
        private CollectiveAlgorithm collectives = option(CollectiveAlgorithm.class, DEFAULT_COLLECTIVES, "collectives");
        private IterationModel.Kind iterationModel = option(IterationModel.Kind.class, DEFAULT_ITERATION_MODEL, "iteration_model");
        private CostModelKind costModel = option(CostModelKind.class, DEFAULT_COST_MODEL, "cost_model");
        private String framework;
        private CompileOptions.Parallelism attention;
        private CompileOptions.Parallelism moe;
        private CompileOptions.Placement placement = option(CompileOptions.Placement.class, DEFAULT_PLACEMENT, "placement");
        private CompileOptions.ExpertPlacement expertPlacement = option(CompileOptions.ExpertPlacement.class, DEFAULT_EXPERT_PLACEMENT,
                "expert_placement");
        private CompileOptions.Overlap overlap = option(CompileOptions.Overlap.class, DEFAULT_OVERLAP, "overlap");
        private int tiles = DEFAULT_TILES;
        private Path routingTrace;
        private double ilpTimeLimitSeconds = DEFAULT_ILP_TIME_LIMIT_S;
        private long seed = DEFAULT_SEED;

        private Builder(String model, String system) {
            this.model = model;
            this.system = system;
        }

        public Builder sets(List<String> v) { sets = v; return this; }
        public Builder batch(int v) { mode = Mode.CLOSED; batch = v; return this; }
        public Builder qps(double v) { mode = Mode.POISSON; qps = v; return this; }
        public Builder offline() { mode = Mode.OFFLINE; return this; }
        public Builder arrivals(Path v) { mode = Mode.TRACE; arrivals = v; return this; }
        public Builder requests(int v) { requests = v; return this; }
        public Builder lengths(int in, int out) { inputLength = in; outputLength = out; return this; }
        public Builder maxBatch(int v) { maxBatch = v; return this; }
        public Builder lengths(Parsed<LengthSpec> v) { lengths = v; return this; }
        /** Lengths as text, parsed now (an error names {@code lengths}). */
        public Builder lengths(String v) { return lengths(Parsed.lengths(v, "lengths")); }
        public Builder routing(Parsed<Routing> v) { routing = v; return this; }
        /** Routing as text, parsed now (an error names {@code routing}). */
        public Builder routing(String v) { return routing(Parsed.routing(v, "routing")); }
        public Builder dtype(DType v) { dtype = v; return this; }
        /** The serving dtype by name, parsed now (null: the model's; an error names {@code dtype}). */
        public Builder dtype(String v) { return dtype(Parsed.dtype(v, "dtype")); }
        public Builder tokenBudget(long v) { tokenBudget = v; return this; }
        public Builder kvCapacityTokens(long v) { kvCapacityTokens = v; return this; }
        public Builder kvFraction(double v) { kvFraction = v; return this; }
        /** Whether the engine splits prompts over iterations; null for the framework profile's. */
        public Builder chunkedPrefill(Boolean v) { chunkedPrefill = v; return this; }
        public Builder poissonGaps(ArrivalSpec.PoissonGaps v) { poissonGaps = v; return this; }
        public Builder collectives(CollectiveAlgorithm v) { collectives = v; return this; }
        public Builder iterationModel(IterationModel.Kind v) { iterationModel = v; return this; }
        public Builder costModel(CostModelKind v) { costModel = v; return this; }
        public Builder framework(String v) { framework = v; return this; }
        public Builder attention(CompileOptions.Parallelism v) { attention = v; return this; }
        public Builder moe(CompileOptions.Parallelism v) { moe = v; return this; }
        public Builder placement(CompileOptions.Placement v) { placement = v; return this; }
        public Builder expertPlacement(CompileOptions.ExpertPlacement v) { expertPlacement = v; return this; }
        public Builder overlap(CompileOptions.Overlap v) { overlap = v; return this; }
        public Builder tiles(int v) { tiles = v; return this; }
        public Builder routingTrace(Path v) { routingTrace = v; return this; }
        public Builder ilpTimeLimitSeconds(double v) { ilpTimeLimitSeconds = v; return this; }
        public Builder seed(long v) { seed = v; return this; }

        public RunSpec build() {
            return new RunSpec(model, system, sets, mode, batch, qps, arrivals, requests, inputLength, outputLength, maxBatch, lengths,
                    routing, dtype, tokenBudget, kvCapacityTokens, kvFraction, chunkedPrefill, poissonGaps, collectives, iterationModel, costModel, framework, attention,
                    moe, placement, expertPlacement, overlap, tiles, routingTrace, ilpTimeLimitSeconds, seed);
        }
    }
}
