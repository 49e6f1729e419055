package io.moesim.validation.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The H200 / H100 pairing of test rows: medians worked by hand. */
class GpuTransferTest {
    private static DbProtocol.Scored row(String scenario, String gpu, String fw, String kind, String op, double measured, double predicted) {
        return new DbProtocol.Scored(scenario, fw, gpu, "TEST", kind, op, measured, predicted, predicted, List.of(), null);
    }

    private static DbProtocol.Scenario scenario(String name, List<DbProtocol.Scored> rows) {
        return new DbProtocol.Scenario(name, name, List.of(), Map.of(), rows);
    }

    @Test
    void pairsTheSameOpOfTheSameFrameworkOnBothGpus() {
        List<DbProtocol.Scored> h100 = List.of(
                row(GpuTransfer.FROM, "h100", "trtllm", "moe", "moe-layer a", 100, 100),
                row(GpuTransfer.FROM, "h100", "trtllm", "moe", "moe-layer b", 200, 100),
                row(GpuTransfer.FROM, "h100", "vllm", "moe", "moe-layer a", 50, 40),
                row(GpuTransfer.FROM, "h100", "vllm", "gemm-bf16", "matmul c", 20, 10),
                row(GpuTransfer.FROM, "h100", "vllm", "gemm-bf16", "matmul launch-bound", 19.9, 10),
                row(GpuTransfer.FROM, "h100", "sglang", "moe", "moe-layer only-h100", 30, 10));
        List<DbProtocol.Scored> h200 = List.of(
                // measured 90 / 100 = 0.9, model 70 / 100 = 0.7: (0.7 / 0.9 - 1) = -22.22%
                row(GpuTransfer.TO, "h200", "trtllm", "moe", "moe-layer a", 90, 70),
                // measured 160 / 200 = 0.8, model 80 / 100 = 0.8: 0%
                row(GpuTransfer.TO, "h200", "trtllm", "moe", "moe-layer b", 160, 80),
                // measured 50 / 50 = 1.0, model 36 / 40 = 0.9: -10%
                row(GpuTransfer.TO, "h200", "vllm", "moe", "moe-layer a", 50, 36),
                // measured 14 / 20 = 0.7, model 7.7 / 10 = 0.77: +10%
                row(GpuTransfer.TO, "h200", "vllm", "gemm-bf16", "matmul c", 14, 7.7),
                // under 20 us on H100: not paired
                row(GpuTransfer.TO, "h200", "vllm", "gemm-bf16", "matmul launch-bound", 5, 20),
                // no H100 twin: not paired
                row(GpuTransfer.TO, "h200", "sglang", "moe", "moe-layer only-h200", 10, 10));
        DbProtocol.Report r = new DbProtocol.Report("x", 10, Map.of(), List.of(scenario(GpuTransfer.FROM, h100), scenario(GpuTransfer.TO, h200)), List.of());
        Map<String, GpuTransfer.Ratio> by = GpuTransfer.byKind(r);
        assertEquals(List.of("gemm-bf16", "moe", "all"), List.copyOf(by.keySet()));
        GpuTransfer.Ratio moe = by.get("moe");
        assertEquals(3, moe.pairs());
        assertEquals(0.9, moe.measuredRatio(), 1e-12); // of 0.9, 0.8, 1.0
        assertEquals(0.8, moe.modelRatio(), 1e-12); // of 0.7, 0.8, 0.9
        assertEquals(-10.0, moe.ratioErrorPct(), 1e-9); // of -22.2, 0, -10
        GpuTransfer.Ratio all = by.get("all");
        assertEquals(4, all.pairs());
        assertEquals((0.8 + 0.9) / 2, all.measuredRatio(), 1e-12); // of 0.7, 0.8, 0.9, 1.0
        assertEquals((0.77 + 0.8) / 2, all.modelRatio(), 1e-12); // of 0.7, 0.77, 0.8, 0.9
        assertEquals((-10.0 + 0.0) / 2, all.ratioErrorPct(), 1e-9); // of -22.2, -10, 0, +10
        // the JSON carries the same figures, rounded
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> json = (Map<String, Map<String, Object>>) DbReports.toJson(r).get("h200_over_h100");
        assertEquals(Map.of("pairs", 3, "measured_ratio", 0.9, "model_ratio", 0.8, "ratio_error_pct", -10.0), json.get("moe"));
    }

    @Test
    void nothingWithoutBothScenarios() {
        DbProtocol.Report r = new DbProtocol.Report("x", 0, Map.of(), List.of(scenario(GpuTransfer.FROM, List.of())), List.of());
        assertTrue(GpuTransfer.byKind(r).isEmpty());
    }

}
