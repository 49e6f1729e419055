package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.FrameworkProfiles;
import io.moesim.hw.ProcessorSpec;
import io.moesim.hw.Targets;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** An fp8 GEMM's per-token activation quantise ({@link FrameworkProfile#QUANTIZE_TOKEN}), SGLang's, by hand. */
class PerTokenQuantizeTest {
    private final DeviceSpec h100 = Targets.load("h100");
    private final ProcessorSpec p = h100.primary();
    private final KernelSimulator sim = new KernelSimulator();

    private static FrameworkProfile.ClassFigures share(double b) {
        return new FrameworkProfile.ClassFigures(OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.of(b), OptionalDouble.empty(),
                OptionalDouble.empty());
    }

    @Test
    void sglangQuantisesPerTokenBeforeItsFp8GemmsOnly() {
        FrameworkProfile sgl = FrameworkProfiles.load("sglang");
        assertTrue(sgl.perTokenQuantize());
        assertTrue(sgl.gemmQuantizesActivation());
        // its fused MoE keeps the per-tensor flag (off): the per-token kernel is the linear layers' (sgl_per_token_quant_fp8)
        assertFalse(sgl.fp8QuantizesActivation());
        assertFalse(FrameworkProfiles.load("trtllm").perTokenQuantize());
        assertFalse(FrameworkProfiles.load("vllm").perTokenQuantize());
    }

    @Test
    void oneKernelReadsTheActivationOnceAndWritesItsFp8() {
        // m=16384 k=5120 (SGLang's database row m=16384 n=128 k=5120: 178.5 us measured on H100, 41.6 us predicted
        // without it): 83,886,080 elements, 2 bytes read and 1 written each = 251,658,240 bytes
        long el = 16384L * 5120;
        OpEstimate cast = FrameworkCost.quantizeKernel(sim, el, true, h100, p);
        assertEquals(251_658_240L, cast.breakdown().dramBytes());
        FrameworkProfile tok = new FrameworkProfile("t", "t", Map.of(FrameworkProfile.QUANTIZE_TOKEN, share(0.8)), false, Optional.empty());
        double t = FrameworkCost.gemmQuantizeSeconds(tok, sim, el, h100, p);
        // no call overhead given: the model's launch, its DRAM time at a 0.8 share, the rest of its time kept
        OpEstimate.Breakdown b = cast.breakdown();
        double rest = cast.seconds() * 1e6 - b.launchUs() - Math.max(b.computeUs(), b.memoryUs());
        assertEquals(b.launchUs() + Math.max(0, rest) + b.memoryUs() / 0.8, t * 1e6, 1e-6);
        // at least the roofline: 251,658,240 B / (0.8 x 3350 GB/s) = 93.90 us
        assertTrue(t >= 251_658_240 / (0.8 * 3350e9), t + " s");
        // the per-tensor pair at the same share moves 2 bytes more per element (the amax pass reads the activation again)
        FrameworkProfile pair = new FrameworkProfile("q", "q", Map.of("quantize", share(0.8)), true, Optional.empty());
        assertEquals(167_772_160L, FrameworkCost.quantizeKernel(sim, el, false, h100, p).breakdown().dramBytes());
        assertTrue(FrameworkCost.gemmQuantizeSeconds(pair, sim, el, h100, p) > t);
        // a profile with both: the GEMM's quantise is the per-token kernel; the fused MoE's stays the pair
        FrameworkProfile both = pair.withClass(FrameworkProfile.QUANTIZE_TOKEN, share(0.8));
        assertEquals(t, FrameworkCost.gemmQuantizeSeconds(both, sim, el, h100, p), 1e-15);
        assertEquals(FrameworkCost.quantizeSeconds(pair, sim, el, h100, p), FrameworkCost.quantizeSeconds(both, sim, el, h100, p), 1e-15);
    }
}
