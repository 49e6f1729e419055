package io.moesim.sim.system;

import io.moesim.compiler.cost.CostModel;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.Op;
import io.moesim.sim.SimulationException;
import it.unimi.dsi.fastutil.objects.Object2LongOpenHashMap;
import java.util.List;

/**
 * Durations of compute tasks from any {@link CostModel}, memoised by (op, operand types, processor):
 * a serving run repeats the same shapes millions of times, and a kernel-level model is expensive.
 * One timer serves one device spec; it is not thread-safe.
 */
public final class TaskTimer {
    /**
     * A memo key. Its hash is computed once and compared before the fields: the open-addressing map calls
     * {@code equals} on every slot it probes, and a record's field-by-field equality of equal-class ops
     * and their operand lists was a tenth of a serving run's samples.
     */
    private static final class Key {
        private final Op op;
        private final List<TensorType> inputs;
        private final String processor;
        private final int hash;

        Key(Op op, List<TensorType> inputs, String processor) {
            this.op = op;
            this.inputs = inputs;
            this.processor = processor;
            this.hash = (31 * op.hashCode() + inputs.hashCode()) * 31 + processor.hashCode();
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash && k.processor.equals(processor) && k.op.equals(op) && k.inputs.equals(inputs);
        }
    }

    private final CostModel costModel;
    private final DeviceSpec device;
    private final Object2LongOpenHashMap<Key> memo = new Object2LongOpenHashMap<>();
    private long hits;
    private long misses;

    public TaskTimer(CostModel costModel, DeviceSpec device) {
        this.costModel = costModel;
        this.device = device;
        memo.defaultReturnValue(-1);
    }

    public CostModel costModel() {
        return costModel;
    }

    public DeviceSpec device() {
        return device;
    }

    /** Picoseconds of {@code op} on {@code inputs} on the named processor. */
    public long durationPs(Op op, List<TensorType> inputs, String processorName) {
        Key k = new Key(op, inputs, processorName);
        long v = memo.getLong(k);
        if (v >= 0) {
            hits++;
            return v;
        }
        misses++;
        ProcessorSpec p = device.processors().get(processorName);
        if (p == null) {
            throw new SimulationException(0, "device " + device.id(), "the plan uses processor '" + processorName
                    + "', which device " + device.id() + " lacks (it has " + device.processors().keySet() + ")");
        }
        double s = costModel.seconds(op, inputs, device, p);
        if (!(s >= 0) || Double.isInfinite(s)) {
            throw new SimulationException(0, processorName, "cost model " + costModel.name() + " cannot run "
                    + op.mnemonic() + " on " + processorName + " (time " + s + " s)");
        }
        v = Math.round(s * 1e12);
        memo.put(k, v);
        return v;
    }

    /**
     * Picoseconds of {@code op} on the named processor without its per-call overhead (launch, framework
     * dispatch): its time inside a persistent kernel that paid the launch once. Never below zero.
     */
    public long inKernelPs(Op op, List<TensorType> inputs, String processorName) {
        long full = durationPs(op, inputs, processorName);
        Key k = new Key(op, inputs, "\0call:" + processorName);
        long v = overhead.getLong(k);
        if (v < 0) {
            ProcessorSpec p = device.processors().get(processorName);
            v = Math.max(0, Math.round(costModel.callOverheadSeconds(op, inputs, device, p) * 1e12));
            overhead.put(k, v);
        }
        return Math.max(0, full - v);
    }

    private final Object2LongOpenHashMap<Key> overhead = new Object2LongOpenHashMap<>();
    {
        overhead.defaultReturnValue(-1);
    }

    public long hits() {
        return hits;
    }

    public long misses() {
        return misses;
    }
}
