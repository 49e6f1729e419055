package io.moesim.reports;

import io.moesim.sim.metrics.LatencyStats;
import io.moesim.sim.metrics.SimulationResult;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The figures of one simulation run that a report shows, from a {@link SimulationResult} in memory
 * or from its JSON file ({@link ResultFiles}).
 *
 * @param source      where it came from (a file name, or "memory")
 * @param requestRate offered requests/s: the Poisson rate, else the achieved requests/s (closed loop, trace)
 * @param batch       closed-loop batch size, 0 for open-loop runs
 * @param maxBatch    the batch cap of an open-loop run (0 where unknown, e.g. an older result file)
 */
public record RunSummary(
        String source,
        String system,
        String model,
        String mode,
        double requestRate,
        long batch,
        double throughputTokensPerS,
        double requestsPerS,
        LatencyStats ttft,
        LatencyStats tbt,
        LatencyStats e2e,
        Map<String, Double> utilization,
        double energyJPerToken,
        double mfu,
        long maxBatch) {

    public RunSummary {
        utilization = Collections.unmodifiableMap(new TreeMap<>(utilization));
    }

    /** A run whose batch cap is not known. */
    public RunSummary(String source, String system, String model, String mode, double requestRate, long batch,
            double throughputTokensPerS, double requestsPerS, LatencyStats ttft, LatencyStats tbt, LatencyStats e2e,
            Map<String, Double> utilization, double energyJPerToken, double mfu) {
        this(source, system, model, mode, requestRate, batch, throughputTokensPerS, requestsPerS, ttft, tbt, e2e, utilization,
                energyJPerToken, mfu, 0);
    }

    public static RunSummary of(String source, SimulationResult r) {
        Map<String, Object> c = r.config();
        String mode = String.valueOf(c.getOrDefault("mode", "unknown"));
        double qps = c.get("qps") instanceof Number n ? n.doubleValue() : 0;
        long batch = c.get("batch") instanceof Number n ? n.longValue() : 0;
        long maxBatch = c.get("max_batch") instanceof Number n ? n.longValue() : 0;
        return new RunSummary(source, String.valueOf(c.getOrDefault("system", "unknown")),
                String.valueOf(c.getOrDefault("model", "unknown")), mode, offeredRate(mode, qps, r.requestsPerS()),
                batch, r.throughputTokensPerS(), r.requestsPerS(), r.ttft(), r.tbt(), r.e2e(), r.utilization(),
                r.energyJPerToken(), r.mfu(), maxBatch);
    }

    /** A Poisson run is placed at its offered rate; closed-loop and trace runs at what they achieved. */
    static double offeredRate(String mode, double qps, double achieved) {
        return "poisson".equals(mode) && qps > 0 ? qps : achieved;
    }
}
