package io.moesim.sim.kernel.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DeviceSpec;
import io.moesim.ir.DType;
import io.moesim.sim.kernel.KernelFixtures;
import io.moesim.sim.kernel.dram.HbmModel;
import org.junit.jupiter.api.Test;

/** The attention model applies the spec's matrix efficiency to its MAC-array clocks, as the GEMM model does. */
class AttentionModelTest {
    private static EngineContext ctx() {
        DeviceSpec d = KernelFixtures.h100();
        return new EngineContext(d, d.primary(), new HbmModel(d.memory()));
    }

    @Test
    void fullEfficiencyIsTheDatasheetModel() {
        EngineContext c = ctx();
        int macs = c.macs(DType.BF16);
        long bytes = 4L * 16384 * 2048 * 2;
        WorkBreakdown plain = AttentionModel.run(c, 16, 16384, 16384, 16384, 128, 128, false, bytes, macs);
        WorkBreakdown full = AttentionModel.run(c, 16, 16384, 16384, 16384, 128, 128, false, bytes, macs, 1.0);
        assertEquals(plain.totalSeconds(), full.totalSeconds(), 0);
    }

    @Test
    void lowerEfficiencyIsNeverFasterAndSlowsComputeBoundPrefill() {
        EngineContext c = ctx();
        int macs = c.macs(DType.BF16);
        long bytes = 4L * 16384 * 2048 * 2;
        double prev = 0;
        for (double e : new double[] {1.0, 0.9, 0.7, 0.5}) {
            for (boolean causal : new boolean[] {false, true}) {
                WorkBreakdown w = AttentionModel.run(c, 16, 16384, 16384, 16384, 128, 128, causal, bytes, macs, e);
                assertTrue(w.totalSeconds() > 0);
            }
            double s = AttentionModel.run(c, 16, 16384, 16384, 16384, 128, 128, false, bytes, macs, e).totalSeconds();
            assertTrue(s >= prev, e + ": " + s + " < " + prev);
            prev = s;
        }
        double full = AttentionModel.run(c, 16, 16384, 16384, 16384, 128, 128, false, bytes, macs, 1.0).computeSeconds();
        double half = AttentionModel.run(c, 16, 16384, 16384, 16384, 128, 128, false, bytes, macs, 0.5).computeSeconds();
        assertTrue(half > 1.5 * full, half + " vs " + full);
        assertThrows(IllegalArgumentException.class, () -> AttentionModel.run(c, 1, 128, 128, 128, 64, 64, false, bytes, macs, 0));
        assertThrows(IllegalArgumentException.class, () -> AttentionModel.run(c, 1, 128, 128, 128, 64, 64, false, bytes, macs, 1.5));
    }
}
