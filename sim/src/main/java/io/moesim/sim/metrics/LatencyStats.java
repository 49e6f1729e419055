package io.moesim.sim.metrics;

import java.util.Arrays;

/**
 * Percentiles of a set of latencies, exact over every sample. The p-th percentile is the
 * nearest-rank value: the smallest sample such that at least p% of the samples are ≤ it, i.e.
 * sorted[⌈p/100 · n⌉ − 1]. No interpolation, so every reported figure is a latency that occurred.
 * All values in milliseconds; zeros when there are no samples.
 */
public record LatencyStats(long count, double meanMs, double p50Ms, double p90Ms, double p99Ms, double maxMs) {
    public static final LatencyStats EMPTY = new LatencyStats(0, 0, 0, 0, 0, 0);

    /** From samples in picoseconds (the array is sorted in place). */
    public static LatencyStats ofPicoseconds(long[] samples, int n) {
        if (n == 0) {
            return EMPTY;
        }
        Arrays.sort(samples, 0, n);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += samples[i];
        }
        return new LatencyStats(n, ms(sum / n), ms(percentile(samples, n, 50)), ms(percentile(samples, n, 90)),
                ms(percentile(samples, n, 99)), ms(samples[n - 1]));
    }

    /** Nearest-rank percentile of the first n sorted values. */
    public static long percentile(long[] sorted, int n, double p) {
        int rank = (int) Math.ceil(p / 100.0 * n);
        return sorted[Math.max(0, Math.min(n - 1, rank - 1))];
    }

    private static double ms(double ps) {
        return ps / 1e9;
    }
}
