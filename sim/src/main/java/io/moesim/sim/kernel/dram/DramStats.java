package io.moesim.sim.kernel.dram;

/**
 * What one pseudo-channel run did. Times in picoseconds from the first request's arrival (0) to
 * the last data beat.
 *
 * @param bytes        bytes moved by column commands
 * @param finishPs     when the last data beat left the bus
 * @param rowHits      column commands whose row was already open (no ACT of their own)
 * @param refreshPs    time the pseudo-channel spent blocked by refresh: tRFC per all-bank REF; per-bank
 *                     REFs block one bank each, so they count tRFC_pb / banks (the share of bank-time)
 */
public record DramStats(long requests, long bytes, long finishPs, long acts, long pres, long reads, long writes, long refreshes,
        long rowHits, long refreshPs) {

    /** Achieved bandwidth in GB/s (bytes per ns). */
    public double bandwidthGBps() {
        return finishPs == 0 ? 0 : bytes * 1000.0 / finishPs;
    }

    public double rowHitRate() {
        long cols = reads + writes;
        return cols == 0 ? 0 : (double) rowHits / cols;
    }

    /** Share of the run the channel was refreshing. */
    public double refreshShare() {
        return finishPs == 0 ? 0 : (double) refreshPs / finishPs;
    }
}
