package io.moesim.sim.kernel.dram;

import io.moesim.hw.DramTiming;
import io.moesim.hw.MemorySpec;

/**
 * The timing one pseudo-channel obeys, in integer picoseconds. All figures come from the spec's
 * JEDEC timing except three the spec does not carry, which are stated assumptions:
 * <ul>
 *   <li>{@code tCWL} (write latency) is taken equal to tCL;</li>
 *   <li>{@code tWTR} (end of write data to a read) = tCCD_L + burst;</li>
 *   <li>{@code tRTW} (read to write bus turnaround) = burst + 2 tCK.</li>
 * </ul>
 * The burst time is burst length ÷ data rate (the spec's tBL agrees for a consistent spec), and
 * tCCD_S is at least one burst, so a faster data rate never slows the bus down.
 */
public record HbmTiming(long tCK, long tRCD, long tRP, long tRAS, long tRC, long tCCDS, long tCCDL, long tRRDS, long tRRDL,
        long tFAW, long tWR, long tRTP, long tRFC, long tREFI, long tCL, long tBurst, long tCWL, long tWTR, long tRTW) {

    public static HbmTiming of(MemorySpec m) {
        DramTiming t = m.timing();
        long burst = Math.max(1, Math.round(m.burstLength() * 1000.0 / m.dataRateGbps()));
        long tBurst = burst;
        long tck = Math.max(1, t.tCKps());
        long ccds = Math.max(t.tCCDSps(), tBurst);
        long ccdl = Math.max(t.tCCDLps(), ccds);
        return new HbmTiming(tck, t.tRCDps(), t.tRPps(), t.tRASps(), Math.max(t.tRCps(), t.tRASps() + t.tRPps()), ccds, ccdl,
                t.tRRDSps(), Math.max(t.tRRDLps(), t.tRRDSps()), t.tFAWps(), t.tWRps(), t.tRTPps(), t.tRFCps(), t.tREFIps(), t.tCLps(),
                tBurst, t.tCLps(), ccdl + tBurst, tBurst + 2 * tck);
    }
}
