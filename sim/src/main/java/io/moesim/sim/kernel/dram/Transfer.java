package io.moesim.sim.kernel.dram;

/**
 * A device-level DRAM transfer as the HBM model times it.
 *
 * @param bytes        bytes moved (reads + writes)
 * @param seconds      from the first command to the last data beat
 * @param rowHitRate   column commands that found their row open
 * @param refreshShare time the channels spent in refresh
 */
public record Transfer(long bytes, double seconds, double rowHitRate, double refreshShare) {

    public static final Transfer NONE = new Transfer(0, 0, 0, 0);

    public double bandwidthGBps() {
        return seconds == 0 ? 0 : bytes / seconds / 1e9;
    }
}
