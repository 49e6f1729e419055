package io.moesim.sim.kernel;

import io.moesim.ir.TensorType;
import io.moesim.ir.op.Op;
import java.util.List;
import java.util.Optional;

/**
 * What {@code moesim op KIND key=value...} asks for, parsed by {@link OpRequests}. An optional
 * {@code processor=NAME} picks the processor of the target (default: the device's primary one).
 */
public sealed interface OpRequest {

    /** The KIND as typed. */
    String kind();

    Optional<String> processor();

    /** One IR op on operands of the given types. */
    record Compute(String kind, Op op, List<TensorType> inputs, Optional<String> processor) implements OpRequest {
        public Compute {
            inputs = List.copyOf(inputs);
        }
    }

    /** A device-to-device copy of {@code bytes} (read once, written once). */
    record Memcpy(long bytes, Optional<String> processor) implements OpRequest {
        @Override
        public String kind() {
            return "memcpy";
        }
    }

    /**
     * A collective ({@code all-reduce}, {@code all-gather}, {@code all-to-all}) of {@code bytes} per
     * device over {@code devices} devices. Hook for the system level: the kernel models do not time
     * links; {@link KernelSimulator#estimate(OpRequest, io.moesim.hw.DeviceSpec)} refuses it and the
     * system-level collective model (with {@code --system}) answers instead.
     */
    record Collective(String kind, long bytes, int devices, Optional<String> processor) implements OpRequest {
    }
}
