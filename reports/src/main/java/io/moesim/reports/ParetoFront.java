package io.moesim.reports;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The rows of a sweep no other row dominates on two metrics. A row dominates another when it is at
 * least as good on both metrics and strictly better on one; rows with a NaN metric never take part.
 * Equal points are all kept (none is strictly better).
 */
public final class ParetoFront {
    private ParetoFront() {
    }

    /** Indices into {@code table.rows()} of the front, ordered by the x metric ascending (ties by index). */
    public static List<Integer> of(SweepTable table, ParetoSpec spec) {
        int xi = table.metricIndex(spec.xMetric());
        int yi = table.metricIndex(spec.yMetric());
        List<SweepRow> rows = table.rows();
        List<Integer> front = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            double xa = rows.get(i).metrics().get(xi);
            double ya = rows.get(i).metrics().get(yi);
            if (Double.isNaN(xa) || Double.isNaN(ya)) {
                continue;
            }
            boolean dominated = false;
            for (int j = 0; j < rows.size() && !dominated; j++) {
                double xb = rows.get(j).metrics().get(xi);
                double yb = rows.get(j).metrics().get(yi);
                if (j == i || Double.isNaN(xb) || Double.isNaN(yb)) {
                    continue;
                }
                boolean asGood = spec.x().atLeastAsGood(xb, xa) && spec.y().atLeastAsGood(yb, ya);
                dominated = asGood && (xb != xa || yb != ya);
            }
            if (!dominated) {
                front.add(i);
            }
        }
        // O(n²) is fine: sweeps have thousands of points at most, and the result is exact.
        front.sort(Comparator.<Integer>comparingDouble(i -> rows.get(i).metrics().get(xi)).thenComparingInt(i -> i));
        return List.copyOf(front);
    }
}
