package io.moesim.hw;

import java.util.OptionalDouble;

/**
 * JEDEC timing parameters of one HBM speed bin, in nanoseconds as the YAML gives them, with
 * picosecond accessors (rounded to the nearest ps) for the simulator, whose clock is integer ps.
 *
 * <p>The optional figures were added with the write path and the SID rules; a spec without them
 * gets the assumptions moesim made before they existed ({@link #tCWLns} = tCL, tWTR = tCCD_L +
 * burst, tRTW = burst + 2 tCK, tRCD_WR = tRCD, tCCD_R = tCCD_S, no per-bank refresh figures), so
 * an older spec file times exactly as it did.
 *
 * @param preset   the open model the figures were taken from (for example a Ramulator 2 preset name)
 * @param tRCDns   ACT to RD (tRCDRD)
 * @param tRCDWRns ACT to WR
 * @param tCWLns   write latency: WR to its first data beat
 * @param tWTRSns  end of write data to a RD of another bank group
 * @param tWTRLns  end of write data to a RD of the same bank group
 * @param tRTWns   RD to WR of the pseudo-channel (bus turnaround)
 * @param tCCDRns  column to column of different stack IDs (SID switch)
 * @param tRFCpbns per-bank refresh cycle time
 * @param tRREFDns REFpb to REFpb or to ACT of another bank
 */
public record DramTiming(
        String preset,
        double tCKns,
        double tRCDns,
        double tRPns,
        double tRASns,
        double tRCns,
        double tCCDSns,
        double tCCDLns,
        double tRRDSns,
        double tRRDLns,
        double tFAWns,
        double tWRns,
        double tRTPns,
        double tRFCns,
        double tREFIns,
        double tCLns,
        double tBLns,
        OptionalDouble tRCDWRns,
        OptionalDouble tCWLns,
        OptionalDouble tWTRSns,
        OptionalDouble tWTRLns,
        OptionalDouble tRTWns,
        OptionalDouble tCCDRns,
        OptionalDouble tRFCpbns,
        OptionalDouble tRREFDns) {

    /** Nanoseconds to integer picoseconds, rounded to nearest. */
    public static long ps(double ns) {
        return Math.round(ns * 1000.0);
    }

    public long tCKps() { return ps(tCKns); }
    public long tRCDps() { return ps(tRCDns); }
    public long tRPps() { return ps(tRPns); }
    public long tRASps() { return ps(tRASns); }
    public long tRCps() { return ps(tRCns); }
    public long tCCDSps() { return ps(tCCDSns); }
    public long tCCDLps() { return ps(tCCDLns); }
    public long tRRDSps() { return ps(tRRDSns); }
    public long tRRDLps() { return ps(tRRDLns); }
    public long tFAWps() { return ps(tFAWns); }
    public long tWRps() { return ps(tWRns); }
    public long tRTPps() { return ps(tRTPns); }
    public long tRFCps() { return ps(tRFCns); }
    public long tREFIps() { return ps(tREFIns); }
    public long tCLps() { return ps(tCLns); }
    public long tBLps() { return ps(tBLns); }
}
