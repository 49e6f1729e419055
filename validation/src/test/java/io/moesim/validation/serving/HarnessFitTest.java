package io.moesim.validation.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.validation.trace.TraceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A serving harness's figures: the fit's search on a known answer, and the harness file's reading and its errors. */
class HarnessFitTest {
    @TempDir
    Path tmp;

    private static ServingRow row(String id, double ttftMs, double tpotMs) {
        return new ServingRow(id, ServingRow.Scenario.SERVER, "trtllm", "0.14.0", "llama-3-8b", "bf16", "h100x1", 1, 1, 500, 467, 256, 2, 0,
                2048, 8192, 0.9, Optional.empty(), Optional.of("triton"), Optional.empty(),
                new ServingRow.Measured(500, OptionalDouble.of(ttftMs), OptionalDouble.of(tpotMs)), new ServingRow.Source("u", "t", "d"), "",
                "f", 1);
    }

    /**
     * A synthetic engine whose step takes 5 ms of kernels + a + b x batch (batch 10 on the first row, 40 on the second) and
     * whose first token takes 12 ms + a: the rows were "measured" at a = 500 us, b = 20 us with a 7 ms front end, so the grid
     * finds (500, 20) exactly (TPOT MAPE 0) and the latency 7 ms in closed form.
     */
    @Test
    void findsTheFiguresThatMadeTheRows() {
        int[] batch = {10, 40};
        List<ServingRow> rows = List.of(row("a", 12 + 0.5 + 7, 5 + 0.5 + 0.020 * 10), row("b", 12 + 0.5 + 7, 5 + 0.5 + 0.020 * 40));
        ServingHarness start = new ServingHarness("triton", "trtllm", 3000, 0, 0, "s");
        int[] runs = {0};
        HarnessFit.Result r = HarnessFit.fit(start, (a, b) -> {
            runs[0]++;
            List<ServingReport.Row> out = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                out.add(new ServingReport.Row(rows.get(i), OptionalDouble.of(500), OptionalDouble.of(12 + a / 1000),
                        OptionalDouble.of(5 + a / 1000 + b / 1000 * batch[i]), 0, 0, 0, ""));
            }
            return new ServingReport("synthetic", "synthetic", out);
        });
        assertEquals(500, r.harness().iterationOverheadUs());
        assertEquals(20, r.harness().perSequenceUs());
        assertEquals(7, r.harness().requestLatencyMs(), 1e-9);
        assertEquals(0, r.tpotAfterPct(), 1e-9);
        assertEquals(0, r.ttftAfterPct(), 1e-9);
        assertTrue(r.tpotBeforePct() > 20, "the starting figures were far off: " + r.tpotBeforePct());
        // the start, the 36-point grid, and the best point's eight midpoint neighbours
        assertEquals(1 + 36 + 8, runs[0]);
    }

    /**
     * Figures off the grid: measured at 375 us and 15 us, between grid points. On the grid (250, 20) and (500, 10) tie at a
     * TPOT MAPE of 1.31% (each row off by 0.075 ms); the first is kept, and its midpoints (125 / 375, 15 / 30) hold the
     * answer exactly.
     */
    @Test
    void theMidpointsFindFiguresBetweenGridPoints() {
        int[] batch = {10, 40};
        List<ServingRow> rows = List.of(row("a", 20, 5 + 0.375 + 0.015 * 10), row("b", 20, 5 + 0.375 + 0.015 * 40));
        HarnessFit.Result r = HarnessFit.fit(new ServingHarness("triton", "trtllm", 0, 0, 0, "s"), (a, b) -> {
            List<ServingReport.Row> out = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) {
                out.add(new ServingReport.Row(rows.get(i), OptionalDouble.of(500), OptionalDouble.of(20),
                        OptionalDouble.of(5 + a / 1000 + b / 1000 * batch[i]), 0, 0, 0, ""));
            }
            return new ServingReport("synthetic", "synthetic", out);
        });
        assertEquals(375, r.harness().iterationOverheadUs());
        assertEquals(15, r.harness().perSequenceUs());
        assertEquals(0, r.tpotAfterPct(), 1e-9);
        assertArrayEquals(new double[] {0, 125}, HarnessFit.midpoints(HarnessFit.ITERATION_US, 0));
        assertArrayEquals(new double[] {3000, 4000, 5000}, HarnessFit.midpoints(HarnessFit.ITERATION_US, 4000));
    }

    /** No candidate predicts a TPOT (every row failed): an error naming the harness, not a null. */
    @Test
    void aFitWithNoPredictionIsAnError() {
        ServingRow a = row("a", 20, 6);
        Exception e = assertThrows(io.moesim.ir.MoesimException.class, () -> HarnessFit.fit(new ServingHarness("triton", "trtllm", 0, 0, 0, "s"),
                (x, y) -> new ServingReport("s", "s", List.of(new ServingReport.Row(a, OptionalDouble.empty(), OptionalDouble.empty(),
                        OptionalDouble.empty(), 0, 0, 0, "failed")))));
        assertTrue(e.getMessage().startsWith("harness triton: no calibration row"), e.getMessage());
    }

    @Test
    void theHarnessFileIsReadBesideTheRowsAndItsErrorsNameTheKey() throws IOException {
        Path rows = tmp.resolve("set.jsonl");
        Files.writeString(rows, "");
        assertTrue(ServingHarness.read(rows).isEmpty(), "no file: no harness");
        Files.writeString(tmp.resolve(ServingHarness.FILE), "{\"triton\": {\"framework\": \"trtllm\", \"iteration_overhead_us\": {\"value\": 750},"
                + " \"per_sequence_us\": {\"value\": 20}, \"request_latency_ms\": {\"value\": 7.06, \"source\": \"s\"}}}");
        Map<String, ServingHarness> h = ServingHarness.read(rows);
        assertEquals(new ServingHarness("triton", "trtllm", 750, 20, 7.06, ""), h.get("triton"));
        assertEquals(h, ServingHarness.read(tmp), "the same from the folder");
        Files.writeString(tmp.resolve(ServingHarness.FILE), "{\"triton\": {\"framework\": \"trtllm\", \"colour\": 1}}");
        TraceException e = assertThrows(TraceException.class, () -> ServingHarness.read(tmp));
        assertTrue(e.getMessage().contains("triton.colour: unknown key"), e.getMessage());
        Files.writeString(tmp.resolve(ServingHarness.FILE), "{\"triton\": {\"framework\": \"trtllm\", \"iteration_overhead_us\": {\"value\": -1},"
                + " \"per_sequence_us\": {\"value\": 20}, \"request_latency_ms\": {\"value\": 7}}}");
        e = assertThrows(TraceException.class, () -> ServingHarness.read(tmp));
        assertTrue(e.getMessage().contains("triton.iteration_overhead_us: expected {value: a number >= 0"), e.getMessage());
        Files.writeString(tmp.resolve(ServingHarness.FILE), "{\"triton\": {\"framework\": \"trtllm\", \"iteration_overhead_us\": {\"value\": 750},"
                + " \"per_sequence_us\": {\"value\": 20}, \"request_latency_ms\": {\"value\": 7}, \"poisson_gaps\": {\"value\": \"numpy\"}}}");
        assertEquals(io.moesim.sim.serving.ArrivalSpec.PoissonGaps.NUMPY, ServingHarness.read(tmp).get("triton").poissonGaps());
        Files.writeString(tmp.resolve(ServingHarness.FILE), "{\"triton\": {\"framework\": \"trtllm\", \"iteration_overhead_us\": {\"value\": 750},"
                + " \"per_sequence_us\": {\"value\": 20}, \"request_latency_ms\": {\"value\": 7}, \"poisson_gaps\": {\"value\": \"scipy\"}}}");
        e = assertThrows(TraceException.class, () -> ServingHarness.read(tmp));
        assertTrue(e.getMessage().contains("triton.poisson_gaps: unknown Poisson gaps 'scipy'"), e.getMessage());
    }

    /** The harness fit reads calibration server rows only: given the set's held-back and closed rows alone, it fits (and runs) nothing. */
    @Test
    void theHarnessFitReadsNoHeldBackRow() {
        List<ServingRow> rows = ServingSet.read(ServingSet.published(Path.of(".."))).stream()
                .filter(r -> r.harness().isPresent() && (ServingSplit.of(r) == ServingSplit.HELD_BACK || r.scenario() != ServingRow.Scenario.SERVER)).toList();
        assertTrue(rows.size() > 30, "held-back and closed Triton rows: " + rows.size());
        int[] runs = {0};
        assertTrue(ServingValidation.fitHarnesses(rows, (i, n, r) -> runs[0]++).isEmpty());
        assertEquals(0, runs[0]);
    }

    /** Every online-serving row is measured through the Triton harness, and the committed file names it for TensorRT-LLM. */
    @Test
    void theOnlineTableRunsThroughTheTritonHarness() {
        List<ServingRow> rows = ServingSet.read(ServingSet.published(Path.of("..")));
        for (ServingRow r : rows) {
            boolean online = r.source().table().startsWith("Online Serving Measurements");
            assertEquals(online ? Optional.of("triton") : Optional.empty(), r.harness(), r.id());
        }
        ServingHarness t = ServingHarness.read(ServingSet.published(Path.of(".."))).get("triton");
        assertEquals("trtllm", t.framework());
        // the online table's client (vLLM's benchmark_serving.py, inferred from its columns) draws numpy's gaps
        assertEquals(io.moesim.sim.serving.ArrivalSpec.PoissonGaps.NUMPY, t.poissonGaps());
        assertTrue(t.source().startsWith("fitted: moesim validate --serving --fit-engine"), t.source());
    }
}
