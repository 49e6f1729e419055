package io.moesim.hw;

/**
 * JEDEC timing parameters of one HBM speed bin, in nanoseconds as the YAML gives them, with
 * picosecond accessors (rounded to the nearest ps) for the simulator, whose clock is integer ps.
 *
 * @param preset the open model the figures were taken from (for example a Ramulator 2 preset name)
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
        double tBLns) {

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
