package io.moesim.validation.serving;

import io.moesim.ir.MoesimException;
import io.moesim.sim.Parsed;
import io.moesim.sim.serving.LengthSpec;
import java.util.function.Function;

/**
 * The fit of a dataset's length spread ({@link ServingDataset}) on its calibration rows: log-normal lengths around each row's
 * means ({@link LengthSpec.LogNormal}, the mean kept), each candidate spread re-simulating the rows, scored by their
 * throughput MAPE (a run's throughput is what its tail of long requests lowers; its TTFT and TPOT are the harness's to fit).
 * A grid of spreads, then the midpoints between the best and its grid neighbours ({@link HarnessFit#midpoints}); the first of
 * equals (the smaller spread) wins, so the fit is deterministic. A candidate at which a row fails loses; a fit where no
 * candidate predicts every row is an error. The search is HarnessFit's in one dimension; the two are kept apart because
 * HarnessFit searches two figures at once.
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
    public static Result fit(ServingDataset start, int rows, Function<Parsed<LengthSpec>, ServingReport> runAt) {
        double before = mape(runAt.apply(start.lengths()), rows);
        double best = Double.NaN;
        double err = Double.MAX_VALUE;
        for (double s : SPREADS) {
            double e = mape(runAt.apply(ServingDataset.logNormal(s)), rows);
            if (e < err) {
                best = s;
                err = e;
            }
        }
        if (Double.isNaN(best)) {
            throw new MoesimException("dataset " + start.id() + ": the calibration rows were not all predicted at any spread");
        }
        double grid = best;
        for (double m : HarnessFit.midpoints(SPREADS, grid)) {
            double s = Math.round(m * 1000) / 1000.0; // 0.65, not 0.6499999999999999, to paste into the file
            if (s != grid) {
                double e = mape(runAt.apply(ServingDataset.logNormal(s)), rows);
                if (e < err || e == err && s < best) {
                    best = s;
                    err = e;
                }
            }
        }
        return new Result(start.with(ServingDataset.logNormal(best), start.source()), rows, before, err);
    }

    /** Throughput MAPE over the rows; a candidate at which any of the {@code rows} is not predicted loses. */
    static double mape(ServingReport r, int rows) {
        long predicted = r.rows().stream().filter(x -> x.throughputErrorPct().isPresent()).count();
        return predicted < rows ? Double.MAX_VALUE : r.mapePct(ServingReport.Row::throughputErrorPct).orElse(Double.MAX_VALUE);
    }
}
