package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.WeightFormat;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.FfnActivation;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Compressed experts at the kernel level: fewer weight bytes, and the decode's cost on the processor that runs the expert. */
class CompressedExpertKernelTest {
    private final KernelSimulator sim = new KernelSimulator();
    // int4's bytes without its decode: isolates the decode's cost
    private static final WeightFormat FREE_INT4 = new WeightFormat("int4-free", 4000, 0, null);

    private OpEstimate mixtralExperts(DeviceSpec d, String proc, long tokensPerExpert, WeightFormat f) {
        long[] t = new long[8];
        Arrays.fill(t, tokensPerExpert);
        ExpertFfn op = new ExpertFfn(8, 2, LongImmutableList.of(t), 4096, 14336, FfnActivation.SWIGLU, DType.BF16, f);
        ProcessorSpec p = d.processor(proc).orElseThrow();
        return sim.estimate(op, List.of(TensorType.of(DType.BF16, 8 * tokensPerExpert, 4096)), d, p);
    }

    @Test
    void decodeOnTheGpuReadsFewerBytesAndRunsFaster() {
        DeviceSpec h100 = KernelFixtures.h100();
        OpEstimate bf16 = mixtralExperts(h100, "gpu", 16, null);
        OpEstimate int8 = mixtralExperts(h100, "gpu", 16, WeightFormat.INT8);
        OpEstimate int4 = mixtralExperts(h100, "gpu", 16, WeightFormat.INT4);
        System.out.printf("h100 decode experts: bf16 %.1f us, int8 %.1f us, int4 %.1f us (dram %d, %d, %d)%n", bf16.latencyUs(), int8.latencyUs(),
                int4.latencyUs(), bf16.breakdown().dramBytes(), int8.breakdown().dramBytes(), int4.breakdown().dramBytes());
        assertEquals("memory", bf16.bound());
        // weights dominate the traffic: 8 x 176 M weights against 2 x 128 x 4096 activations
        assertEquals(0.5, (double) int8.breakdown().dramBytes() / bf16.breakdown().dramBytes(), 0.01);
        assertEquals(0.25, (double) int4.breakdown().dramBytes() / bf16.breakdown().dramBytes(), 0.01);
        assertTrue(int8.latencyUs() < bf16.latencyUs() && int4.latencyUs() < int8.latencyUs());
        assertTrue(int4.latencyUs() >= int4.rooflineUs() && int8.latencyUs() >= int8.rooflineUs());
    }

    @Test
    void theDecodeCostsVectorTimeOnTheGpuWhenComputeBound() {
        DeviceSpec h100 = KernelFixtures.h100();
        OpEstimate free = mixtralExperts(h100, "gpu", 4096, FREE_INT4);
        OpEstimate int4 = mixtralExperts(h100, "gpu", 4096, WeightFormat.INT4);
        ProcessorSpec p = h100.processor("gpu").orElseThrow();
        // every weight is decoded at least once: 4 instructions on 128 fp32 lanes per SM (256 vector FLOP/clock / 2)
        double clock = p.sustainedClockMHz().orElse(p.clockMHz()) * 1e6;
        double weights = 8.0 * 3 * 4096 * 14336;
        double atLeastUs = weights * 4 / (p.engines() * p.vectorFlopsPerCycle().get(DType.FP32) / 2 * clock) * 1e6;
        System.out.printf("h100 prefill experts: int4 without decode %.1f us, with %.1f us, decode lower bound %.1f us%n", free.latencyUs(),
                int4.latencyUs(), atLeastUs);
        assertEquals("compute", free.bound());
        assertTrue(int4.latencyUs() - free.latencyUs() >= atLeastUs * (1 - 1e-9), "the decode adds at least one pass over the weights");
    }

    @Test
    void onLogicPimTheStreamShrinksAndTheDecodeRunsOnTheMacs() {
        DeviceSpec duplex = KernelFixtures.duplex();
        ProcessorSpec pim = duplex.processor("logic_pim").orElseThrow();
        OpEstimate bf16 = mixtralExperts(duplex, "logic_pim", 16, null);
        OpEstimate free = mixtralExperts(duplex, "logic_pim", 16, FREE_INT4);
        OpEstimate int4 = mixtralExperts(duplex, "logic_pim", 16, WeightFormat.INT4);
        double launch = bf16.breakdown().launchUs();
        System.out.printf("duplex logic-pim decode experts: bf16 %.1f us, int4 bytes only %.1f us, int4 %.1f us%n", bf16.latencyUs(), free.latencyUs(),
                int4.latencyUs());
        // a quarter of the bytes through the same bundles: a quarter of the streaming time, unless the MACs' own work is longer
        double bf16Busy = bf16.latencyUs() - launch;
        assertEquals(Math.max(bf16.breakdown().computeUs(), 0.25 * bf16Busy), free.latencyUs() - launch, 1e-6);
        assertTrue(free.latencyUs() < bf16.latencyUs());
        // the decode: 4 instructions per weight, one MAC slot each, over all engines at the PIM clock
        double weights = 8.0 * 3 * 4096 * 14336;
        double decodeUs = weights * 4 / (pim.macsPerCycle().get(DType.FP16) * pim.engines() * pim.clockMHz() * 1e6) * 1e6;
        assertEquals(Math.max(int4.breakdown().computeUs(), free.latencyUs() - launch), int4.latencyUs() - launch, 1e-6);
        assertEquals(decodeUs, int4.breakdown().computeUs() - free.breakdown().computeUs(), 1e-6 * decodeUs);
    }
}
