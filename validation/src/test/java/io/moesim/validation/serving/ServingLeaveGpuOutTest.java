package io.moesim.validation.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.MoesimException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The serving set with one GPU left out: the fits read none of its rows, and its rows run at what they fitted. */
class ServingLeaveGpuOutTest {
    private static final List<ServingRow> ALL = ServingSet.read(ServingSet.published(Path.of("..")));
    /** vLLM's Mixtral latency row on 2 x H100: a calibration offline row, a few seconds a run. */
    private static final String H100_ROW = "vllm-latency-mixtral-8x7b-h100-tp2-32-128-bs8";

    private static ServingRow row(String id) {
        return ALL.stream().filter(r -> r.id().equals(id)).findFirst().orElseThrow();
    }

    /** A row's GPU is its system's target: the 2 x H100 and 4 x H200 systems' processors. */
    @Test
    void aRowsGpuIsItsSystemsTarget() {
        assertEquals("h100", ServingValidation.gpu(row(H100_ROW)));
        assertEquals("h200", ServingValidation.gpu(row("vllm-latency-llama-3-70b-h200-tp4-32-128-bs8")));
    }

    /**
     * Given every H200 row of the set and one H100 calibration row, the fits without H200 run that one row and nothing else
     * (once per clock candidate; no dataset row is on it), and fit the one framework it has.
     */
    @Test
    void theFitsWithoutAGpuRunNoneOfItsRows() {
        List<ServingRow> rows = new ArrayList<>(ALL.stream().filter(r -> ServingValidation.gpu(r).equals("h200")).toList());
        assertTrue(rows.size() > 40, "every H200 row: " + rows.size());
        rows.add(row(H100_ROW));
        assertEquals(ServingSplit.CALIBRATION, ServingSplit.of(row(H100_ROW)));
        List<String> ran = Collections.synchronizedList(new ArrayList<>());
        ServingValidation.Fitted f = ServingValidation.fitWithout(rows, "h200", (i, n, r) -> ran.add(r.id()), (i, n, r) -> ran.add(r.id()));
        // one offline row and two engine figures fit it exactly at every fraction: a flat score, whose search tries
        // 1, 0.9, 0.8, 0.7, 0.6, then 0.95 and 0.975 (ServingClockFitTest.aFlatScoreKeepsOne), the row once each
        assertEquals(7, ran.size(), ran.toString());
        assertEquals(1.0, f.clock().best().fraction());
        assertTrue(ran.stream().allMatch(H100_ROW::equals), ran.toString());
        assertEquals(List.of("vllm"), List.copyOf(f.clock().best().engines().keySet()));
        assertTrue(f.clock().best().harnesses().isEmpty() && f.datasets().isEmpty());
    }

    /**
     * A left-out row whose framework has no engine costs fitted on the other GPU's rows is not predicted, and says why; the
     * same row at the committed figures is.
     */
    @Test
    void aRowWithNoFittedFigureFailsWithTheReason() {
        ServingRow trt = row("trtllm-0.17-llama-3-70b-h200-tp2-5000-500");
        ServingValidation.GpuLeftOut g = ServingValidation.leaveGpuOut(List.of(row(H100_ROW), trt), "test", "h200", null, null, null);
        assertEquals(List.of("h100"), g.fitGpus());
        ServingReport.Row left = g.leftOut().rows().get(0);
        assertFalse(left.predicted());
        assertTrue(left.failure().contains("no engine costs of trtllm fitted"), left.failure());
        assertTrue(g.committed().rows().get(0).predicted());
    }

    /** A left-out row measured through a harness the other GPU's rows fitted no figures for is not predicted, and says why. */
    @Test
    void aRowThroughAnUnfittedHarnessFailsWithTheReason() {
        ServingRow triton = row("trtllm-0.14-llama-3-8b-h200-tp1-467-16-qps2");
        ServingValidation.GpuLeftOut g = ServingValidation.leaveGpuOut(List.of(row(H100_ROW), triton), "test", "h200", null, null, null);
        ServingReport.Row left = g.leftOut().rows().get(0);
        assertFalse(left.predicted());
        assertTrue(left.failure().contains("harness triton has no figures fitted"), left.failure());
    }

    /** What cannot be left out: a GPU no row runs on, the only GPU, a GPU whose others have no calibration row. */
    @Test
    void whatCannotBeLeftOutIsRefused() {
        MoesimException e = assertThrows(MoesimException.class,
                () -> ServingValidation.leaveGpuOut(List.of(row(H100_ROW)), "test", "h300", null, null, null));
        assertEquals("the rows run on h100, not h300", e.getMessage());
        e = assertThrows(MoesimException.class, () -> ServingValidation.leaveGpuOut(List.of(row(H100_ROW)), "test", "h100", null, null, null));
        assertEquals("every row runs on h100: no other GPU to fit on", e.getMessage());
        ServingRow heldBack = row("vllm-latency-llama-3-70b-h100-tp4-32-128-bs8");
        assertEquals(ServingSplit.HELD_BACK, ServingSplit.of(heldBack));
        e = assertThrows(MoesimException.class, () -> ServingValidation.leaveGpuOut(
                List.of(heldBack, row("vllm-latency-llama-3-70b-h200-tp4-32-128-bs8")), "test", "h200", null, null, null));
        assertEquals("h100 has no calibration row to fit on", e.getMessage());
    }
}
