package io.moesim.sim.kernel.dram;

import io.moesim.hw.DramTiming;
import io.moesim.hw.MemorySpec;

/**
 * The timing one pseudo-channel obeys, in integer picoseconds, from the spec's JEDEC figures.
 * Where a spec does not give one of the write-path or SID figures, the assumption moesim made
 * before the spec carried it applies (so an older spec times as it did):
 * <ul>
 *   <li>{@code tCWL} (write latency) = tCL;</li>
 *   <li>{@code tWTR_S} = {@code tWTR_L} (end of write data to a read) = tCCD_L + burst;</li>
 *   <li>{@code tRTW} (read to write command) = burst + 2 tCK;</li>
 *   <li>{@code tRCD_WR} = tRCD; {@code tCCD_R} (column commands of different stack IDs) = tCCD_S;</li>
 * </ul>
 * Per-bank refresh has no such fallback: without {@code tRFC_pb} and {@code tRREFD} in the spec
 * they read -1 and the pseudo-channel refuses per-bank refresh with a message naming them.
 * The burst time is burst length ÷ data rate rounded up to a whole picosecond (so the bus never
 * beats its pins), and tCCD_S is at least one burst, so a faster data rate never slows the bus.
 */
public record HbmTiming(long tCK, long tRCD, long tRCDWR, long tRP, long tRAS, long tRC, long tCCDS, long tCCDL, long tCCDR,
        long tRRDS, long tRRDL, long tFAW, long tWR, long tRTP, long tRFC, long tREFI, long tRFCpb, long tRREFD, long tCL,
        long tBurst, long tCWL, long tWTRS, long tWTRL, long tRTW) {

    public static HbmTiming of(MemorySpec m) {
        DramTiming t = m.timing();
        long tBurst = Math.max(1, (long) Math.ceil(m.burstLength() * 1000.0 / m.dataRateGbps() - 1e-9));
        long tck = Math.max(1, t.tCKps());
        long ccds = Math.max(t.tCCDSps(), tBurst);
        long ccdl = Math.max(t.tCCDLps(), ccds);
        long ccdr = Math.max(ccds, ps(t.tCCDRns(), ccds));
        long rrdl = Math.max(t.tRRDLps(), t.tRRDSps());
        long wtrDefault = ccdl + tBurst;
        long wtrs = ps(t.tWTRSns(), wtrDefault);
        return new HbmTiming(tck, t.tRCDps(), ps(t.tRCDWRns(), t.tRCDps()), t.tRPps(), t.tRASps(),
                Math.max(t.tRCps(), t.tRASps() + t.tRPps()), ccds, ccdl, ccdr, t.tRRDSps(), rrdl, t.tFAWps(), t.tWRps(),
                t.tRTPps(), t.tRFCps(), t.tREFIps(), ps(t.tRFCpbns(), -1), ps(t.tRREFDns(), -1), t.tCLps(), tBurst,
                ps(t.tCWLns(), t.tCLps()), wtrs, Math.max(wtrs, ps(t.tWTRLns(), wtrDefault)), ps(t.tRTWns(), tBurst + 2 * tck));
    }

    private static long ps(java.util.OptionalDouble ns, long otherwise) {
        return ns.isPresent() ? DramTiming.ps(ns.getAsDouble()) : otherwise;
    }
}
