package io.moesim.sim.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The names of a run's results, defined once. A result has two forms: the nested JSON of
 * {@link ResultJson} ({@code simulate --json}, read back by the reports) and the flat form of
 * {@link #flat} (one column per figure: a sweep's CSV and Parquet rows). Both take their names from
 * here, and so does the reader of each ({@code RunJson}, {@code SweepCsv}). The names are a contract:
 * add, never rename or drop.
 */
public final class ResultSchema {
    private ResultSchema() {
    }

    // ---- names the JSON and the flat form share ----
    public static final String THROUGHPUT = "throughput_tokens_per_s";
    public static final String REQUESTS_PER_S = "requests_per_s";
    public static final String SIMULATED_S = "simulated_s";
    public static final String OUTPUT_TOKENS = "output_tokens";
    public static final String PROMPT_TOKENS = "prompt_tokens";
    public static final String ITERATIONS = "iterations";
    public static final String PREEMPTIONS = "preemptions";
    public static final String MFU = "mfu";
    public static final String HBM_BW_UTIL = "hbm_bw_util";
    public static final String ENERGY_J_PER_TOKEN = "energy_j_per_token";
    public static final String ROOFLINE_BOUND_S = "roofline_bound_s";
    public static final String PEAK_KV_TOKENS = "peak_kv_tokens";
    public static final String KV_CAPACITY_TOKENS = "kv_capacity_tokens";

    // ---- the JSON's own names ----
    /** Requests completed. */
    public static final String JSON_REQUESTS = "requests";
    /** Busy fraction per processor kind (an object). */
    public static final String UTILIZATION = "utilization";
    /** Busy fraction per link (an object). */
    public static final String LINK_UTILIZATION = "link_utilization";
    /** Energy by component (an object of {@link #ENERGY_PARTS}). */
    public static final String ENERGY_J = "energy_j";
    public static final List<String> ENERGY_PARTS = List.of("dram", "sram", "logic", "link", "static", "total");
    public static final String CACHES = "caches";
    /** What the run was (the simulator's echo of its request). */
    public static final String CONFIG = "config";
    /** Host wall time: last, and only when present; not deterministic. */
    public static final String SIM_WALL_S = "sim_wall_s";
    /** The statistics of a latency object, in the JSON's order. */
    public static final List<String> JSON_STATS = List.of("p50", "p90", "p99", "mean", "max", "count");

    // ---- the flat form's own names ----
    public static final String REQUESTS_COMPLETED = "requests_completed";
    public static final String ENERGY_TOTAL_J = "energy_total_j";
    /** {@code util_KIND}: busy fraction per processor kind. */
    public static final String UTIL_PREFIX = "util_";
    /** {@code link_util_LINK}: busy fraction per link. */
    public static final String LINK_UTIL_PREFIX = "link_util_";
    /** The statistics of a latency, in the flat form's order ({@code NAME_STAT_ms}). */
    public static final List<String> FLAT_STATS = List.of("mean", "p50", "p90", "p99", "max");

    /** The latencies of a run: JSON objects {@code NAME_ms}; flat columns {@code NAME_STAT_ms} (not TPOT, which sweeps never had). */
    public enum Latency {
        TTFT(SimulationResult::ttft, true),
        TBT(SimulationResult::tbt, true),
        E2E(SimulationResult::e2e, true),
        TPOT(SimulationResult::tpot, false);

        private final Function<SimulationResult, LatencyStats> get;
        private final boolean flat;

        Latency(Function<SimulationResult, LatencyStats> get, boolean flat) {
            this.get = get;
            this.flat = flat;
        }

        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The JSON object's key. */
        public String jsonKey() {
            return id() + "_ms";
        }

        /** The flat column of one statistic. */
        public String column(String stat) {
            return id() + "_" + stat + "_ms";
        }

        public LatencyStats of(SimulationResult r) {
            return get.apply(r);
        }

        public boolean inFlatForm() {
            return flat;
        }
    }

    /** One statistic of a latency by its name in {@link #JSON_STATS}. */
    public static double stat(LatencyStats s, String stat) {
        return switch (stat) {
            case "p50" -> s.p50Ms();
            case "p90" -> s.p90Ms();
            case "p99" -> s.p99Ms();
            case "mean" -> s.meanMs();
            case "max" -> s.maxMs();
            case "count" -> s.count();
            default -> throw new IllegalArgumentException("no latency statistic '" + stat + "'");
        };
    }

    /** Every figure of a run by its flat name, in column order; the host wall time is left out (not deterministic). */
    public static Map<String, Double> flat(SimulationResult r) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(THROUGHPUT, r.throughputTokensPerS());
        m.put(REQUESTS_PER_S, r.requestsPerS());
        m.put(SIMULATED_S, r.simulatedS());
        m.put(REQUESTS_COMPLETED, (double) r.requestsCompleted());
        m.put(OUTPUT_TOKENS, (double) r.outputTokens());
        m.put(PROMPT_TOKENS, (double) r.promptTokens());
        m.put(ITERATIONS, (double) r.iterations());
        m.put(PREEMPTIONS, (double) r.preemptions());
        for (Latency l : Latency.values()) {
            if (l.inFlatForm()) {
                for (String stat : FLAT_STATS) {
                    m.put(l.column(stat), stat(l.of(r), stat));
                }
            }
        }
        r.utilization().forEach((k, v) -> m.put(UTIL_PREFIX + k, v));
        r.linkUtilization().forEach((k, v) -> m.put(LINK_UTIL_PREFIX + k, v));
        m.put(MFU, r.mfu());
        m.put(HBM_BW_UTIL, r.hbmBwUtil());
        m.put(ENERGY_J_PER_TOKEN, r.energyJPerToken());
        m.put(ENERGY_TOTAL_J, r.energy().totalJ());
        m.put(ROOFLINE_BOUND_S, r.rooflineBoundS());
        m.put(PEAK_KV_TOKENS, (double) r.peakKvTokens());
        m.put(KV_CAPACITY_TOKENS, (double) r.kvCapacityTokens());
        return m;
    }

    /** {@code energy_PART_j}: the energy of each component but the total (an experiment's rows keep them; a sweep's {@link #flat} does not). */
    public static final List<String> ENERGY_PART_COLUMNS = List.of("energy_dram_j", "energy_sram_j", "energy_logic_j", "energy_link_j",
            "energy_static_j");

    /** The energy of each component by its {@link #ENERGY_PART_COLUMNS} name, in that order. */
    public static Map<String, Double> energyParts(SimulationResult r) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put(ENERGY_PART_COLUMNS.get(0), r.energy().dramJ());
        m.put(ENERGY_PART_COLUMNS.get(1), r.energy().sramJ());
        m.put(ENERGY_PART_COLUMNS.get(2), r.energy().logicJ());
        m.put(ENERGY_PART_COLUMNS.get(3), r.energy().linkJ());
        m.put(ENERGY_PART_COLUMNS.get(4), r.energy().staticJ());
        return m;
    }

    /**
     * How a reader of a table tells a metric column from an axis: its name starts with one of these
     * (every name of either form, families by their prefix, {@code throughput*} and {@code energy*} whole).
     */
    public static final List<String> METRIC_PREFIXES = metricPrefixes();

    private static List<String> metricPrefixes() {
        List<String> p = new ArrayList<>(List.of("throughput", REQUESTS_PER_S, REQUESTS_COMPLETED));
        for (Latency l : Latency.values()) {
            p.add(l.id());
        }
        p.addAll(List.of(UTIL_PREFIX, LINK_UTIL_PREFIX, UTILIZATION, LINK_UTILIZATION, MFU, HBM_BW_UTIL, "energy", SIMULATED_S,
                ROOFLINE_BOUND_S, OUTPUT_TOKENS, PROMPT_TOKENS, ITERATIONS, PREEMPTIONS, PEAK_KV_TOKENS, KV_CAPACITY_TOKENS, SIM_WALL_S));
        return List.copyOf(p);
    }

    /** Whether a table's column holds a metric (by {@link #METRIC_PREFIXES}, case-insensitive). */
    public static boolean isMetric(String column) {
        String c = column.toLowerCase(Locale.ROOT);
        return METRIC_PREFIXES.stream().anyMatch(c::startsWith);
    }
}
