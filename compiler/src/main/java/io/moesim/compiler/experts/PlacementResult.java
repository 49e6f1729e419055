package io.moesim.compiler.experts;

/**
 * A placement and what is known of its quality.
 *
 * @param assign    device of each expert
 * @param objective the problem's objective of {@code assign}
 * @param bound     a proven lower bound of the optimum (the objective itself when optimal; 0 when unknown)
 * @param seconds   solve wall time
 * @param status    "heuristic", "optimal", "feasible", ...
 */
public record PlacementResult(int[] assign, double objective, double bound, double seconds, String status) {
    public PlacementResult {
        assign = assign.clone();
    }

    /** Relative optimality gap (objective − bound) ÷ objective; 0 when the objective is 0. */
    public double gap() {
        return objective <= 0 ? 0 : Math.max(0, (objective - bound) / objective);
    }
}
