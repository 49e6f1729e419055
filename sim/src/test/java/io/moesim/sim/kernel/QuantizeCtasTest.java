package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.QuantizeLaunchRule;
import io.moesim.hw.Targets;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.Quantize;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** A profile whose quantise kernels launch one CTA per token row ({@link FrameworkProfile.QuantizeCtas}), in {@code simulate}, by hand. */
class QuantizeCtasTest {
    private final DeviceSpec h100 = Targets.load("h100");
    private final KernelSimulator sim = new KernelSimulator();

    /** One kernel under a call of {@code callUs} and no shares: the call, the model's rest, then the longer of its DRAM part and {@code floorS}. */
    private static double byHand(OpEstimate e, double callUs, double floorS) {
        OpEstimate.Breakdown b = e.breakdown();
        double rest = Math.max(0, e.seconds() - b.launchUs() * 1e-6 - Math.max(b.computeUs(), b.memoryUs()) * 1e-6);
        return callUs * 1e-6 + rest + Math.max(b.memoryUs() * 1e-6, floorS);
    }

    @Test
    void manyShortRowsTakeTheirWavesNotTheirBytes() {
        FrameworkProfile.ClassFigures call = new FrameworkProfile.ClassFigures(OptionalDouble.of(2), OptionalDouble.empty(), OptionalDouble.empty());
        FrameworkProfile plain = new FrameworkProfile("t", "test", Map.of("quantize", call, "quantize_amax", call), true, Optional.empty());
        FrameworkProfile.QuantizeCtas ctas = new FrameworkProfile.QuantizeCtas(QuantizeLaunchRule.ONE_CTA_PER_TOKEN, 60, 50);
        FrameworkProfile launched = plain.withQuantizeCtas(Optional.of(ctas));
        // the activation of an fp8 GEMM with K = 32 over 32,768 tokens
        MatMul f8 = new MatMul(32, 64, DType.FP8_E4M3);
        List<TensorType> in = List.of(TensorType.of(DType.FP8_E4M3, 32768, 32));
        Quantize q = Quantize.before(f8, in).orElseThrow();
        int sms = h100.primary().engines();
        assertEquals(132, sms);
        long el = 32768L * 32;
        OpEstimate amax = FrameworkCost.quantizeKernel(sim, el, false, h100, h100.primary());
        OpEstimate cast = FrameworkCost.quantizeKernel(sim, el, true, h100, h100.primary());
        // 249 waves; the amax pass's rows are 64 bytes (2 a value), the cast's 96 (2 read, 1 written)
        double amaxFloor = 249 * (60 + 64 / 50.0) * 1e-9;
        double castFloor = 249 * (60 + 96 / 50.0) * 1e-9;
        assertTrue(castFloor > cast.breakdown().memoryUs() * 1e-6, "the waves bind: " + castFloor + " s");
        double t = FrameworkCost.seconds(launched, sim, q, in, h100, h100.primary());
        assertEquals(byHand(amax, 2, amaxFloor) + byHand(cast, 2, castFloor), t, 1e-12);
        // without the launch: the bytes alone
        assertEquals(byHand(amax, 2, 0) + byHand(cast, 2, 0), FrameworkCost.seconds(plain, sim, q, in, h100, h100.primary()), 1e-12);
        // a long-row activation of many tokens is bandwidth-bound, as before: 4096 x 8192 takes its bytes, not its 32 waves
        List<TensorType> big = List.of(TensorType.of(DType.FP8_E4M3, 4096, 8192));
        assertEquals(FrameworkCost.seconds(plain, sim, q, big, h100, h100.primary()), FrameworkCost.seconds(launched, sim, q, big, h100, h100.primary()), 1e-12);
        // the harness's L2 is no kernel figure: simulate never applies it
        FrameworkProfile l2 = launched.withQuantizeL2(Optional.of(new FrameworkProfile.QuantizeL2(1, 1e6)));
        assertEquals(t, FrameworkCost.seconds(l2, sim, q, in, h100, h100.primary()), 0);
    }
}
