package io.moesim.compiler.passes;

import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.ints.IntImmutableList;

/**
 * The devices of one pipeline stage that take part in a collective with a given device: {@code size}
 * devices {@code stride} apart. Devices of a stage are laid out so that every group of the
 * parallel mappings is such a strided block: attention local index = dp·tp + tp-rank, MoE local
 * index = (dp·ep + ep-rank)·tp + tp-rank. So a TP group is (1, tp), an EP group (tp, ep), and a
 * change of row sharding (sequence parallel) is (devices per finer shard, ratio).
 */
public record DeviceGroup(int stride, int size) {
    public DeviceGroup {
        if (stride < 1 || size < 1) {
            throw new IllegalArgumentException("bad device group stride=" + stride + " size=" + size);
        }
    }

    /** Members of the group of {@code device}, ascending; {@code stageDevices} devices per stage, stages contiguous. */
    public IntImmutableList members(int device, int stageDevices) {
        int stageBase = (device / stageDevices) * stageDevices;
        int local = device - stageBase;
        int span = stride * size;
        int start = stageBase + (local / span) * span + local % stride;
        IntArrayList m = new IntArrayList(size);
        for (int i = 0; i < size; i++) {
            m.add(start + i * stride);
        }
        return new IntImmutableList(m);
    }

    /** This device's rank in its group. */
    public int rank(int device, int stageDevices) {
        int local = device % stageDevices;
        return (local / stride) % size;
    }
}
