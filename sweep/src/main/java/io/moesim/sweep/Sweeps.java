package io.moesim.sweep;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The sweep module's front door, what {@code moesim sweep} calls:
 * <pre>
 * SweepOutcome o = Sweeps.run(SweepRequest.local(spec, out).withParallelism(n), progress -> bar.update(progress));
 * </pre>
 * Reads and checks the spec, opens (or resumes) the result store, runs the points not yet stored on
 * the chosen engine, and writes {@code OUT/results.csv} and {@code OUT/results.parquet}.
 */
public final class Sweeps {
    public static final String CSV = "results.csv";
    public static final String PARQUET = "results.parquet";

    private Sweeps() {
    }

    public static SweepOutcome run(SweepRequest req, SweepProgress.Listener listener) {
        SweepSpec spec = SweepSpecs.read(req.spec());
        return run(spec, req, listener);
    }

    /** The same with a spec already read (tests, or a spec built in code). */
    public static SweepOutcome run(SweepSpec spec, SweepRequest req, SweepProgress.Listener listener) {
        long t0 = System.nanoTime();
        List<SweepPoint> points = PointSet.expand(spec);
        // Fails fast, before any output, on keys or values the evaluator does not understand.
        req.evaluator().create(spec);
        SweepEngine engine = Engines.create(req);
        try (ResultStore store = ResultStore.open(req.out(), spec, points.size())) {
            Map<Integer, PointResult> stored = store.readAll(points);
            List<SweepPoint> pending = new ArrayList<>();
            for (SweepPoint p : points) {
                if (!stored.containsKey(p.index())) {
                    pending.add(p);
                }
            }
            Tally tally = new Tally(points.size(), stored.size(), stored.values().stream().filter(PointResult::failed).count(), t0);
            listener.update(tally.progress());
            engine.run(spec, pending, req.evaluator(), r -> {
                store.write(r);
                stored.put(r.index(), r);
                tally.finished(r.failed());
                listener.update(tally.progress());
            });
            List<PointResult> rows = new ArrayList<>(stored.values()); // a TreeMap: sorted by index
            if (rows.size() != points.size()) {
                throw new SweepException("the " + engine.describe() + " engine finished with " + rows.size() + " of "
                        + points.size() + " points; run again to finish the rest");
            }
            ResultTable table = ResultTable.of(spec, rows);
            try {
                ResultStore.writeAtomically(req.out(), CSV, CsvWriter.write(table));
                ResultStore.writeAtomically(req.out(), PARQUET, ParquetWriter.write(table));
            } catch (IOException e) {
                throw new SweepException(req.out() + ": cannot write the results: " + e.getMessage(), e);
            }
            long failed = rows.stream().filter(PointResult::failed).count();
            return new SweepOutcome(points.size(), (int) tally.resumed, pending.size(), (int) failed, req.out().resolve(CSV),
                    req.out().resolve(PARQUET), engine.describe(), (System.nanoTime() - t0) / 1e9);
        }
    }

    /** Counts for progress reports; touched only by the thread that runs the sweep. */
    private static final class Tally {
        final long total;
        final long resumed;
        final long t0;
        long done;
        long failed;

        Tally(long total, long resumed, long failed, long t0) {
            this.total = total;
            this.resumed = resumed;
            this.done = resumed;
            this.failed = failed;
            this.t0 = t0;
        }

        void finished(boolean f) {
            done++;
            if (f) {
                failed++;
            }
        }

        SweepProgress progress() {
            double elapsed = (System.nanoTime() - t0) / 1e9;
            long thisRun = done - resumed;
            OptionalDouble eta = thisRun > 0 ? OptionalDouble.of((total - done) * elapsed / thisRun) : OptionalDouble.empty();
            return new SweepProgress(done, total, resumed, failed, elapsed, eta);
        }
    }
}
