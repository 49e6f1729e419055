package io.moesim.reports;

/** The two metrics a Pareto front trades off, and which way each is better. */
public record ParetoSpec(String xMetric, Direction x, String yMetric, Direction y) {
    public enum Direction {
        MAXIMIZE, MINIMIZE;

        /** True when a is at least as good as b. */
        boolean atLeastAsGood(double a, double b) {
            return this == MAXIMIZE ? a >= b : a <= b;
        }

        String word() {
            return this == MAXIMIZE ? "higher is better" : "lower is better";
        }
    }
}
