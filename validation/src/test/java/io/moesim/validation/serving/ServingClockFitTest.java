package io.moesim.validation.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.FrameworkProfile;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

/** The serving clock fraction's fit: its search on known scores, its score, and the rows it reads. */
class ServingClockFitTest {

    /** A candidate whose one framework's 10 rows score {@code score.applyAsDouble(f)} % and no harness. */
    private static ServingClockFit.Candidate at(double f, DoubleUnaryOperator score) {
        ServingFit.Result e = new ServingFit.Result("trtllm", new FrameworkProfile.Serving(0, 0), 10, 99, score.applyAsDouble(f));
        return new ServingClockFit.Candidate(f, Map.of("trtllm", e), Map.of());
    }

    private static List<Double> fractions(ServingClockFit.Result r) {
        return r.tried().stream().map(ServingClockFit.Candidate::fraction).toList();
    }

    /**
     * Scores |f - 0.775| x 100: the coarse grid's best is 0.8 (2.5); half a step either side, 0.85 (7.5) and 0.75 (2.5, a tie
     * with 0.8, which keeps 0.8); a quarter step either side of 0.8, 0.825 (5) and 0.775 (0), the answer.
     */
    @Test
    void searchesCoarseThenHalfThenQuarterSteps() {
        ServingClockFit.Result r = ServingClockFit.fit(List.of("h100"), f -> at(f, x -> Math.abs(x - 0.775) * 100));
        assertEquals(List.of(1.0, 0.9, 0.8, 0.7, 0.6, 0.85, 0.75, 0.825, 0.775), fractions(r));
        assertEquals(0.775, r.best().fraction());
        assertEquals(0, r.best().scorePct(), 1e-9);
        assertEquals(1.0, r.none().fraction());
        assertEquals(22.5, r.none().scorePct(), 1e-9);
    }

    /** Nothing to tell the candidates apart: the fraction stays 1 (no effect), and no step past 1 is tried. */
    @Test
    void aFlatScoreKeepsOne() {
        ServingClockFit.Result r = ServingClockFit.fit(List.of("h100"), f -> at(f, x -> 5));
        assertEquals(1.0, r.best().fraction());
        assertEquals(List.of(1.0, 0.9, 0.8, 0.7, 0.6, 0.95, 0.975), fractions(r));
    }

    /** Each calibration row counts once: an offline row by its throughput error, a server row by the mean of its TTFT and TPOT errors. */
    @Test
    void theScoreWeighsEachRowOnce() {
        ServingFit.Result e = new ServingFit.Result("trtllm", new FrameworkProfile.Serving(0, 0), 14, 30, 4);
        HarnessFit.Result h = new HarnessFit.Result(new ServingHarness("triton", "trtllm", 0, 0, 0, "s"), 30, 20, 8, 20, 6);
        ServingClockFit.Candidate c = new ServingClockFit.Candidate(0.8, Map.of("trtllm", e), Map.of("triton", h));
        assertEquals(44, c.rows());
        // (14 x 4 + 30 x (8 + 6) / 2) / 44
        assertEquals((56 + 210) / 44.0, c.scorePct(), 1e-12);
    }

    /** Given the set's held-back rows alone, the fit runs no row: the engine and harness fits read calibration rows only. */
    @Test
    void theClockFitReadsNoHeldBackRow() {
        List<ServingRow> rows = ServingSet.read(ServingSet.published(Path.of(".."))).stream()
                .filter(r -> ServingSplit.of(r) == ServingSplit.HELD_BACK).toList();
        assertTrue(rows.size() > 40, "held-back rows: " + rows.size());
        int[] runs = {0};
        ServingClockFit.Result r = ServingValidation.fitServingClock(rows, (i, n, row) -> runs[0]++);
        assertEquals(0, runs[0]);
        assertEquals(0, r.best().rows());
        assertEquals(1.0, r.best().fraction());
    }
}
