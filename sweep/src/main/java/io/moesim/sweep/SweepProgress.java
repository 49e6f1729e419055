package io.moesim.sweep;

import java.util.OptionalDouble;

/**
 * Where a sweep stands, for a progress bar.
 *
 * @param done     points finished, including {@code resumed}
 * @param total    points in the sweep
 * @param resumed  points found already done in the output when the run started
 * @param failed   finished points that failed (they count as done)
 * @param elapsedS seconds since this run started
 * @param etaS     seconds left at this run's rate so far; empty until a point finishes in this run
 */
public record SweepProgress(long done, long total, long resumed, long failed, double elapsedS, OptionalDouble etaS) {

    /** A listener that does nothing. */
    public static final Listener NONE = p -> { };

    /** Told after the store is opened and after every point; always from the thread that called the run. */
    @FunctionalInterface
    public interface Listener {
        void update(SweepProgress progress);
    }
}
