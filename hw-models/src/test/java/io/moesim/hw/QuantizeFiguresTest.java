package io.moesim.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A profile's quantise figures ({@link FrameworkProfile.QuantizeCtas}, {@link FrameworkProfile.QuantizeL2}), by hand, and their YAML. */
class QuantizeFiguresTest {
    @TempDir
    Path dir;

    @Test
    void oneCtaPerTokenRowInWavesOfOnePerSm() {
        FrameworkProfile.QuantizeCtas q = new FrameworkProfile.QuantizeCtas(QuantizeLaunchRule.ONE_CTA_PER_TOKEN, 60, 50);
        // 32,768 rows of 32 on 132 SMs, the cast's 3 bytes per element: ceil(32768 / 132) = 249 waves of 60 ns + 96 B at 50 GB/s
        // (1.92 ns): 249 x 61.92 ns = 15.418 us, where the bytes at the HBM's 3.35 TB/s take 0.94 us
        assertEquals(249 * 61.92e-9, q.floorSeconds(32768, 32768 * 96.0, 132), 1e-15);
        // 80 rows of 65,536 (fewer rows than SMs): one wave, each CTA streaming its 196,608 bytes alone:
        // 60 ns + 196608 / 50 ns = 3.99 us (the 15.7 MB at the HBM's rate: 4.7 us, so the floor does not bind there)
        assertEquals((60 + 196608 / 50.0) * 1e-9, q.floorSeconds(80, 80 * 196608.0, 132), 1e-15);
        // one row more than the SMs: two waves
        assertEquals(2 * (60 + 100 / 50.0) * 1e-9, q.floorSeconds(133, 133 * 100.0, 132), 1e-15);
        // no rows known: no floor
        assertEquals(0, q.floorSeconds(0, 1e6, 132));
        assertThrows(IllegalArgumentException.class, () -> new FrameworkProfile.QuantizeCtas(QuantizeLaunchRule.ONE_CTA_PER_TOKEN, 0, 50));
        assertThrows(IllegalArgumentException.class, () -> new FrameworkProfile.QuantizeCtas(QuantizeLaunchRule.ONE_CTA_PER_TOKEN, 60, 0));
    }

    @Test
    void theHarnessFindsAKernelThatFitsInL2() {
        FrameworkProfile.QuantizeL2 l = new FrameworkProfile.QuantizeL2(0.5, 5000);
        // 20 MB (0.4 of a 50 MB L2) at 5 TB/s: 4 us, in place of 6 us from DRAM
        assertEquals(4e-6, l.memorySeconds(6e-6, 20e6, 0.4), 1e-15);
        // the same at exactly the share: still in L2
        assertEquals(4e-6, l.memorySeconds(6e-6, 20e6, 0.5), 1e-15);
        // above the share: DRAM, as the class's figures leave it
        assertEquals(6e-6, l.memorySeconds(6e-6, 20e6, 0.51), 0);
        // never slower than from DRAM
        assertEquals(3e-6, l.memorySeconds(3e-6, 20e6, 0.4), 0);
        assertThrows(IllegalArgumentException.class, () -> new FrameworkProfile.QuantizeL2(1.5, 5000));
        assertThrows(IllegalArgumentException.class, () -> new FrameworkProfile.QuantizeL2(0.5, 0));
    }

    @Test
    void aProfileReadsBothSectionsAndTheirRule() throws IOException {
        Path p = dir.resolve("fw.yaml");
        Files.writeString(p, "name: x\nquantize_ctas:\n  rule: one-cta-per-token\n  cta_ns: {value: 40, source: t}\n"
                + "  cta_stream_GBps: {value: 50.9, source: t}\nquantize_l2:\n  l2_share: {value: 1, source: t}\n  l2_GBps: {value: 5238, source: t}\n");
        FrameworkProfile f = FrameworkProfiles.load(p.toString());
        assertEquals(new FrameworkProfile.QuantizeCtas(QuantizeLaunchRule.ONE_CTA_PER_TOKEN, 40, 50.9), f.quantizeCtas().orElseThrow());
        assertEquals(new FrameworkProfile.QuantizeL2(1, 5238), f.quantizeL2().orElseThrow());
        // the launch is a kernel's (simulate applies it); the L2 only the harness's
        assertTrue(!f.isIdeal());
        assertTrue(FrameworkProfile.ideal().withQuantizeL2(f.quantizeL2()).isIdeal());
        assertEquals(f.quantizeCtas(), f.kernelsOnly().quantizeCtas());
        // the built-in vLLM profile launches its quantise kernels one CTA per token, as its code does; the others do not
        assertEquals(QuantizeLaunchRule.ONE_CTA_PER_TOKEN, FrameworkProfiles.load("vllm").quantizeCtas().orElseThrow().rule());
        assertTrue(FrameworkProfiles.load("trtllm").quantizeCtas().isEmpty());
        assertTrue(FrameworkProfiles.load("sglang").quantizeCtas().isEmpty());
    }

    @Test
    void everyRebuiltProfileKeepsBoth() {
        FrameworkProfile p = FrameworkProfile.ideal()
                .withQuantizeCtas(java.util.Optional.of(new FrameworkProfile.QuantizeCtas(QuantizeLaunchRule.ONE_CTA_PER_TOKEN, 40, 50)))
                .withQuantizeL2(java.util.Optional.of(new FrameworkProfile.QuantizeL2(0.75, 6000)));
        java.util.List<FrameworkProfile> rebuilt = java.util.List.of(p.named("x", "y"), p.withServing(FrameworkProfile.Serving.NONE),
                p.withClass("gemm", FrameworkProfile.ClassFigures.NONE), p.withQuantize(true), p.withCustomAllReduce(java.util.Optional.empty()),
                p.withCollectives(java.util.Optional.empty()), p.withFp8GemmTiles(java.util.Optional.empty()), p.withMoeTiles(java.util.Optional.empty()),
                p.withFp8MoeTiles(java.util.Optional.empty()), p.kernelsOnly());
        for (FrameworkProfile q : rebuilt) {
            assertEquals(p.quantizeCtas(), q.quantizeCtas(), q.id());
            assertEquals(p.quantizeL2(), q.quantizeL2(), q.id());
        }
    }

    private String error(String yaml) throws IOException {
        Path p = dir.resolve("bad.yaml");
        Files.writeString(p, yaml);
        return assertThrows(SpecException.class, () -> FrameworkProfiles.load(p.toString())).getMessage();
    }

    @Test
    void badSectionsSayWhere() throws IOException {
        String m = error("name: x\nquantize_ctas:\n  rule: one-cta-per-row\n  cta_ns: {value: 40, source: t}\n  cta_stream_GBps: {value: 50, source: t}\n");
        assertTrue(m.contains("quantize_ctas.rule") && m.contains("one-cta-per-token"), m);
        m = error("name: x\nquantize_ctas:\n  rule: one-cta-per-token\n  cta_ns: {value: 40, source: t}\n");
        assertTrue(m.contains("quantize_ctas.cta_stream_GBps") && m.contains("missing"), m);
        m = error("name: x\nquantize_l2:\n  l2_share: {value: 1.5, source: t}\n  l2_GBps: {value: 5000, source: t}\n");
        assertTrue(m.contains("quantize_l2.l2_share") && m.contains("(0, 1]"), m);
        m = error("name: x\nquantize_l2:\n  l2_share: {value: 0.5, source: t}\n  l2_rate: {value: 5000, source: t}\n");
        assertTrue(m.contains("quantize_l2.l2_rate") && m.contains("unknown key"), m);
    }
}
