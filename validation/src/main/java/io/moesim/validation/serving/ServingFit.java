package io.moesim.validation.serving;

import io.moesim.hw.FrameworkProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The serving-level fit of a framework's per-iteration engine costs ({@code serving:} in its profile):
 * a fixed host time per iteration {@code a} and a host time per sequence in the batch {@code b}, fitted
 * on the <b>calibration</b> offline rows of that framework only ({@link ServingSplit}).
 *
 * <p>An offline run queues every request at t = 0, so the scheduler's iterations do not depend on time:
 * a run's time is its kernel time T0 plus a·I + b·S (I iterations, S sequence-iterations), exactly. The
 * measured time is Tm = output tokens / measured throughput, so each row gives a·I + b·S = Tm − T0, and
 * the fit is least squares on the relative time error, (a·I + b·S − (Tm − T0)) / Tm, with a, b ≥ 0 (the
 * best of the unconstrained solution and each figure alone, where feasible). Server rows are left out:
 * their throughput is bound by the arrival rate and does not identify the costs.
 */
public final class ServingFit {
    private ServingFit() {
    }

    /**
     * One row's decomposition from a run: its iterations, sequence-iterations, kernel time (simulated time
     * less the engine time it already had) and output tokens.
     */
    public record Point(ServingRow row, long iterations, long sequenceIterations, double kernelS, long outputTokens) {
        /** The measured run time, output tokens / measured throughput. */
        double measuredS() {
            return outputTokens / row.measured().throughputTokensPerS();
        }

        /**
         * The engine time per iteration that would make this row's throughput exact on its own, (Tm − T0) / I (negative where
         * the kernels alone already take longer than the measured run): what a per-iteration cost stands in for, row by row.
         */
        public double wantedPerIterationS() {
            return wantedS() / iterations;
        }

        /** The engine time the whole run wants, Tm − T0: what a·I + b·S must equal for this row to be exact. */
        double wantedS() {
            return measuredS() - kernelS;
        }
    }

    /** A framework's fitted costs, the rows read, and the calibration rows' throughput MAPE before and after. */
    public record Result(String framework, FrameworkProfile.Serving figures, int rows, double mapeBeforePct, double mapeAfterPct) {
    }

    /** The points of a report's predicted offline rows (each predicted under some engine costs, which are taken out). */
    public static List<Point> points(ServingReport r) {
        List<Point> out = new ArrayList<>();
        for (ServingReport.Row row : r.rows()) {
            point(row).ifPresent(out::add);
        }
        return out;
    }

    /**
     * The offline rows' wanted engine time per iteration ({@link Point#wantedPerIterationS}), the median per framework and
     * model ("trtllm mixtral-8x7b"), in name order. Where a model's rows want far more or less than a framework's fitted
     * costs (a + b·S/I), those costs stand in for something the model's steps lack or overcount.
     */
    public static Map<String, Want> wantedByModel(ServingReport r) {
        Map<String, List<Double>> by = new TreeMap<>();
        for (Point p : points(r)) {
            by.computeIfAbsent(p.row().framework() + " " + p.row().model(), k -> new ArrayList<>()).add(p.wantedPerIterationS());
        }
        Map<String, Want> out = new java.util.LinkedHashMap<>();
        by.forEach((k, v) -> out.put(k, new Want(io.moesim.validation.compare.Median.of(v.stream().mapToDouble(Double::doubleValue).toArray()), v.size())));
        return out;
    }

    /** A group's median wanted engine time per iteration (seconds) over its {@code rows} offline rows. */
    public record Want(double medianPerIterationS, int rows) {
    }

    /** A predicted offline row's point (a run under a framework's engine costs, which are taken out); empty for any other row. */
    public static java.util.Optional<Point> point(ServingReport.Row row) {
        if (row.predicted() && row.row().scenario() == ServingRow.Scenario.OFFLINE && row.sequenceIterations() > 0 && row.iterations() > 0) {
            return java.util.Optional.of(new Point(row.row(), row.iterations(), row.sequenceIterations(), row.simulatedS() - row.engineS(),
                    row.outputTokens()));
        }
        return java.util.Optional.empty();
    }

    /** Fits each framework's costs on its calibration offline points; frameworks without any are left out. */
    public static Map<String, Result> fit(List<Point> points) {
        Map<String, List<Point>> by = new TreeMap<>();
        for (Point p : points) {
            if (ServingSplit.of(p.row()) == ServingSplit.CALIBRATION && p.row().scenario() == ServingRow.Scenario.OFFLINE) {
                by.computeIfAbsent(p.row().framework(), k -> new ArrayList<>()).add(p);
            }
        }
        Map<String, Result> out = new TreeMap<>();
        by.forEach((fw, ps) -> out.put(fw, fitOne(fw, ps)));
        return out;
    }

    static Result fitOne(String framework, List<Point> ps) {
        // weighted normal equations of min Σ ((a·I + b·S − R) / Tm)²
        double sII = 0, sIS = 0, sSS = 0, sIR = 0, sSR = 0;
        for (Point p : ps) {
            double tm = p.measuredS();
            double i = p.iterations() / tm;
            double s = p.sequenceIterations() / tm;
            double r = p.wantedS() / tm;
            sII += i * i;
            sIS += i * s;
            sSS += s * s;
            sIR += i * r;
            sSR += s * r;
        }
        List<double[]> candidates = new ArrayList<>();
        candidates.add(new double[] {0, 0});
        if (sII > 0) {
            candidates.add(new double[] {Math.max(0, sIR / sII), 0});
        }
        if (sSS > 0) {
            candidates.add(new double[] {0, Math.max(0, sSR / sSS)});
        }
        double det = sII * sSS - sIS * sIS;
        if (Math.abs(det) > 1e-12 * Math.max(1, sII * sSS)) {
            double a = (sIR * sSS - sSR * sIS) / det;
            double b = (sSR * sII - sIR * sIS) / det;
            if (a >= 0 && b >= 0) {
                candidates.add(new double[] {a, b});
            }
        }
        double[] best = null;
        double bestErr = Double.POSITIVE_INFINITY;
        for (double[] c : candidates) {
            double e = 0;
            for (Point p : ps) {
                double tm = p.measuredS();
                double d = (c[0] * p.iterations() + c[1] * p.sequenceIterations() - p.wantedS()) / tm;
                e += d * d;
            }
            if (e < bestErr - 1e-15) {
                bestErr = e;
                best = c;
            }
        }
        // seconds to microseconds, rounded as the YAML writes them
        double aUs = Math.round(best[0] * 1e6 * 10) / 10.0;
        double bUs = Math.round(best[1] * 1e6 * 1000) / 1000.0;
        return new Result(framework, new FrameworkProfile.Serving(aUs, bUs), ps.size(), mape(ps, 0, 0), mape(ps, aUs * 1e-6, bUs * 1e-6));
    }

    /** Throughput MAPE of the points with costs a, b (seconds). */
    static double mape(List<Point> ps, double a, double b) {
        double sum = 0;
        for (Point p : ps) {
            double predicted = p.outputTokens() / (p.kernelS() + a * p.iterations() + b * p.sequenceIterations());
            sum += Math.abs(predicted / p.row().measured().throughputTokensPerS() - 1);
        }
        return ps.isEmpty() ? 0 : 100 * sum / ps.size();
    }
}
