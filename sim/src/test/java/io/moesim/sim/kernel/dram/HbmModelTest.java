package io.moesim.sim.kernel.dram;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.MemorySpec;
import io.moesim.sim.kernel.KernelFixtures;
import org.junit.jupiter.api.Test;

/**
 * DRAM figures against bounds computed by hand from the H100 spec's timing (JESD238 figures as
 * Ramulator 2.1's HBM3_6400Mbps states them, in whole 0.769 ns clocks at 5.2 Gb/s): burst = 8
 * beats / 5.2 Gb/s = 1.538 ns, tCCD_S 1.538, tCCD_L 3.077, tRCD 20.0, tRP 16.923, tCL 13.077,
 * tRC 45.385, tFAW 15.385 (per pseudo-channel, over both stack IDs), tRFC 350, tREFI 3900 ns; a
 * pseudo-channel is 32 bits wide with 32 B bursts, 1 KB pages (32 bursts per row), 2 stack IDs × 16
 * banks; the default mapping keeps a 64 B access in one row.
 */
@Tag("slow")
class HbmModelTest {
    private static final MemorySpec MEM = KernelFixtures.h100().memory();
    private static final double PEAK_PC_GBPS = 32 * 5.2 / 8; // 20.8 GB/s = 32 B per 1.538 ns

    private static PseudoChannelSim pc(PagePolicy policy) {
        AddressMapping map = AddressMapping.parse(AddressMapping.DEFAULT, 32, 32, 4, 4, 2);
        return new PseudoChannelSim(MEM, map, policy);
    }

    @Test
    void sequentialStreamIsNearPeakLessRefresh() {
        // 200k bursts = 6.4 MB ≈ 310 µs ≈ 79 refresh intervals.
        DramStats s = pc(PagePolicy.OPEN).run(RequestSource.sequential(200_000, 32));
        double bw = s.bandwidthGBps();
        // Upper bound: the bus at peak except while refreshing: 20.8 × (1 − 350/3900) = 18.93 GB/s.
        double upper = PEAK_PC_GBPS * (1 - 350.0 / 3900.0);
        // Lower bound: each refresh also costs closing the open rows and reopening them:
        // (tRFC + tRP + tRCD + tCL) / tREFI = (350 + 16.9 + 20.0 + 13.1) / 3900 = 10.3 %.
        double lower = PEAK_PC_GBPS * (1 - (350 + 16.923 + 20.0 + 13.077) / 3900.0) * 0.99;
        System.out.printf("sequential per PC: %.2f GB/s (bounds %.2f..%.2f), row hits %.3f, refresh %.3f%n", bw, lower, upper,
                s.rowHitRate(), s.refreshShare());
        assertTrue(bw <= upper * 1.001, "above the refresh-limited peak: " + bw);
        assertTrue(bw >= lower, "far below the refresh-limited peak: " + bw);
        // one ACT per 1 KB row: 31 of 32 column commands hit
        assertEquals(31.0 / 32, s.rowHitRate(), 0.01);
    }

    @Test
    void refreshOverheadIsWhatTrfcOverTrefiImplies() {
        DramStats s = pc(PagePolicy.OPEN).run(RequestSource.sequential(200_000, 32));
        double implied = 350.0 / 3900.0; // 8.97 %
        assertEquals(implied, s.refreshShare(), 0.005);
        // refreshes issued: one per tREFI of run time
        assertEquals((double) s.finishPs() / 3_900_000, s.refreshes(), 1.0);
    }

    @Test
    void randomAccessIsBoundByActivationRate() {
        // 64 B random reads (2 bursts, same row under the default mapping): every access opens a
        // row, once. Bounds:
        //   tFAW: 4 ACT per 15.385 ns per pseudo-channel -> 4 × 64 B / 15.385 ns = 16.64 GB/s
        //   tRC:  32 banks each one ACT per 45.385 ns     -> 32 × 64 / 45.385 = 45.1 GB/s
        //   tRRD_S: one ACT per 3.077 ns                  -> 20.8 GB/s
        //   bus: 20.8 GB/s.
        // The scheduler also pays tRP + tRCD per access on a conflicting bank, so it lands well
        // below the bus: clearly activation bound.
        DramStats s = pc(PagePolicy.OPEN).run(RequestSource.random(50_000, 2, 32, 1L << 29, 7));
        double bw = s.bandwidthGBps();
        double bound = Math.min(PEAK_PC_GBPS, Math.min(4 * 64 / 15.385, 32 * 64 / 45.385));
        System.out.printf("random 64 B per PC: %.2f GB/s (bound %.2f), row hits %.3f%n", bw, bound, s.rowHitRate());
        assertTrue(bw <= bound, "random beats the activation bound: " + bw);
        assertTrue(bw < 0.75 * PEAK_PC_GBPS, "random should be far from peak: " + bw);
        assertTrue(s.rowHitRate() < 0.55, "random accesses should mostly miss: " + s.rowHitRate());
        DramStats seq = pc(PagePolicy.OPEN).run(RequestSource.sequential(100_000, 32));
        assertTrue(bw < 0.8 * seq.bandwidthGBps());
    }

    @Test
    void randomSingleBurstsAreBoundByTfaw() {
        // 32 B random reads: one ACT per burst. tFAW bound, per pseudo-channel over both stack
        // IDs (JESD238): 4 × 32 B / 15.385 ns = 8.32 GB/s.
        DramStats s = pc(PagePolicy.OPEN).run(RequestSource.random(50_000, 1, 32, 1L << 29, 11));
        double bound = 4 * 32 / 15.385;
        System.out.printf("random 32 B per PC: %.2f GB/s (tFAW bound %.2f)%n", s.bandwidthGBps(), bound);
        assertTrue(s.bandwidthGBps() <= bound * 1.001);
        assertTrue(s.bandwidthGBps() >= 0.5 * bound);
    }

    @Test
    void closedPageLosesOnSequentialStreams() {
        DramStats open = pc(PagePolicy.OPEN).run(RequestSource.sequential(50_000, 32));
        DramStats closed = pc(PagePolicy.CLOSED).run(RequestSource.sequential(50_000, 32));
        // Closed page: one ACT per 32 B burst, so at most 4 ACT per tFAW: 4 × 32 B / 15.385 ns = 8.32 GB/s.
        System.out.printf("sequential open %.2f vs closed %.2f GB/s%n", open.bandwidthGBps(), closed.bandwidthGBps());
        assertTrue(closed.bandwidthGBps() <= 4 * 32 / 15.385 * 1.001);
        assertTrue(open.bandwidthGBps() > 2 * closed.bandwidthGBps());
        assertEquals(0.0, closed.rowHitRate(), 1e-9);
    }

    @Test
    void sameBankGroupStreamIsLimitedByTccdL() {
        // Mapping row:rank:bankgroup:bank:column gives, above the 32 B burst, 32 columns (1 KB),
        // 4 banks (4 KB), 4 bank groups (16 KB), 2 ranks (32 KB), then rows. Reading the first 4 KB
        // of every 32 KB touches only bank group 0 of rank 0, so column commands are tCCD_L =
        // 3.077 ns apart: 32 B / 3.077 ns = 10.4 GB/s at best.
        AddressMapping map = AddressMapping.parse("row:rank:bankgroup:bank:column", 32, 32, 4, 4, 2);
        DramStats s = new PseudoChannelSim(MEM, map, PagePolicy.OPEN).run(RequestSource.strided(400, 128, 32, 32 * 1024));
        System.out.printf("one bank group: %.2f GB/s (tCCD_L bound %.2f)%n", s.bandwidthGBps(), 32 / 3.077);
        assertTrue(s.bandwidthGBps() <= 32 / 3.077 * 1.001, "tCCD_L bound: " + s.bandwidthGBps());
        assertTrue(s.bandwidthGBps() >= 0.8 * 32 / 3.077 * (1 - 350 / 3900.0));
    }

    @Test
    void deviceFiguresScaleOnePcByPcsTimesStacks() {
        HbmModel m = new HbmModel(MEM);
        assertEquals(160, m.pseudoChannels());
        assertEquals(3328.0, m.peakGBps(), 0.01); // 160 × 20.8
        double seq = m.sustainedGBps(AccessPattern.SEQUENTIAL);
        double copy = m.sustainedGBps(AccessPattern.COPY);
        System.out.printf("device sequential %.0f GB/s, copy %.0f GB/s (read+write)%n", seq, copy);
        assertTrue(seq < m.peakGBps() && seq > 0.85 * m.peakGBps());
        assertTrue(copy <= seq);
    }

    @Test
    void extrapolatedLongStreamWithinOnePercentOfFullRun() {
        HbmModel m = new HbmModel(MEM);
        long bursts = 4L * HbmModel.DEFAULT_PROFILE_BURSTS;
        DramStats full = m.simulateFull(AccessPattern.SEQUENTIAL, bursts);
        Transfer t = m.transfer(AccessPattern.SEQUENTIAL, bursts * 32 * m.pseudoChannels());
        double err = Math.abs(t.seconds() * 1e12 - full.finishPs()) / full.finishPs();
        System.out.printf("DRAM extrapolation error %.4f%%%n", err * 100);
        assertTrue(err < 0.01, "extrapolation error " + err);
        DramStats fullRandom = m.simulateFull(new AccessPattern.Random(64), bursts);
        Transfer tr = m.transfer(new AccessPattern.Random(64), bursts * 32 * m.pseudoChannels());
        double errR = Math.abs(tr.seconds() * 1e12 - fullRandom.finishPs()) / fullRandom.finishPs();
        System.out.printf("DRAM random extrapolation error %.4f%%%n", errR * 100);
        assertTrue(errR < 0.01, "random extrapolation error " + errR);
    }

    @Test
    void deterministic() {
        DramStats a = pc(PagePolicy.OPEN).run(RequestSource.random(5_000, 2, 32, 1L << 29, 3));
        DramStats b = pc(PagePolicy.OPEN).run(RequestSource.random(5_000, 2, 32, 1L << 29, 3));
        assertEquals(a, b);
    }

    @Test
    void accessesWiderThanTheInterleaveGranuleShareOneProfile() {
        // a 14 KB embedding row and a 512 B row both put 256 B pieces (8 bursts) on each PC: the
        // per-PC request stream is the same, so the profile (and its per-burst rate) is the same
        HbmModel m = new HbmModel(MEM);
        DramStats wide = m.profileStats(new AccessPattern.Random(14336));
        long t0 = System.nanoTime();
        DramStats narrow = m.profileStats(new AccessPattern.Random(512));
        long reuseNanos = System.nanoTime() - t0;
        assertTrue(wide == narrow, "one profile run for both");
        assertTrue(reuseNanos < 50_000_000L, "served from the cache: " + reuseNanos / 1e6 + " ms");
        // a 64 B access puts 2 bursts per PC: a different stream, its own profile
        assertTrue(m.profileStats(new AccessPattern.Random(64)) != wide);
        assertEquals(m.sustainedGBps(new AccessPattern.Random(14336)), m.sustainedGBps(new AccessPattern.Random(256)), 1e-12);
    }
}
