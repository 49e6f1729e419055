package io.moesim.validation.gpu;

import java.util.Arrays;

/**
 * Summary of repeated timings in µs: median and the 10th/90th percentiles (linear interpolation
 * between order statistics), plus min and count. The median, not the mean, is the figure: one
 * preempted repetition must not move it.
 */
public record TimingStats(double medianUs, double p10Us, double p90Us, double minUs, int reps) {

    public static TimingStats of(double[] samplesUs) {
        if (samplesUs.length == 0) {
            throw new IllegalArgumentException("no timing samples");
        }
        double[] s = samplesUs.clone();
        Arrays.sort(s);
        return new TimingStats(percentile(s, 50), percentile(s, 10), percentile(s, 90), s[0], s.length);
    }

    /** The p-th percentile of sorted values, interpolating between the two nearest ranks. */
    static double percentile(double[] sorted, double p) {
        double pos = p / 100.0 * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = (int) Math.ceil(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
