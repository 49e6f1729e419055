package io.moesim.sim.kernel.pim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DerivedFigures;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.hw.firrtl.PimGemmGenerator;
import io.moesim.hw.firrtl.PimGemmParams;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.FfnActivation;
import io.moesim.sim.kernel.KernelFixtures;
import io.moesim.sim.kernel.KernelSimulator;
import io.moesim.sim.kernel.OpEstimate;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PimModelTest {
    private static final DeviceSpec DUPLEX = KernelFixtures.duplex();
    private static final ProcessorSpec PIM = DUPLEX.processor("logic_pim").orElseThrow();

    @Test
    void moduleMatchesThePaper() {
        PimModuleConfig c = PimModuleConfig.of(PIM, DUPLEX.memory(), DType.FP16);
        // 512 b × 4 bundles per tCCD_L (3.077 ns) = 2 clocks at 650 MHz → 1024 b = 64 fp16 per clock
        assertEquals(1024, c.params().bundleBits());
        assertEquals(8, c.params().lanes());
        assertEquals(512, c.params().macs());
        assertEquals(8, c.params().slotsPerLane()); // 8 KB = 64 entries of 1024 b over 8 lanes
        assertEquals(160, c.engines());
        assertEquals(2, c.chunksPerStep());
    }

    @Test
    void callCyclesEqualFirrtlFormula() {
        SplittableRandom rnd = new SplittableRandom(5);
        int checked = 0;
        for (int i = 0; i < 500; i++) {
            int dw = 8 << rnd.nextInt(0, 2);
            int w = 1 << rnd.nextInt(1, 6);
            int lanes = 1 + rnd.nextInt(16);
            int slots = 1 + rnd.nextInt(16);
            PimGemmParams p = new PimGemmParams(lanes, w * dw, dw, 2 * dw + 8, lanes * slots);
            int m = 1 + rnd.nextInt(lanes * slots);
            long passes = (m + lanes - 1) / lanes;
            long maxKc = slots / passes;
            if (maxKc == 0) {
                continue;
            }
            int k = 1 + rnd.nextInt((int) maxKc * w);
            int n = 1 + rnd.nextInt(300);
            assertEquals(PimGemmGenerator.cycles(p, m, n, k), PimGemmModuleSim.callCycles(p, m, n, k));
            checked++;
        }
        assertTrue(checked > 200);
    }

    @Test
    void unstalledEngineRunEqualsSumOfFormulaCalls() {
        // with a supply that is never late, a whole GEMM is its calls' formula cycles plus the loads
        PimModuleConfig c = PimModuleConfig.of(PIM, DUPLEX.memory(), DType.FP16);
        PimGemmParams p = c.params();
        PimModuleConfig fast = new PimModuleConfig(p, c.engines(), 1, 64, c.clockKHz(), c.slotsPerLane());
        BundleStream s = new BundleStream(PIM.pim().orElseThrow(), DUPLEX.memory());
        PimGemmModuleSim.Result r = PimGemmModuleSim.gemm(fast, s, 8, 40, 512);
        long formula = PimGemmGenerator.loadCycles(p, 8, 512) + PimGemmGenerator.cycles(p, 8, 40, 512);
        assertEquals(formula + r.stallCycles(), r.cycles());
    }

    @Test
    void bundleStreamBandwidthMatchesDerivedFigure() {
        BundleStream s = new BundleStream(PIM.pim().orElseThrow(), DUPLEX.memory());
        // array bandwidth 13.31 TB/s for 5 stacks: 512 b × 4 per 3.077 ns per PC
        double perPcGBps = 512 * 4 / 8.0 / (s.stepPs() / 1000.0);
        double derived = DerivedFigures.pimInternalBandwidthGBps(PIM.pim().orElseThrow(), DUPLEX.memory()) / 160;
        assertEquals(derived, perPcGBps, derived * 0.001);
        assertEquals(128, s.accessesPerRow()); // 1 KB pages, 64 bits per bank per access
        long last = 0;
        for (int i = 0; i < 100_000; i++) {
            last = s.nextStep(0);
        }
        double eff = 100_000.0 * s.stepPs() / last;
        // row switches cost tRP + tRCD = 29.2 ns per 128 × 3.077 = 393.8 ns: 93.1 %; refresh
        // (350 + 29.2) / 3900: 90.3 %. Together about 84 %.
        assertTrue(eff > 0.80 && eff < 0.90, "stream efficiency " + eff);
    }

    private static OpEstimate ffn(KernelSimulator sim, ProcessorSpec p, long tokensPerExpert) {
        long[] t = new long[8];
        java.util.Arrays.fill(t, tokensPerExpert);
        ExpertFfn op = new ExpertFfn(8, 2, LongImmutableList.of(t), 4096, 14336, FfnActivation.SWIGLU, DType.FP16);
        return sim.estimate(op, List.of(TensorType.of(DType.FP16, 8 * tokensPerExpert, 4096)), DUPLEX, p);
    }

    @Test
    void expertFfnIsBandwidthBoundAtFewTokensAndComputeBoundAtMany() {
        KernelSimulator sim = new KernelSimulator();
        OpEstimate t1 = ffn(sim, PIM, 1);
        OpEstimate t8 = ffn(sim, PIM, 8);
        OpEstimate t64 = ffn(sim, PIM, 64);
        // up to 8 tokens (the lanes) the weights stream once at the same rate; only the activation
        // loads grow (M × kc clocks per call, not overlapped in the generated module)
        System.out.printf("Logic-PIM Mixtral FFN: 1 tok %.1f us, 8 tok %.1f us, 64 tok %.1f us%n", t1.latencyUs(), t8.latencyUs(),
                t64.latencyUs());
        assertTrue(t8.latencyUs() >= t1.latencyUs() && t8.latencyUs() < 1.3 * t1.latencyUs());
        assertEquals("memory", t1.bound());
        // beyond the ridge, time grows with tokens (one pass per 8 tokens)
        assertTrue(t64.latencyUs() > 6 * t8.latencyUs(), t64.latencyUs() + " vs " + t8.latencyUs());
        assertTrue(t64.latencyUs() >= t64.rooflineUs());
        assertTrue(t8.latencyUs() >= t8.rooflineUs());
    }

    @Test
    void extrapolatedTokenGroupsWithinOnePercent() {
        PimModuleConfig c = PimModuleConfig.of(PIM, DUPLEX.memory(), DType.FP16);
        var pim = PIM.pim().orElseThrow();
        PimGemmModuleSim.Result full = PimGemmModuleSim.gemm(c, new BundleStream(pim, DUPLEX.memory()), 2000, 90, 4096, Long.MAX_VALUE);
        PimGemmModuleSim.Result ext = PimGemmModuleSim.gemm(c, new BundleStream(pim, DUPLEX.memory()), 2000, 90, 4096, 100_000);
        assertTrue(ext.extrapolated() && !full.extrapolated());
        double err = Math.abs(ext.cycles() - full.cycles()) / (double) full.cycles();
        System.out.printf("PIM extrapolation error %.4f%%%n", err * 100);
        assertTrue(err < 0.01, "error " + err);
    }

    @Test
    void bankPimHasOneOpPerByte() {
        DeviceSpec bank = KernelFixtures.target("bank-pim");
        ProcessorSpec p = bank.pimProcessor().orElseThrow();
        PimModuleConfig c = PimModuleConfig.of(p, bank.memory(), DType.FP16);
        assertEquals(1, c.params().lanes());
        assertEquals(16, c.params().weightsPerStep());
        DeviceSpec bg = KernelFixtures.target("bankgroup-pim");
        PimModuleConfig g = PimModuleConfig.of(bg.pimProcessor().orElseThrow(), bg.memory(), DType.FP16);
        assertEquals(8, g.params().lanes());
    }
}
