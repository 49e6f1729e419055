package io.moesim.reports;

import java.util.List;

/**
 * Throughput against latency, one curve per system.
 *
 * @param latencyLabel which latency the points carry, e.g. "TBT p90 (ms)"
 * @param varies       what changes from point to point ("request rates", "batch sizes"), empty
 *                     when nothing does or the runs mix kinds; the chart is titled by it
 */
public record LoadData(String latencyLabel, List<LoadCurve> curves, String varies) {
    public LoadData {
        curves = List.copyOf(curves);
        varies = varies == null ? "" : varies;
    }

    public LoadData(String latencyLabel, List<LoadCurve> curves) {
        this(latencyLabel, curves, "");
    }

    public String title() {
        return "Throughput vs latency" + (varies.isEmpty() ? "" : " over " + varies);
    }
}
