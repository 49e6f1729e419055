package io.moesim.validation.serving;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;

/**
 * The fit of a GPU's serving clock fraction ({@code serving_clock_fraction} of its processor, {@link
 * io.moesim.hw.ProcessorSpec#servingClockFraction}): the clock a serving engine's continuous load holds the engines at, as
 * a fraction of the clock the per-op figures hold for.
 *
 * <p>Why the rows identify it: the kernel database's collector timed each op in short bursts; a serving engine runs its
 * kernels back to back for minutes. A lower clock slows the compute-bound iterations (long prompts: many tokens per
 * iteration) and barely the memory-bound ones (decode steps), while the engine's and a harness's host costs are per
 * iteration and per sequence. So the calibration rows pull them apart: the offline rows of prompt-heavy and decode-heavy
 * length pairs by their throughput, the server rows by their TTFT (one prompt's prefill) against their TPOT (decode
 * steps).
 *
 * <p>Each candidate fraction is scored on every calibration row at the costs fitted there (the caller refits each
 * framework's engine costs, {@link ServingFit}, and each harness's figures, {@link HarnessFit}): each row counts once, an
 * offline row by its throughput error, a server row by the mean of its TTFT and TPOT errors (the row-weighted mean of the
 * fits' MAPEs). The search: 1 to {@link #LOWEST} by {@link #COARSE}, then the points half a step either side of the best,
 * twice (0.05, then 0.025). A tie (within 0.01 point) keeps the larger fraction, the smaller effect.
 */
public final class ServingClockFit {
    /** The coarse grid's step and its lowest fraction (well below what a power limit could cost a 700 W part in clock). */
    public static final double COARSE = 0.1;
    public static final double LOWEST = 0.6;

    private ServingClockFit() {
    }

    /** One candidate fraction and each framework's engine costs and each harness's figures fitted at it. */
    public record Candidate(double fraction, Map<String, ServingFit.Result> engines, Map<String, HarnessFit.Result> harnesses) {
        /** Calibration rows scored: the engine fits' rows and the harness fits' rows. */
        public int rows() {
            return engines.values().stream().mapToInt(ServingFit.Result::rows).sum() + harnesses.values().stream().mapToInt(HarnessFit.Result::rows).sum();
        }

        /** The score: the fits' MAPEs weighted by their rows (a harness's the mean of its TTFT and TPOT MAPEs), %. */
        public double scorePct() {
            double sum = 0;
            for (ServingFit.Result r : engines.values()) {
                sum += r.mapeAfterPct() * r.rows();
            }
            for (HarnessFit.Result h : harnesses.values()) {
                sum += (h.tpotAfterPct() + h.ttftAfterPct()) / 2 * h.rows();
            }
            int n = rows();
            return n == 0 ? 0 : sum / n;
        }
    }

    /** The fit: the targets the rows ran on, the candidate at 1 (no fraction), the best, and every candidate in the order tried. */
    public record Result(List<String> targets, Candidate none, Candidate best, List<Candidate> tried) {
    }

    /**
     * Fits the fraction, {@code at} refitting the costs on the calibration rows run at a candidate fraction. The candidates of
     * one round (the grid, then each pair of neighbours) are run in parallel ({@code at} must be safe to call from several
     * threads); the result does not depend on their order.
     */
    public static Result fit(List<String> targets, DoubleFunction<Candidate> at) {
        List<Candidate> tried = new ArrayList<>();
        int steps = (int) Math.round((1 - LOWEST) / COARSE);
        List<Double> grid = new ArrayList<>();
        for (int i = 0; i <= steps; i++) {
            grid.add(round(1 - i * COARSE));
        }
        tried.addAll(run(grid, at));
        for (double step : new double[] {COARSE / 2, COARSE / 4}) {
            double b = best(tried).fraction();
            List<Double> next = new ArrayList<>();
            for (double f : new double[] {round(b + step), round(b - step)}) {
                if (f <= 1 && f >= LOWEST && tried.stream().noneMatch(c -> c.fraction() == f)) {
                    next.add(f);
                }
            }
            tried.addAll(run(next, at));
        }
        return new Result(targets, tried.get(0), best(tried), List.copyOf(tried));
    }

    /** The candidates at {@code fractions}, in their order, computed in parallel. */
    private static List<Candidate> run(List<Double> fractions, DoubleFunction<Candidate> at) {
        return fractions.parallelStream().map(at::apply).toList();
    }

    /** The best score; on a tie (within 0.01 point, below what the fit prints) the larger fraction. */
    static Candidate best(List<Candidate> cs) {
        Candidate best = null;
        for (Candidate c : cs) {
            if (best == null || c.scorePct() < best.scorePct() - 0.01
                    || (Math.abs(c.scorePct() - best.scorePct()) <= 0.01 && c.fraction() > best.fraction())) {
                best = c;
            }
        }
        return best;
    }

    /** A fraction as the YAML writes it (three decimals: the finest step is 0.025). */
    static double round(double f) {
        return Math.round(f * 1000) / 1000.0;
    }

    /** A fraction as the fit prints it: {@link #round}ed, no trailing zeros (1, 0.8, 0.825). */
    public static String text(double f) {
        return java.math.BigDecimal.valueOf(round(f)).stripTrailingZeros().toPlainString();
    }
}
