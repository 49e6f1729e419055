package io.moesim.sweep;

import java.nio.file.Path;

/**
 * What a finished sweep did.
 *
 * @param total     points in the sweep
 * @param resumed   points already stored when the run started (not evaluated again)
 * @param evaluated points evaluated in this run
 * @param failed    points whose row holds an error instead of metrics
 * @param csv       {@code OUT/results.csv}
 * @param parquet   {@code OUT/results.parquet}
 * @param engine    the engine, in words
 * @param wallS     seconds this run took
 */
public record SweepOutcome(int total, int resumed, int evaluated, int failed, Path csv, Path parquet, String engine, double wallS) {

    /** Points per second of this run's evaluations. */
    public double pointsPerSecond() {
        return wallS > 0 ? evaluated / wallS : 0;
    }
}
