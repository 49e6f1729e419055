package io.moesim.validation.compare;

import java.util.List;

/** One op kind's figures: rows, rows with a prediction, MAPE and the worst rows (largest |error| first). */
public record KindSummary(String kind, int rows, int predicted, double mapePct, List<ComparisonRow> worst) {
}
