package io.moesim.validation.serving;

import java.util.OptionalDouble;
import java.util.function.BiFunction;

/**
 * The fit of a serving harness's figures ({@link ServingHarness}) on its calibration server rows: the per-iteration and
 * per-sequence host costs by the time per output token the rows publish (mean TPOT, or mean ITL of every gap pooled) (each candidate re-simulates the rows: a server run's schedule depends on
 * its iteration times, so there is no closed form as for offline rows, {@link ServingFit}), then the latency before the first
 * token by their mean TTFT at those costs (a constant added to every request's TTFT: least squares on the relative error,
 * in closed form, at least 0). A grid, then the midpoints between the best point and its grid neighbours (half a step past
 * the grid's last point, where the best is there); the first of equals wins, so the fit is deterministic. A fit where no
 * candidate predicts any row's TPOT is an error.
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
        Search s = new Search(runAt);
        for (double a : ITERATION_US) {
            for (double b : SEQUENCE_US) {
                s.consider(a, b);
            }
        }
        if (s.report == null) {
            throw new io.moesim.ir.MoesimException("harness " + start.id() + ": no calibration row was predicted with a TPOT at any candidate");
        }
        double ca = s.a;
        double cb = s.b;
        for (double a : midpoints(ITERATION_US, ca)) {
            for (double b : midpoints(SEQUENCE_US, cb)) {
                if (!(a == ca && b == cb)) {
                    s.consider(a, b);
                }
            }
        }
        double latency = latencyMs(s.report);
        int n = (int) s.report.rows().stream().filter(x -> x.tpotErrorPct().isPresent()).count();
        return new Result(start.with(s.a, s.b, latency, start.source()), n, tpotMape(before), s.err, ttftMape(before, start.requestLatencyMs()),
                ttftMape(s.report, latency));
    }

    /** The best point so far by the rows' TPOT MAPE (the first of equals kept). */
    private static final class Search {
        private final BiFunction<Double, Double, ServingReport> runAt;
        double a;
        double b;
        double err = Double.MAX_VALUE;
        ServingReport report;

        Search(BiFunction<Double, Double, ServingReport> runAt) {
            this.runAt = runAt;
        }

        void consider(double a, double b) {
            ServingReport r = runAt.apply(a, b);
            double e = tpotMape(r);
            if (e < err) {
                this.a = a;
                this.b = b;
                err = e;
                report = r;
            }
        }
    }

    /** {@code v} (a point of {@code grid}) and the midpoints to its neighbours: half a step past the last point at the end. */
    static double[] midpoints(double[] grid, double v) {
        int i = java.util.Arrays.binarySearch(grid, v);
        double below = i > 0 ? (grid[i - 1] + v) / 2 : v;
        double above = i + 1 < grid.length ? (v + grid[i + 1]) / 2 : v + (v - grid[i - 1]) / 2;
        return below == v ? new double[] {v, above} : new double[] {below, v, above};
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
