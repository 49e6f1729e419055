package io.moesim.sim.kernel.engine;

/**
 * How a kernel's simulated time splits, before it becomes an {@code OpEstimate}. Times in seconds.
 *
 * @param totalSeconds   the simulated latency (launch included)
 * @param computeSeconds time the engines were busy computing (tile cycles, wave quantised)
 * @param memorySeconds  time DRAM needed for the kernel's traffic at the pattern's achieved bandwidth
 * @param launchSeconds  launch or command-issue overhead
 * @param fillDrainSeconds pipeline fill (first operands) and drain (last results)
 * @param dramBytes      bytes the kernel actually moved (re-reads and partial sums included)
 * @param tile           the tile chosen, e.g. "128x256x64" (empty if none)
 * @param clockMHz       the clock the engines ran at
 */
public record WorkBreakdown(double totalSeconds, double computeSeconds, double memorySeconds, double launchSeconds,
        double fillDrainSeconds, long dramBytes, long waves, long tiles, String tile, double rowHitRate, double refreshShare,
        double clockMHz, boolean extrapolated) {
}
