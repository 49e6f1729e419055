package io.moesim.validation.database;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.QuantizeLaunchRule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/**
 * The quantise rows of the kernel database under a profile's launch of one CTA per token row ({@link FrameworkProfile.QuantizeCtas})
 * and the harness's L2 ({@link FrameworkProfile.QuantizeL2}), by hand; and the fit, which finds both where rows were made with them.
 */
class QuantizeRowsTest {
    private final DbModel model = new DbModel();
    private final DeviceSpec h100 = DbProtocol.device("h100");
    private static final FrameworkProfile.ClassFigures CALL = new FrameworkProfile.ClassFigures(OptionalDouble.of(2), OptionalDouble.empty(),
            OptionalDouble.empty());
    private static final FrameworkProfile PLAIN = new FrameworkProfile("vllm", "v", Map.of("quantize", CALL, "quantize_amax", CALL), true, Optional.empty());

    private DbModel.Piece only(DbRow r) {
        List<DbModel.Piece> ps = model.pieces(r, h100);
        assertEquals(1, ps.size(), ps.toString());
        return ps.get(0);
    }

    /** The call, the model's rest, and the DRAM part {@code memoryS}: the figures' form with no shares. */
    private static double byHandUs(DbModel.Piece k, double memoryS) {
        double rest = Math.max(0, k.total() - k.launch() - Math.max(k.compute(), k.memory()));
        return (2e-6 + rest + memoryS) * 1e6;
    }

    @Test
    void thousandsOfShortRowsTakeTheirWaves() {
        // vLLM's cast of 32,768 rows of 32 (measured 21.7 us on H100): 249 waves of one CTA per row on 132 SMs, each 60 ns and
        // 96 bytes at 50 GB/s
        DbRow r = DbRow.of("quantize m=32768 k=32 step=cast", "h100", "h100", "vllm", 21.7, "test");
        DbModel.Piece k = only(r);
        assertEquals(32768, k.quant().tokens(), 0);
        assertEquals(32768.0 * 32 * 3, k.bytes(), 0);
        FrameworkProfile launched = PLAIN.withQuantizeCtas(Optional.of(new FrameworkProfile.QuantizeCtas(QuantizeLaunchRule.ONE_CTA_PER_TOKEN, 60, 50)));
        double waves = 249 * (60 + 96 / 50.0) * 1e-9;
        assertTrue(waves > k.memory(), "the waves bind");
        assertEquals(byHandUs(k, waves), model.predictUs(r, h100, launched), 1e-9);
        assertEquals(byHandUs(k, k.memory()), model.predictUs(r, h100, PLAIN), 1e-9);
        // the per-token kernel (amax pass, then cast): both kernels over the same rows
        DbRow tok = DbRow.of("quantize m=32768 k=32 step=token", "h100", "h100", "vllm", 30, "test");
        assertTrue(model.pieces(tok, h100).stream().allMatch(x -> x.quant().tokens() == 32768));
        // an fp8 GEMM's quantise kernels too; a fused MoE block's own quantise is its library's (no rows given)
        DbRow gemm = DbRow.of("matmul m=4096 n=4096 k=4096 dtype=fp8e4m3", "h100", "h100", "vllm", 100, "test");
        List<DbModel.Piece> gemmQuant = model.pieces(gemm, h100).stream().filter(x -> x.quant() != null).toList();
        assertEquals(List.of("quantize_amax", "quantize"), gemmQuant.stream().map(DbModel.Piece::cls).toList());
        assertTrue(gemmQuant.stream().allMatch(x -> x.quant().tokens() == 4096));
        DbRow moe = DbRow.of("moe-layer tokens=64 hidden=4096 experts=8 top_k=2 ffn=14336 tp=1 ep=1 distribution=balanced dtype=fp8e4m3", "h100", "h100",
                "vllm", 100, "test");
        List<DbModel.Piece> moeQuant = model.pieces(moe, h100).stream().filter(x -> x.quant() != null).toList();
        assertEquals(2, moeQuant.size(), moeQuant.toString());
        assertTrue(moeQuant.stream().allMatch(x -> x.quant().tokens() == 0 && x.quant().l2Fraction() > 0));
    }

    @Test
    void theHarnessFindsACallThatFitsInL2() {
        // vLLM's cast m=1025 k=8192: 25.2 MB, 0.48 of the 52.4 MB L2 (measured 5.7 us: 4.4 TB/s, above the HBM's 3.35)
        DbRow r = DbRow.of("quantize m=1025 k=8192 step=cast", "h100", "h100", "vllm", 5.7, "test");
        DbModel.Piece k = only(r);
        assertEquals(1025.0 * 8192 * 3 / (50.0 * 1024 * 1024), k.quant().l2Fraction(), 1e-12);
        FrameworkProfile l2 = PLAIN.withQuantizeL2(Optional.of(new FrameworkProfile.QuantizeL2(0.5, 5000)));
        assertEquals(byHandUs(k, 1025.0 * 8192 * 3 / 5000e9), model.predictUs(r, h100, l2), 1e-9);
        // a share below its footprint: from DRAM
        FrameworkProfile small = PLAIN.withQuantizeL2(Optional.of(new FrameworkProfile.QuantizeL2(0.25, 5000)));
        assertEquals(model.predictUs(r, h100, PLAIN), model.predictUs(r, h100, small), 1e-12);
        // under a DRAM share of 0.8: the L2's time where it is quicker than the DRAM part after the share
        FrameworkProfile.ClassFigures shared = new FrameworkProfile.ClassFigures(OptionalDouble.of(2), OptionalDouble.empty(), OptionalDouble.of(0.8));
        FrameworkProfile slow = PLAIN.withClass("quantize", shared).withQuantizeL2(Optional.of(new FrameworkProfile.QuantizeL2(0.5, 5000)));
        double dram = k.memory() / 0.8;
        double fromL2 = 1025.0 * 8192 * 3 / 5000e9;
        assertTrue(fromL2 < dram, "the L2 is quicker: " + fromL2 + " s against " + dram);
        assertEquals(byHandUs(k, fromL2), model.predictUs(r, h100, slow), 1e-9);
        // an L2 slower than the DRAM part after the share: the DRAM part
        FrameworkProfile slower = slow.withQuantizeL2(Optional.of(new FrameworkProfile.QuantizeL2(0.5, 1000)));
        assertEquals(byHandUs(k, dram), model.predictUs(r, h100, slower), 1e-9);
    }

    @Test
    void theWrittenProfileReadsBack() throws java.io.IOException {
        FrameworkProfile p = PLAIN.withQuantizeCtas(Optional.of(new FrameworkProfile.QuantizeCtas(QuantizeLaunchRule.ONE_CTA_PER_TOKEN, 40, 50.9)))
                .withQuantizeL2(Optional.of(new FrameworkProfile.QuantizeL2(0.75, 6000)));
        String yaml = DbReports.yaml(p, new DbFit.Result(p, Map.of("quantize", 67, "quantize_amax", 67), Map.of()), "test rows");
        assertTrue(yaml.contains("rule: one-cta-per-token") && yaml.contains("134 H100 quantise calibration rows"), yaml);
        java.nio.file.Path f = java.nio.file.Files.createTempFile("vllm", ".yaml");
        try {
            java.nio.file.Files.writeString(f, yaml);
            FrameworkProfile back = io.moesim.hw.FrameworkProfiles.load(f.toString());
            assertEquals(p.quantizeCtas(), back.quantizeCtas());
            assertEquals(p.quantizeL2(), back.quantizeL2());
        } finally {
            java.nio.file.Files.deleteIfExists(f);
        }
    }

    @Test
    void theFitFindsTheLaunchAndTheL2RowsWereMadeWith() {
        // rows made by a profile with both (a call of 2 us; 50 ns and 56.6 GB/s a CTA, 7.5 TB/s over 132 SMs; the L2 at 4.76 TB/s
        // to half its size, so that the L2's rate, not the waves, binds where a call of many rows fits): the fit, whose grids
        // hold these figures, finds them and explains the rows
        FrameworkProfile truth = PLAIN.withQuantizeCtas(Optional.of(new FrameworkProfile.QuantizeCtas(QuantizeLaunchRule.ONE_CTA_PER_TOKEN, 50, 56.6)))
                .withQuantizeL2(Optional.of(new FrameworkProfile.QuantizeL2(0.5, 4762)));
        List<DbRow> rows = new ArrayList<>();
        for (long m : new long[] {1, 16, 100, 1025, 4096, 32768}) {
            for (long k : new long[] {32, 256, 2048, 8192, 65536}) {
                for (String step : new String[] {"cast", "token"}) {
                    DbRow r = DbRow.of("quantize m=" + m + " k=" + k + " step=" + step, "h100", "h100", "vllm", 1, "test");
                    rows.add(r.withUs(model.predictUs(r, h100, truth)));
                }
            }
        }
        FrameworkProfile fit = DbFit.fit("vllm", "v", rows, model, g -> h100).profile();
        assertEquals(truth.quantizeCtas(), fit.quantizeCtas());
        assertEquals(0.5, fit.quantizeL2().orElseThrow().l2Share(), 0);
        assertEquals(4762, fit.quantizeL2().orElseThrow().l2GBps(), 4762 * 0.02);
        for (DbRow r : rows) {
            assertEquals(r.us(), model.predictUs(r, h100, fit), r.us() * 0.02, r.op().text());
        }
        // a framework whose code launches no CTA per token (TensorRT-LLM's grid-stride kernels) gets no such figures
        List<DbRow> trt = rows.stream().map(r -> DbRow.of(r.op().text(), "h100", "h100", "trtllm", r.us(), "test")).toList();
        assertTrue(DbFit.fit("trtllm", "t", trt, model, g -> h100).profile().quantizeCtas().isEmpty());
    }
}
