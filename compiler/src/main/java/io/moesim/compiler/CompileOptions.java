package io.moesim.compiler;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Everything the user chooses about a compilation. Parallel degrees are chosen separately for
 * attention and MoE layers (Megatron's "parallel folding").
 *
 * @param attention       degrees for attention (and dense FFN) layers
 * @param moe             degrees for MoE layers
 * @param routingTrace    a routing trace (layer-to-layer transitions) for expert placement; null for none
 * @param ilpTimeLimitSeconds wall-clock limit of the expert-placement solver
 * @param tiles           tiles per MoE layer with {@link Overlap#TILE} and {@link Overlap#FUSED}
 */
public record CompileOptions(
        Parallelism attention,
        Parallelism moe,
        Placement placement,
        ExpertPlacement expertPlacement,
        Overlap overlap,
        int tiles,
        Path routingTrace,
        double ilpTimeLimitSeconds,
        long seed) {

    /** Degrees of tensor, expert, data and pipeline parallelism. */
    public record Parallelism(int tp, int ep, int dp, int pp) {
        public Parallelism {
            if (tp < 1 || ep < 1 || dp < 1 || pp < 1) {
                throw new IllegalArgumentException("parallel degrees must be >= 1, got tp=" + tp + " ep=" + ep + " dp=" + dp + " pp=" + pp);
            }
        }

        public static final Parallelism NONE = new Parallelism(1, 1, 1, 1);

        /** One tensor-parallel group over {@code devices} (Duplex slices each expert over all devices). */
        public static Parallelism tensor(int devices) {
            return new Parallelism(devices, 1, 1, 1);
        }

        /**
         * The default degrees on {@code devices} devices: one tensor-parallel group over all of them, which
         * every model folds (Duplex slices each expert over all devices). Valid for any device count.
         */
        public static Parallelism defaultFor(int devices) {
            if (devices < 1) {
                throw new IllegalArgumentException("a system has at least one device, got " + devices);
            }
            return tensor(devices);
        }

        public int devices() {
            return tp * ep * dp * pp;
        }
    }

    /** Where ops go on a heterogeneous device. */
    public enum Placement {
        /** Each op to the processor with the lowest predicted time. */
        OPB,
        XPU_ONLY,
        PIM_ONLY,
        /** OPB plus Duplex's expert and attention co-processing. */
        COPROC;

        public String text() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** How experts are spread over devices. */
    public enum ExpertPlacement {
        RR,
        GREEDY,
        ILP
    }

    /** How communication overlaps computation. */
    public enum Overlap {
        NONE,
        LAYER,
        TILE,
        /**
         * FlashMoE: dispatch, expert GEMMs and combine of a MoE block as one persistent kernel with one-sided,
         * device-initiated transfers per peer, cut into tiles as with TILE (see {@code Schedule}).
         */
        FUSED
    }

    public CompileOptions {
        if (tiles < 1) {
            throw new IllegalArgumentException("tiles must be >= 1, got " + tiles);
        }
        if (!(ilpTimeLimitSeconds > 0)) {
            throw new IllegalArgumentException("ILP time limit must be > 0, got " + ilpTimeLimitSeconds);
        }
    }

    /** The defaults on one device (no parallelism); {@link #defaults(int)} for a system of several. */
    public static CompileOptions defaults() {
        return defaults(1);
    }

    /** The defaults on a system of {@code devices} devices: {@link Parallelism#defaultFor} for both kinds of layer. */
    public static CompileOptions defaults(int devices) {
        Parallelism p = Parallelism.defaultFor(devices);
        return new CompileOptions(p, p, Placement.valueOf(DEFAULT_PLACEMENT.toUpperCase(Locale.ROOT)),
                ExpertPlacement.valueOf(DEFAULT_EXPERT_PLACEMENT.toUpperCase(Locale.ROOT)), Overlap.valueOf(DEFAULT_OVERLAP.toUpperCase(Locale.ROOT)),
                DEFAULT_TILES, null, DEFAULT_ILP_TIME_LIMIT_S, 0L);
    }

    // The compile defaults, declared once: RunSpec (sim/) and the CLI's flags read them from here. Names as the flags
    // spell them, so they serve as annotation defaults too.
    /** {@code --placement}: Duplex co-processing. */
    public static final String DEFAULT_PLACEMENT = "coproc";
    /** {@code --expert-placement}: the greedy balancer. */
    public static final String DEFAULT_EXPERT_PLACEMENT = "greedy";
    /** {@code --overlap}: communication overlapped layer by layer. */
    public static final String DEFAULT_OVERLAP = "layer";
    /** {@code --tiles}: tiles per MoE layer under tile or fused overlap. */
    public static final int DEFAULT_TILES = 4;
    /** {@code --ilp-time-limit}: seconds for the expert-placement ILP. */
    public static final double DEFAULT_ILP_TIME_LIMIT_S = 10.0;

    /** These options with another routing trace and seed (a run's). */
    public CompileOptions withRun(Path routingTrace, long seed) {
        return new CompileOptions(attention, moe, placement, expertPlacement, overlap, tiles, routingTrace, ilpTimeLimitSeconds, seed);
    }

    /** These options with other parallel degrees for attention and MoE layers. */
    public CompileOptions withParallelism(Parallelism attention, Parallelism moe) {
        return new CompileOptions(attention, moe, placement, expertPlacement, overlap, tiles, routingTrace, ilpTimeLimitSeconds, seed);
    }

    /**
     * The ways a plan cuts a batch's rows: attention's data-parallel ranks take whole sequences, the MoE layers' expert
     * and data-parallel ranks shares of the tokens, so a batch compiles only when its sequences split evenly over both
     * (the least common multiple; 1 without data or expert parallelism).
     */
    public int rowShards() {
        int a = attention.dp() * attention.ep(); // attention's ep ranks split its rows as dp ranks do (ParallelizePass folds them)
        int b = moe.ep() * moe.dp();
        return a / java.math.BigInteger.valueOf(a).gcd(java.math.BigInteger.valueOf(b)).intValue() * b;
    }

    /** These options with another processor placement policy. */
    public CompileOptions withPlacement(Placement p) {
        return new CompileOptions(attention, moe, p, expertPlacement, overlap, tiles, routingTrace, ilpTimeLimitSeconds, seed);
    }

    /** For the plan's provenance: ordered, deterministic. */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("attention_tp", (long) attention.tp());
        m.put("attention_ep", (long) attention.ep());
        m.put("attention_dp", (long) attention.dp());
        m.put("attention_pp", (long) attention.pp());
        m.put("moe_tp", (long) moe.tp());
        m.put("moe_ep", (long) moe.ep());
        m.put("moe_dp", (long) moe.dp());
        m.put("moe_pp", (long) moe.pp());
        m.put("placement", placement.text());
        m.put("expert_placement", expertPlacement.name().toLowerCase(Locale.ROOT));
        m.put("overlap", overlap.name().toLowerCase(Locale.ROOT));
        m.put("tiles", (long) tiles);
        m.put("routing_trace", routingTrace == null ? "none" : routingTrace.getFileName().toString());
        m.put("seed", seed);
        return m;
    }
}
