package io.moesim.sim.kernel.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DeviceSpec;
import io.moesim.ir.DType;
import io.moesim.sim.kernel.KernelFixtures;
import io.moesim.sim.kernel.dram.HbmModel;
import org.junit.jupiter.api.Test;

/** The attention model's flash-kernel CTA costing, and the spec's matrix efficiency on its MAC-array clocks, as the GEMM model does. */
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

    /**
     * By hand, H100 (32×64 array, 256 FP32 FLOPs per clock): a CTA of 128 query rows over 2 key
     * blocks of 128, head_dim 64. S: 2 × (4 × 2) = 16 array tiles of K = 64 streamed as one:
     * 1 + 16·64 + (2·32 + 64 − 1) = 1152. P·V: 4 O tiles of K = 256 keys: 1 + 4·(256 + 127) = 1533.
     * Exponentials: 32768 scores / 16 per clock = 2048. FP32-lane softmax 4·32768 / 256 = 512,
     * hidden. CTA = 1152 + 1533 + 2048 = 4733 clocks.
     */
    @Test
    void ctaClocksByHand() {
        EngineContext c = ctx();
        int macs = c.macs(DType.BF16);
        int[] arr = MacArraySim.shapeFor(macs);
        assertEquals(32, arr[0]);
        assertEquals(64, arr[1]);
        assertEquals(256, c.vectorFlops(), 0);
        assertEquals(4733, AttentionModel.ctaCycles(arr, 128, 2, 64, 64, 256, 1.0, 0));
        // one key block: 1 + 8·64 + 127 = 640; 1 + 4·(128 + 127) = 1021; 16384 / 16 = 1024
        assertEquals(640 + 1021 + 1024, AttentionModel.ctaCycles(arr, 128, 1, 64, 64, 256, 1.0, 0));
        // the per-CTA overhead adds once; efficiency divides the matrix clocks only
        assertEquals(4733 + 100, AttentionModel.ctaCycles(arr, 128, 2, 64, 64, 256, 1.0, 100));
        assertEquals((long) Math.ceil((1152 + 1533) / 0.5) + 2048, AttentionModel.ctaCycles(arr, 128, 2, 64, 64, 256, 0.5, 0));

        // through run(): 1 head, 256 queries, 256 keys: 2 CTAs on 132 SMs
        long bytes = 4L * 256 * 64 * 2;
        WorkBreakdown full = AttentionModel.run(c, 1, 256, 256, 256, 64, 64, false, bytes, macs);
        assertEquals(2, full.tiles());
        assertEquals(4733 * c.cycleSeconds(), full.computeSeconds(), 1e-12);
        // causal: the first CTA skips the second (fully masked) key block; the longer CTA sets the time
        WorkBreakdown causal = AttentionModel.run(c, 1, 256, 256, 256, 64, 64, true, bytes, macs);
        assertEquals(4733 * c.cycleSeconds(), causal.computeSeconds(), 1e-12);
        WorkBreakdown one = AttentionModel.run(c, 1, 256, 256, 128, 64, 64, false, bytes, macs);
        assertEquals((640 + 1021 + 1024) * c.cycleSeconds(), one.computeSeconds(), 1e-12);
    }

    /** Long prefill with the O accumulator stationary and S streamed approaches the MAC array's rate plus the exponentials. */
    @Test
    void longPrefillApproachesArrayRatePlusExponentials() {
        EngineContext c = ctx();
        int macs = c.macs(DType.BF16);
        long n = 16384;
        long heads = 16;
        WorkBreakdown w = AttentionModel.run(c, heads, n, n, n, 128, 128, false, 4L * n * heads * 128 * 2, macs);
        double flops = 4.0 * n * n * 128 * heads;
        double matrixS = flops / (2.0 * macs * c.engines()) * c.cycleSeconds();
        double expS = (double) n * n * heads / (c.vectorFlops() / 16 * c.engines()) * c.cycleSeconds();
        double ideal = matrixS + expS;
        assertTrue(w.computeSeconds() >= ideal, w.computeSeconds() + " < " + ideal);
        assertTrue(w.computeSeconds() < 1.05 * ideal, w.computeSeconds() + " vs " + ideal);
    }

    private static EngineContext withLatency(double ns) {
        DeviceSpec d = KernelFixtures.h100();
        io.moesim.hw.ProcessorSpec p = d.primary();
        io.moesim.hw.KernelFigures k = new io.moesim.hw.KernelFigures(p.kernel().launchOverheadUs(), p.kernel().tileOverheadCycles(),
                p.kernel().matrixEfficiency(), p.kernel().hostCallIntervalUs(), java.util.OptionalDouble.of(ns));
        DeviceSpec e = d.withPrimary(p.withKernel(k));
        return new EngineContext(e, e.primary(), new HbmModel(e.memory()));
    }

    /**
     * Decode CTAs are short: each wave waits one memory latency (Q load, first K stage) on top of the
     * KV stream, plus the kernel's own first access. 512 (sequence, KV head) units of one row each over
     * 132 engines: no key split (one KV block), 4 waves; one more microsecond of latency costs
     * 1 (kernel fill) + 4 (waves) = 5 us, memory-bound throughout.
     */
    @Test
    void decodePaysTheMemoryLatencyOncePerWave() {
        int macs = ctx().macs(DType.BF16);
        long bytes = 2L * 512 * 128 * 128 * 2;
        WorkBreakdown a = AttentionModel.run(withLatency(500), 512, 1, 1, 128, 128, 128, false, bytes, macs);
        WorkBreakdown b = AttentionModel.run(withLatency(1500), 512, 1, 1, 128, 128, 128, false, bytes, macs);
        assertEquals(4, a.waves());
        assertEquals(512, a.tiles());
        assertEquals(5e-6, b.totalSeconds() - a.totalSeconds(), 1e-12);
    }

    /**
     * Flash-decoding: 4 units over 132 engines split their 64 key blocks (unsplit, 4 CTAs could pull the
     * 16.8 MB of KV at no more than 4 engines' feed rate, 4 × 64 B × 1.83 GHz = 0.47 TB/s); a second
     * kernel merges the partials, so the op pays a second launch and a second memory latency beyond
     * one wave's. The split count is the fastest up to one wave (4 × 33 = 132 CTAs).
     */
    @Test
    void splitKeysPayForTheMergeKernel() {
        EngineContext c = withLatency(500);
        int macs = c.macs(DType.BF16);
        long bytes = 2L * 4 * 8192 * 128 * 2;
        WorkBreakdown split = AttentionModel.run(c, 4, 8, 1, 8192, 128, 128, false, bytes, macs);
        assertTrue(split.tiles() > 4 && split.tiles() <= 132 && split.tiles() % 4 == 0, "CTAs " + split.tiles());
        // the split pulls the KV at more than the unsplit CTAs' feed rate allows
        assertTrue(split.totalSeconds() < bytes / 0.47e12, split.totalSeconds() + " s");
        assertEquals(2 * c.launchSeconds(), split.launchSeconds(), 1e-15);
        WorkBreakdown moreLatency = AttentionModel.run(withLatency(1500), 4, 8, 1, 8192, 128, 128, false, bytes, macs);
        // kernel fill + one wave + the merge kernel's own access: 3 latencies
        assertEquals(3e-6, moreLatency.totalSeconds() - split.totalSeconds(), 1e-12);
    }
    /** FlashAttention-3's PackGQA rule (hopper/heuristics.h should_pack_gqa, fixed-length batch), by hand. */
    @Test
    void shortGroupedPromptsPackTheGroupIntoTheQueryTiles() {
        // q 16, group 8: alone 16/128 = 0.125 of a tile, packed 128/128 = 1: packs
        assertTrue(AttentionModel.packsGqa(16, 8));
        // q 200, group 8: alone 200/256 = 0.781 < 0.9 x 1600/1664 = 0.865: packs
        assertTrue(AttentionModel.packsGqa(200, 8));
        // q 1000, group 8: alone 1000/1024 = 0.977 >= 0.9 x 8000/8064 = 0.893: does not; whole tiles never do; MHA never does
        assertTrue(!AttentionModel.packsGqa(1000, 8));
        assertTrue(!AttentionModel.packsGqa(1536, 8));
        assertTrue(!AttentionModel.packsGqa(16, 1));
        // CTAs over 4 (sequence, KV head) units: packed 4 x ceil(16 x 8 / 128) = 4; per head 4 x 8 x ceil(1536 / 128) = 384
        assertEquals(4, AttentionModel.prefillCtas(4, 16, 8));
        assertEquals(384, AttentionModel.prefillCtas(4, 1536, 8));
        assertEquals(4 * 13, AttentionModel.prefillCtas(4, 200, 8));
        // through run(): 1 unit, q 32, group 8 = 256 query rows, 32 keys: packed, 2 CTAs (not 8, one per head) of one
        // key block each, one wave: the time of one CTA; q 33: 264 rows, alone 33/128 < 0.9 x 264/384: 3 CTAs
        EngineContext c = ctx();
        int macs = c.macs(DType.BF16);
        int[] arr = MacArraySim.shapeFor(macs);
        WorkBreakdown w = AttentionModel.run(c, 1, 8 * 32, 32, 32, 64, 64, false, 4L * 32 * 8 * 64 * 2, macs);
        assertEquals(2, w.tiles());
        assertEquals(AttentionModel.ctaCycles(arr, 128, 1, 64, 64, 256, 1.0, 0) * c.cycleSeconds(), w.computeSeconds(), 1e-12);
        assertEquals(3, AttentionModel.run(c, 1, 8 * 33, 33, 33, 64, 64, true, 4L * 33 * 8 * 64 * 2, macs).tiles());
    }
}
