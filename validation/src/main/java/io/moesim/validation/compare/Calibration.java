package io.moesim.validation.compare;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.Targets;
import io.moesim.ir.DType;
import io.moesim.validation.trace.IrOps;
import io.moesim.validation.trace.Measurement;
import io.moesim.validation.trace.Split;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.DoubleFunction;
import java.util.function.ToDoubleFunction;

/**
 * Fits the kernel model's {@link Mechanisms} of one target on its calibration rows only: test rows
 * are refused, so the test set stays unseen. The objective is the MAPE of the kernel model over the
 * rows it predicts (collectives excluded: no mechanism here touches them).
 *
 * <p>Search: a coarse joint grid first (launch and per-tile overhead trade off on small GEMMs, so
 * one-at-a-time search from the defaults can stall), every dtype's efficiency moving together; then
 * coordinate descent over fine grids (launch overhead 0.25–60 µs by 0.25, per-tile overhead 0–8000
 * clocks by 50, matrix efficiency 0.30–1.00 by 0.01 for each dtype of a row the model finds compute-bound, the host's interval
 * per back-to-back call 0 (none) and 1–80 µs by 0.25, the memory latency 0 (the DRAM's own) and
 * 100–1500 ns by 25, each timing harness's per-call cost 0–60 µs by 0.25), each pass scanning
 * one mechanism's whole grid with the others held, until a pass changes nothing. Deterministic:
 * grids in ascending order, strict improvement only. A grid, not a gradient: the model picks tiles
 * by their time, so the objective has steps.
 *
 * <p>The clock under load multiplies a dtype's compute time exactly as that dtype's efficiency does,
 * so it is fitted (1000 MHz to the spec's max clock by 10) only where rows measured at a fixed clock
 * (their {@code env.sm_clock_MHz}; they are predicted at that clock) sit beside rows of the same dtype
 * that ran at whatever clock the power limit allowed; elsewhere the spec's {@code sustained_clock_MHz}
 * stays and the efficiency absorbs the rest.
 */
public final class Calibration {
    static final int MAX_PASSES = 20;
    /** No floor first (a floor is kept only where it strictly improves the fit), then 1–80 µs. */
    private static final double[] HOST_INTERVAL_GRID = withZero(grid(1, 80, 0.25));
    /** The DRAM's own latency first (0), then 100–1500 ns by 25. */
    private static final double[] LATENCY_GRID = withZero(grid(100, 1500, 25));

    private static double[] withZero(double[] g) {
        double[] out = new double[g.length + 1];
        System.arraycopy(g, 0, out, 1, g.length);
        return out;
    }


    private Calibration() {
    }

    public static CalibrationResult fit(String target, List<Measurement> calibrationRows, List<Measurement> testRows, List<String> sets) {
        for (Measurement m : calibrationRows) {
            if (m.split() != Split.CALIBRATION) {
                throw new IllegalArgumentException("calibration was given a test-set row: " + m.where() + " " + m.op().text());
            }
        }
        DeviceSpec device = Targets.load(target, sets);
        Mechanisms start = Mechanisms.of(device);
        KernelPredictor kernel = new KernelPredictor();
        List<Measurement> usable = new ArrayList<>();
        Set<DType> dtypes = new TreeSet<>();
        for (Measurement m : calibrationRows) {
            if (IrOps.isCollective(m.kind()) || IrOps.apply(m.op()).isEmpty()) {
                continue;
            }
            if (kernel.with(start).predict(m, device).present()) {
                usable.add(m);
                if (computeBound(m, device)) {
                    dtypes.add(IrOps.dtype(m.op()));
                }
            }
        }
        if (usable.isEmpty()) {
            return new CalibrationResult(target, device, start, start, 0, calibrationRows, testRows, sets);
        }
        Objective obj = new Objective(kernel, device, usable);
        boolean floorEvident = floorEvident(usable);
        boolean clockIdentifiable = clockIdentifiable(usable);
        // each timing harness the rows name gets its own per-call cost; the launch stays the plain loops'
        Set<String> harnesses = new TreeSet<>();
        usable.stream().map(m -> m.env().timing()).filter(t -> !t.isEmpty()).forEach(harnesses::add);
        double maxClock = device.primary().maxClockMHz().orElse(device.primary().clockMHz());
        Mechanisms best = start;
        double bestErr = obj.mape(best);
        for (double launch : new double[] {0.5, 1, 2, 4, 8, 16, 24, 32, 40, 48}) {
            for (double tile : grid(0, 8000, 500)) {
                for (double e : grid(0.30, 1.00, 0.05)) {
                    Mechanisms m = start.withLaunch(launch).withTileOverhead(tile);
                    for (DType dt : dtypes) {
                        m = m.withEfficiency(dt, e);
                    }
                    double err = obj.mape(m);
                    if (err < bestErr - 1e-12) {
                        best = m;
                        bestErr = err;
                    }
                }
            }
        }
        for (int pass = 0; pass < MAX_PASSES; pass++) {
            Mechanisms before = best;
            // a harness row pays launch + its harness: moving the launch keeps that sum, so the scan
            // moves only the plain loops' rows (else the two trade along a valley and the descent stalls)
            Step<Mechanisms> s = scan(obj::mape, grid(0.25, 60, 0.25), before::withLaunchKeepingHarnessTotals, best, bestErr);
            best = s.m;
            bestErr = s.err;
            Mechanisms afterLaunch = best;
            s = scan(obj::mape, grid(0, 8000, 50), afterLaunch::withTileOverhead, best, bestErr);
            best = s.m;
            bestErr = s.err;
            if (clockIdentifiable) {
                Mechanisms held = best;
                s = scan(obj::mape, grid(1000, maxClock, 10), held::withSustainedClock, best, bestErr);
                best = s.m;
                bestErr = s.err;
            }
            for (String h : harnesses) {
                Mechanisms held = best;
                s = scan(obj::mape, grid(0, 60, 0.25), v -> held.withHarnessOverhead(h, v), best, bestErr);
                best = s.m;
                bestErr = s.err;
            }
            Mechanisms beforeLatency = best;
            s = scan(obj::mape, LATENCY_GRID, beforeLatency::withMemoryLatency, best, bestErr);
            best = s.m;
            bestErr = s.err;
            if (floorEvident) {
                Mechanisms beforeFloor = best;
                s = scan(obj::mape, HOST_INTERVAL_GRID, beforeFloor::withHostCallInterval, best, bestErr);
                best = s.m;
                bestErr = s.err;
            }
            for (DType dt : dtypes) {
                Mechanisms held = best;
                s = scan(obj::mape, grid(0.30, 1.00, 0.01), e -> held.withEfficiency(dt, e), best, bestErr);
                best = s.m;
                bestErr = s.err;
            }
            if (best.equals(before)) {
                break;
            }
        }
        return new CalibrationResult(target, device, start, best, usable.size(), calibrationRows, testRows, sets);
    }

    /** The best point found so far in a search and its objective. */
    record Step<T>(T m, double err) {
    }

    /**
     * Whether the rows show a floor at all: two ops of the same kind and dtype whose work differs at least
     * twofold but whose times agree within 5% (e.g. 1024³ and 2048³ GEMMs both at 40 µs). Without
     * such a pair a host floor is not identifiable, and fitting one would only absorb whatever
     * else makes a single small kernel slow.
     */
    static boolean floorEvident(List<Measurement> rows) {
        for (int i = 0; i < rows.size(); i++) {
            for (int j = i + 1; j < rows.size(); j++) {
                Measurement a = rows.get(i);
                Measurement b = rows.get(j);
                if (!a.kind().equals(b.kind()) || IrOps.dtype(a.op()) != IrOps.dtype(b.op())) {
                    continue;
                }
                double wa = work(a);
                double wb = work(b);
                boolean differ = Math.max(wa, wb) >= 2 * Math.min(wa, wb);
                boolean sameTime = Math.abs(a.medianUs() - b.medianUs()) <= 0.05 * Math.min(a.medianUs(), b.medianUs());
                if (differ && sameTime) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether the clock under load can be told apart from the matrix efficiency: only where a dtype
     * has rows measured at a fixed clock (whose efficiency that settles) beside rows that ran at
     * whatever clock the power limit allowed.
     */
    static boolean clockIdentifiable(List<Measurement> rows) {
        Set<DType> fixed = new TreeSet<>();
        Set<DType> free = new TreeSet<>();
        for (Measurement m : rows) {
            (m.env().smClockMHz() > 0 ? fixed : free).add(IrOps.dtype(m.op()));
        }
        fixed.retainAll(free);
        return !fixed.isEmpty();
    }

    /**
     * Whether the kernel model puts the row's time on the engines rather than on DRAM: only such rows
     * say anything about a dtype's matrix efficiency (a decode row's efficiency would only absorb
     * whatever else makes it slow).
     */
    static boolean computeBound(Measurement m, DeviceSpec device) {
        IrOps.Applied a = IrOps.apply(m.op()).orElseThrow();
        return SHARED.simulator().estimate(a.op(), a.inputs(), device, device.primary()).bound().equals("compute");
    }

    private static final io.moesim.sim.kernel.KernelCostModel SHARED = new io.moesim.sim.kernel.KernelCostModel();

    /** An op's work: its FLOPs, or for copies the bytes. */
    private static double work(Measurement m) {
        if (m.kind().equals("memcpy")) {
            return m.op().getLong("bytes");
        }
        IrOps.Applied a = IrOps.apply(m.op()).orElseThrow();
        return Math.max(1, a.op().flops(a.inputs()));
    }

    /**
     * One figure's scan: every grid value in ascending order, kept only where it strictly improves the
     * objective (deterministic; shared by the kernel and the link calibrations).
     */
    static <T> Step<T> scan(ToDoubleFunction<T> objective, double[] grid, DoubleFunction<T> at, T best, double bestErr) {
        for (double v : grid) {
            T m = at.apply(v);
            double err = objective.applyAsDouble(m);
            if (err < bestErr - 1e-12) {
                best = m;
                bestErr = err;
            }
        }
        return new Step<>(best, bestErr);
    }

    /** {@code from, from + step, ..., to}, each value rounded to the step's decimals so grids are exact. */
    static double[] grid(double from, double to, double step) {
        int n = (int) Math.round((to - from) / step) + 1;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = Math.round((from + i * step) * 1e6) / 1e6;
        }
        return out;
    }

    /** MAPE of the kernel model over the calibration rows with the given mechanisms. */
    private record Objective(KernelPredictor kernel, DeviceSpec device, List<Measurement> rows) {
        double mape(Mechanisms m) {
            KernelPredictor p = kernel.with(m);
            double sum = 0;
            for (Measurement r : rows) {
                Prediction pr = p.predict(r, device);
                if (!pr.present()) {
                    return Double.POSITIVE_INFINITY;
                }
                sum += Math.abs(pr.us() - r.medianUs()) / r.medianUs();
            }
            return sum / rows.size() * 100;
        }
    }
}
