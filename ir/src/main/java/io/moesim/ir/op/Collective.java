package io.moesim.ir.op;

import io.moesim.ir.TensorType;
import java.util.List;

/**
 * Communication among the {@code group} devices of a parallel group. Besides DRAM traffic (each
 * device reads its input and writes its result), a collective moves bytes over links:
 * {@link #linkBytesPerDevice} is what one device sends with the bandwidth-optimal algorithm
 * (ring), the figure the simulator's link model and the compiler's summaries use.
 */
public sealed interface Collective extends Op permits AllReduce, AllGather, ReduceScatter, AllToAll, Send, Recv {

    /** Devices in the group (for send/recv: 2). */
    int group();

    /** Bytes one device sends over its links, for the operand types given. */
    double linkBytesPerDevice(List<TensorType> inputs);

    @Override
    default long flops(List<TensorType> in) {
        return 0;
    }

    @Override
    default Traffic traffic(List<TensorType> in) {
        long read = Check.bytes(in);
        return Traffic.activations(read, Check.bytes(inferTypes(in)));
    }

    static void checkGroup(String op, int group) {
        Check.positive(op, "group", group);
    }
}
