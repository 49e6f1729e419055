package io.moesim.validation.compare;

import java.util.Collection;

/** Mean absolute percentage error over the rows that have a prediction; NaN when none has. */
public final class Mape {
    private Mape() {
    }

    public static double of(Collection<ComparisonRow> rows) {
        double sum = 0;
        int n = 0;
        for (ComparisonRow r : rows) {
            if (r.predicted()) {
                sum += r.absErrorPct();
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
