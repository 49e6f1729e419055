package io.moesim.validation.compare;

/**
 * The median of a sample: the middle value, or the mean of the two middle values of an even count; NaN when empty.
 * ({@code validation.gpu.TimingStats} takes its timing medians as its interpolated 50th percentile, the same value.)
 */
public final class Median {
    private Median() {
    }

    public static double of(double[] values) {
        double[] x = values.clone();
        java.util.Arrays.sort(x);
        int n = x.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
    }
}
