package io.moesim.validation.serving;

import java.util.OptionalDouble;
import java.util.function.BiFunction;

/**
 * The fit of a serving harness's figures ({@link ServingHarness}) on its calibration server rows: the per-iteration and
 * per-sequence host costs by the rows' mean TPOT (each candidate re-simulates the rows: a server run's schedule depends on
 * its iteration times, so there is no closed form as for offline rows, {@link ServingFit}), then the latency before the first
 * token by their mean TTFT at those costs (a constant added to every request's TTFT: least squares on the relative error,
 * in closed form, at least 0). A grid, then its midpoints around the best; the first of equals wins, so the fit is
 * deterministic.
 */
public final class HarnessFit {
    /** Per-iteration host costs searched, us. */
    static final double[] ITERATION_US = {0, 250, 500, 1000, 2000, 4000};
    /** Per-sequence host costs searched, us. */
    static final double[] SEQUENCE_US = {0, 5, 10, 20, 40, 80};

    private HarnessFit() {
    }

    /** The fitted figures and the calibration rows' TPOT and TTFT MAPE at the harness's starting figures and after. */
    public record Result(ServingHarness harness, int rows, double tpotBeforePct, double tpotAfterPct, double ttftBeforePct, double ttftAfterPct) {
    }

    /**
     * Fits {@code start}'s figures; {@code runAt} runs the calibration rows at (per-iteration us, per-sequence us) with no
     * request latency and gives their report.
     */
    public static Result fit(ServingHarness start, BiFunction<Double, Double, ServingReport> runAt) {
        ServingReport before = runAt.apply(start.iterationOverheadUs(), start.perSequenceUs());
        double tpotBefore = tpotMape(before);
        double ttftBefore = ttftMape(before, start.requestLatencyMs());
        double[] best = {ITERATION_US[0], SEQUENCE_US[0]};
        double bestErr = Double.MAX_VALUE;
        ServingReport bestReport = null;
        for (double a : ITERATION_US) {
            for (double b : SEQUENCE_US) {
                ServingReport r = runAt.apply(a, b);
                double e = tpotMape(r);
                if (e < bestErr) {
                    bestErr = e;
                    best = new double[] {a, b};
                    bestReport = r;
                }
            }
        }
        double da = step(ITERATION_US, best[0]) / 2;
        double db = step(SEQUENCE_US, best[1]) / 2;
        double[] c = best.clone();
        for (double a : new double[] {c[0] - da, c[0], c[0] + da}) {
            for (double b : new double[] {c[1] - db, c[1], c[1] + db}) {
                if (a < 0 || b < 0 || a == c[0] && b == c[1]) {
                    continue;
                }
                ServingReport r = runAt.apply(a, b);
                double e = tpotMape(r);
                if (e < bestErr) {
                    bestErr = e;
                    best = new double[] {a, b};
                    bestReport = r;
                }
            }
        }
        double latency = latencyMs(bestReport);
        int n = (int) bestReport.rows().stream().filter(x -> x.tpotErrorPct().isPresent()).count();
        return new Result(start.with(best[0], best[1], latency, start.source()), n, tpotBefore, bestErr, ttftBefore, ttftMape(bestReport, latency));
    }

    /** The distance from {@code v} to its next point on the grid (the last gap past its end). */
    private static double step(double[] grid, double v) {
        for (int i = 0; i + 1 < grid.length; i++) {
            if (grid[i] == v) {
                return grid[i + 1] - grid[i];
            }
        }
        return grid[grid.length - 1] - grid[grid.length - 2];
    }

    static double tpotMape(ServingReport r) {
        return r.mapePct(ServingReport.Row::tpotErrorPct).orElse(Double.MAX_VALUE);
    }

    /** TTFT MAPE with {@code latencyMs} added to each prediction. */
    static double ttftMape(ServingReport r, double latencyMs) {
        double sum = 0;
        int n = 0;
        for (ServingReport.Row x : r.rows()) {
            OptionalDouble m = x.row().measured().ttftMsMean();
            if (x.predicted() && m.isPresent() && x.ttftMs().isPresent()) {
                sum += Math.abs(x.ttftMs().getAsDouble() + latencyMs - m.getAsDouble()) / m.getAsDouble();
                n++;
            }
        }
        return n == 0 ? Double.NaN : 100 * sum / n;
    }

    /** The latency L >= 0 minimising the sum of ((predicted + L - measured) / measured)^2 over rows with a TTFT. */
    static double latencyMs(ServingReport r) {
        double num = 0;
        double den = 0;
        for (ServingReport.Row x : r.rows()) {
            OptionalDouble m = x.row().measured().ttftMsMean();
            if (x.predicted() && m.isPresent() && x.ttftMs().isPresent()) {
                double w = 1 / (m.getAsDouble() * m.getAsDouble());
                num += (m.getAsDouble() - x.ttftMs().getAsDouble()) * w;
                den += w;
            }
        }
        return den == 0 ? 0 : Math.max(0, num / den);
    }
}
