package io.moesim.hw;

import java.util.OptionalDouble;

/**
 * A device's HBM: organisation per stack, declared figures and JEDEC timing. Organisation counts
 * are per pseudo-channel per rank where JEDEC counts them so (bank groups, banks per group).
 *
 * @param capacityGB           usable capacity of the device (GB, 10^9 bytes as datasheets use)
 * @param capacityPerStackGB   raw capacity of one stack, when the source gives it
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
