package io.moesim.hw;

import java.util.OptionalDouble;

/**
 * A device's HBM: organisation per stack, declared figures and JEDEC timing. Organisation counts
 * are per pseudo-channel per rank where JEDEC counts them so (bank groups, banks per group).
 *
 * @param capacityGB           the datasheet's capacity of the device (GB, 10^9 bytes as datasheets use); what software can
 *                             allocate is {@link #reportedBytes()}
 * @param capacityPerStackGB   raw capacity of one stack, when the source gives it
 * @param driverTotalMiB       the device memory the driver reports (nvidia-smi's or rocm-smi's total, MiB), when a source
 *                             gives it; a layer that changes capacity_GB alone drops an inherited one ({@link Targets})
 * @param ranks                stack IDs (SIDs): 2 for an 8-high HBM3 stack
 * @param pageSizeB            row (page) size of one pseudo-channel, bytes
 * @param busWidthBitsPerStack data pins of one stack (1024 for HBM3)
 * @param hbmBandwidthGBps     the declared (datasheet) device bandwidth
 * @param controller           the memory controller's queues, write draining, refresh mode and mapping
 */
public record MemorySpec(
        String generation,
        int stacks,
        double capacityGB,
        OptionalDouble capacityPerStackGB,
        OptionalDouble driverTotalMiB,
        int channelsPerStack,
        int pseudoChannelsPerChannel,
        int ranks,
        int bankGroups,
        int banksPerGroup,
        int pageSizeB,
        int burstLength,
        double dataRateGbps,
        int busWidthBitsPerStack,
        double hbmBandwidthGBps,
        DramTiming timing,
        MemoryController controller) {

    /** Bytes in the MiB the driver counts in. */
    public static final double MIB = 1 << 20;

    /**
     * The device memory software can allocate, in bytes: the driver's total where the spec gives it (what
     * {@code cudaMemGetInfo} returns and a serving engine sizes its KV cache from; a datasheet's "80 GB" is 80 GiB of
     * stacks less what the driver keeps, 81,559 MiB = 85.5e9 bytes on an H100), else {@code capacity_GB} read as 10^9 bytes.
     */
    public double reportedBytes() {
        return driverTotalMiB.isPresent() ? driverTotalMiB.getAsDouble() * MIB : capacityGB * 1e9;
    }

    public int pseudoChannelsPerStack() {
        return channelsPerStack * pseudoChannelsPerChannel;
    }

    /** Data pins of one pseudo-channel (32 for HBM3). */
    public int pseudoChannelWidthBits() {
        int pcs = pseudoChannelsPerStack();
        return pcs == 0 ? 0 : busWidthBitsPerStack / pcs;
    }

    /** Banks behind one pseudo-channel, over all its ranks. */
    public int banksPerPseudoChannel() {
        return ranks * bankGroups * banksPerGroup;
    }

    /** Bytes moved by one column access (one burst) of a pseudo-channel. */
    public int accessBytes() {
        return pseudoChannelWidthBits() * burstLength / 8;
    }
}
