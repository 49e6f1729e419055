package io.moesim.validation.compare;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.Targets;
import io.moesim.validation.trace.IrOps;
import io.moesim.validation.trace.Measurement;
import io.moesim.validation.trace.Split;
import java.util.ArrayList;
import java.util.List;

/**
 * Fits the {@link Mechanisms} of one target on the calibration rows only (test rows are refused, so
 * the test set stays unseen), by exhaustive search over a grid of physically meaningful values: the
 * achieved clock from 50% to 100% of the max boost clock in 10 MHz steps, DRAM efficiency 0.50–1.00
 * in steps of 0.01, launch overhead 0–20 µs in steps of 0.5. The objective is the MAPE of the roofline
 * over the rows (collectives excluded: no mechanism here touches them). A grid, not a gradient: the
 * objective is piecewise (max of two sides) and the search is cheap (a few hundred thousand evaluations).
 */
public final class Calibration {
    private Calibration() {
    }

    public static CalibrationResult fit(String target, List<Measurement> calibrationRows, List<Measurement> testRows, List<String> sets) {
        for (Measurement m : calibrationRows) {
            if (m.split() != Split.CALIBRATION) {
                throw new IllegalArgumentException("calibration was given a test-set row: " + m.where() + " " + m.op().text());
            }
        }
        DeviceSpec device = Targets.load(target, sets);
        List<Measurement> usable = calibrationRows.stream().filter(m -> !IrOps.isCollective(m.kind())).toList();
        Mechanisms datasheet = Mechanisms.datasheet(device.primary().clockMHz());
        if (usable.isEmpty()) {
            return new CalibrationResult(target, device, datasheet, datasheet, 0, calibrationRows, testRows, sets);
        }
        // Precompute each row's two roofline sides at the datasheet figures; the mechanisms only rescale them.
        int n = usable.size();
        double[] compute = new double[n];
        double[] memory = new double[n];
        double[] measured = new double[n];
        List<Measurement> kept = new ArrayList<>();
        int j = 0;
        for (Measurement m : usable) {
            double[] sides = RooflinePredictor.sides(m, device);
            if (sides == null) {
                continue;
            }
            compute[j] = sides[0];
            memory[j] = sides[1];
            measured[j] = m.medianUs();
            kept.add(m);
            j++;
        }
        int rows = j;
        double maxClock = device.primary().maxClockMHz().orElse(device.primary().clockMHz());
        double specClock = device.primary().clockMHz();
        double bestErr = Double.POSITIVE_INFINITY;
        Mechanisms best = datasheet;
        for (double clock = Math.floor(maxClock * 0.5 / 10) * 10; clock <= maxClock + 1e-9; clock += 10) {
            double cs = specClock / clock;
            for (int e = 50; e <= 100; e++) {
                double eff = e / 100.0;
                for (int l = 0; l <= 40; l++) {
                    double launch = l * 0.5;
                    double err = 0;
                    for (int i = 0; i < rows && err < bestErr * rows; i++) {
                        double p = Math.max(compute[i] * cs, memory[i] / eff) + launch;
                        err += Math.abs(p - measured[i]) / measured[i];
                    }
                    err = err / rows;
                    if (err < bestErr) {
                        bestErr = err;
                        best = new Mechanisms(clock, eff, launch);
                    }
                }
            }
        }
        return new CalibrationResult(target, device, datasheet, best, rows, calibrationRows, testRows, sets);
    }
}
