package io.moesim.reports;

import java.util.List;

/** A sweep's results: axis columns, metric columns, one row per point, in file order. */
public record SweepTable(String source, List<String> axes, List<String> metrics, List<SweepRow> rows) {
    public SweepTable {
        axes = List.copyOf(axes);
        metrics = List.copyOf(metrics);
        rows = List.copyOf(rows);
        for (SweepRow r : rows) {
            if (r.axisValues().size() != axes.size() || r.metrics().size() != metrics.size()) {
                throw new IllegalArgumentException("row of " + r.axisValues().size() + "+" + r.metrics().size()
                        + " values in a table of " + axes.size() + "+" + metrics.size() + " columns");
            }
        }
    }

    public int metricIndex(String name) {
        int i = metrics.indexOf(name);
        if (i < 0) {
            throw new ReportException(source + ": no metric column '" + name + "' (metrics: " + String.join(", ", metrics) + ")");
        }
        return i;
    }
}
