package io.moesim.sim.metrics;

import io.moesim.sim.energy.EnergyBreakdown;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The figures of one simulation. Serialised by {@link ResultJson} in a fixed key order; everything
 * except {@code simWallS} is a function of the inputs and the seed.
 *
 * @param config             what was simulated, echoed in insertion order
 * @param simulatedS         simulated time from t = 0 to the last completion (t = 0 is the first arrival of a closed, offline or numpy-gaps run; moesim's own Poisson gaps bring the first request one gap in)
 * @param outputTokens       tokens generated (Σ L_out over completed requests)
 * @param throughputTokensPerS output tokens per simulated second
 * @param tbt                every time-between-tokens gap (all requests' gaps pooled)
 * @param tpot               time per output token of each request after its first, (finish − first token) / (L_out − 1),
 *                           over the requests with L_out ≥ 2 (as trtllm-bench and MLPerf report TPOT)
 * @param utilization        busy time / (simulated time × devices), by processor name
 * @param linkUtilization    busy time / (simulated time × devices), "intra_node" and "inter_node"
 * @param mfu                model FLOPs / (simulated time × the primary processors' dense peak)
 * @param hbmBwUtil          Σ over tasks of bytes / the bandwidth its processor sees, over (time × devices)
 * @param rooflineBoundS     Σ over iterations of the plan's critical path at roofline durations
 * @param simWallS           host seconds the simulation took (not deterministic), empty to omit
 */
public record SimulationResult(
        Map<String, Object> config,
        double simulatedS,
        long requestsCompleted,
        long outputTokens,
        long promptTokens,
        long iterations,
        long preemptions,
        double throughputTokensPerS,
        double requestsPerS,
        LatencyStats ttft,
        LatencyStats tbt,
        LatencyStats e2e,
        LatencyStats tpot,
        Map<String, Double> utilization,
        Map<String, Double> linkUtilization,
        double mfu,
        double hbmBwUtil,
        double energyJPerToken,
        EnergyBreakdown energy,
        double rooflineBoundS,
        long peakKvTokens,
        long kvCapacityTokens,
        Map<String, Long> caches,
        OptionalDouble simWallS) {

    public SimulationResult {
        config = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(config));
        utilization = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(utilization));
        linkUtilization = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(linkUtilization));
        caches = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(caches));
    }

    /** This result with more entries in its config echo (added after the run: offloading's figures). */
    public SimulationResult withConfig(Map<String, Object> more) {
        Map<String, Object> c = new java.util.LinkedHashMap<>(config);
        c.putAll(more);
        return new SimulationResult(c, simulatedS, requestsCompleted, outputTokens, promptTokens, iterations, preemptions,
                throughputTokensPerS, requestsPerS, ttft, tbt, e2e, tpot, utilization, linkUtilization, mfu, hbmBwUtil, energyJPerToken,
                energy, rooflineBoundS, peakKvTokens, kvCapacityTokens, caches, simWallS);
    }

    public SimulationResult withoutWall() {
        return withSimWall(OptionalDouble.empty());
    }

    /** This result with another host wall time (the only figure that is not deterministic). */
    public SimulationResult withSimWall(OptionalDouble wall) {
        return new SimulationResult(config, simulatedS, requestsCompleted, outputTokens, promptTokens, iterations, preemptions,
                throughputTokensPerS, requestsPerS, ttft, tbt, e2e, tpot, utilization, linkUtilization, mfu, hbmBwUtil, energyJPerToken,
                energy, rooflineBoundS, peakKvTokens, kvCapacityTokens, caches, wall);
    }
}
