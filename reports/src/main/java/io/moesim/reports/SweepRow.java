package io.moesim.reports;

import java.util.List;

/**
 * One design point: its axis values as written, and its metrics (NaN where the point has none,
 * e.g. a failed point).
 */
public record SweepRow(List<String> axisValues, List<Double> metrics) {
    public SweepRow {
        axisValues = List.copyOf(axisValues);
        metrics = List.copyOf(metrics);
    }
}
