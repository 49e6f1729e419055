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

    /**
     * The fit runs calibration rows only: given every held-back row of the set and one calibration offline row (vLLM's
     * Mixtral latency row on 2 x H200, a few seconds a run), every row it runs, at every candidate, is that one.
     */
    @Test
    void theClockFitRunsNoHeldBackRow() {
        List<ServingRow> all = ServingSet.read(ServingSet.published(Path.of("..")));
        String cal = "vllm-latency-mixtral-8x7b-h200-tp2-32-128-bs8";
        List<ServingRow> rows = all.stream().filter(r -> ServingSplit.of(r) == ServingSplit.HELD_BACK || r.id().equals(cal)).toList();
        assertTrue(rows.size() > 40, "held-back rows and one more: " + rows.size());
        assertEquals(ServingSplit.CALIBRATION, ServingSplit.of(rows.stream().filter(r -> r.id().equals(cal)).findFirst().orElseThrow()));
        List<String> ran = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        ServingClockFit.Result r = ServingValidation.fitServingClock(rows, (i, n, row) -> ran.add(row.id()));
        // one run of the row per candidate tried, nothing else
        assertEquals(r.tried().size(), ran.size());
        assertTrue(ran.stream().allMatch(cal::equals), ran.toString());
        assertEquals(1, r.best().rows());
    }
}
