package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.ProcessorSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Figures to compare with measurements (reference/hardware.md), printed for the issue note. The
 * asserts are loose sanity ranges, not tuning targets.
 */
class SanityFiguresTest {
    private final KernelSimulator sim = new KernelSimulator();

    private OpEstimate op(String kind, DeviceSpec d, String... kv) {
        return sim.estimate(OpRequests.parse(kind, List.of(kv)), d);
    }

    @Test
    void h100LargeGemm() {
        OpEstimate e = op("matmul", KernelFixtures.h100(), "m=8192", "n=8192", "k=8192", "dtype=bf16");
        System.out.printf("H100 8192^3 bf16: %.1f TFLOP/s (measured ~798, peak 989.4), %s, tile %s, waves %d%n%s%n", e.achievedTflops(),
                e.bound(), e.breakdown().tile(), e.breakdown().waves(), e.toJson());
        assertEquals("compute", e.bound());
        assertTrue(e.achievedTflops() > 700 && e.achievedTflops() < 989.4);
    }

    @Test
    void h100Memcpy() {
        OpEstimate e = op("memcpy", KernelFixtures.h100(), "bytes=4GiB");
        System.out.printf("H100 memcpy 4 GiB: %.0f GB/s read+write (measured ~3000, pins 3328)%n", e.achievedGBps());
        assertEquals("memory", e.bound());
        assertTrue(e.achievedGBps() > 2000 && e.achievedGBps() < 3350);
    }

    @Test
    void mixtralDecodeExpertFfnLogicPimVsXpu() {
        DeviceSpec d = KernelFixtures.duplex();
        for (int tokens : new int[] {8, 32, 128}) {
            // 8 experts, top-2: tokens × 2 routed evenly
            long perExpert = tokens * 2L / 8;
            OpEstimate pim = op("expert-ffn", d, "hidden=4096", "ffn=14336", "experts=8", "tokens_per_expert=" + perExpert, "dtype=fp16",
                    "processor=logic_pim");
            OpEstimate xpu = op("expert-ffn", d, "hidden=4096", "ffn=14336", "experts=8", "tokens_per_expert=" + perExpert, "dtype=fp16",
                    "processor=xpu");
            System.out.printf("Mixtral FFN %3d tokens (%d per expert): Logic-PIM %.1f us (%s), xPU %.1f us (%s), xPU/PIM %.2f%n", tokens,
                    perExpert, pim.latencyUs(), pim.bound(), xpu.latencyUs(), xpu.bound(), xpu.latencyUs() / pim.latencyUs());
            assertTrue(pim.latencyUs() >= pim.rooflineUs() && xpu.latencyUs() >= xpu.rooflineUs());
        }
    }

    @Test
    void duplexDecodeAttention() {
        DeviceSpec d = KernelFixtures.duplex();
        ProcessorSpec x = d.primary();
        OpEstimate pim = op("attention", d, "batch=64", "heads=32", "kv_heads=8", "head_dim=128", "q_len=1", "kv_len=4096", "dtype=fp16",
                "processor=logic_pim");
        OpEstimate xpu = op("attention", d, "batch=64", "heads=32", "kv_heads=8", "head_dim=128", "q_len=1", "kv_len=4096", "dtype=fp16",
                "processor=" + x.name());
        System.out.printf("GQA decode attention b64 kv4096: Logic-PIM %.1f us, xPU %.1f us%n", pim.latencyUs(), xpu.latencyUs());
        assertTrue(pim.latencyUs() < xpu.latencyUs());
    }
}
