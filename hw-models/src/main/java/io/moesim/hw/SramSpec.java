package io.moesim.hw;

import java.util.OptionalDouble;
import java.util.OptionalInt;

/** On-chip SRAM of a processor; absent figures are those its sources do not give. */
public record SramSpec(
        OptionalDouble sharedMemoryPerEngineKB,
        OptionalDouble l2CacheMB,
        OptionalDouble lastLevelCacheMB,
        OptionalDouble bufferPerEngineKB,
        OptionalInt globalBuffers,
        OptionalDouble globalBufferMB) {

    /** The L2's bytes (MiB as the datasheets give them; 0 where the sources give none). */
    public double l2Bytes() {
        return l2CacheMB.orElse(0) * 1024 * 1024;
    }

    public static SramSpec none() {
        return new SramSpec(OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(),
                OptionalDouble.empty(), OptionalInt.empty(), OptionalDouble.empty());
    }
}
