package io.moesim.reports;

import java.util.List;

/**
 * Throughput against latency, one curve per system.
 *
 * @param latencyLabel which latency the points carry, e.g. "TBT p90 (ms)"
 */
public record LoadData(String latencyLabel, List<LoadCurve> curves) {
    public LoadData {
        curves = List.copyOf(curves);
    }
}
