package io.moesim.validation.serving;

import io.moesim.ir.MoesimException;
import io.moesim.sim.serving.LengthSpec;
import java.util.function.Function;

/**
 * The fit of a dataset's length spread ({@link ServingDataset}) on its calibration rows: log-normal lengths around each row's
 * means ({@link LengthSpec.LogNormal}, the mean kept), each candidate spread re-simulating the rows, scored by their
 * throughput MAPE (a run's throughput is what its tail of long requests lowers; its TTFT and TPOT are the harness's to fit).
 * A grid of spreads, then the midpoints between the best and its grid neighbours ({@link HarnessFit#midpoints}); the first of
 * equals (the smaller spread) wins, so the fit is deterministic. A fit where no candidate predicts a throughput is an error.
 */
public final class DatasetFit {
    /** Spreads searched: the standard deviation of the lengths as a fraction of their mean. */
    static final double[] SPREADS = {0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};

    private DatasetFit() {
    }

    /** The fitted dataset, the rows it was fitted on, and their throughput MAPE at its starting lengths and after. */
    public record Result(ServingDataset dataset, int rows, double throughputBeforePct, double throughputAfterPct) {
    }

    /** Fits {@code start}'s spread; {@code runAt} runs the dataset's calibration rows at the given lengths. */
    public static Result fit(ServingDataset start, int rows, Function<LengthSpec, ServingReport> runAt) {
        double before = mape(runAt.apply(start.lengths()));
        double best = Double.NaN;
        double err = Double.MAX_VALUE;
        for (double s : SPREADS) {
            double e = mape(runAt.apply(new LengthSpec.LogNormal(s)));
            if (e < err) {
                best = s;
                err = e;
            }
        }
        if (Double.isNaN(best)) {
            throw new MoesimException("dataset " + start.id() + ": no calibration row was predicted with a throughput at any spread");
        }
        double grid = best;
        for (double s : HarnessFit.midpoints(SPREADS, grid)) {
            if (s != grid) {
                double e = mape(runAt.apply(new LengthSpec.LogNormal(s)));
                if (e < err || e == err && s < best) {
                    best = s;
                    err = e;
                }
            }
        }
        return new Result(start.with(new LengthSpec.LogNormal(best), start.source()), rows, before, err);
    }

    static double mape(ServingReport r) {
        return r.mapePct(ServingReport.Row::throughputErrorPct).orElse(Double.MAX_VALUE);
    }
}
