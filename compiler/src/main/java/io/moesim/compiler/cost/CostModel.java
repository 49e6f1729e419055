package io.moesim.compiler.cost;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.Op;
import java.util.List;

/**
 * Predicted time of one op on one processor. The compiler's placement decisions go through this
 * interface: the roofline is the first implementation; the simulator's kernel models implement it
 * too, so placement can be made on cycle-level figures.
 */
public interface CostModel {

    /** Seconds to run {@code op} on operands of {@code inputs} on {@code processor} of {@code device}; +inf if it cannot run there. */
    double seconds(Op op, List<TensorType> inputs, DeviceSpec device, ProcessorSpec processor);

    /**
     * The part of {@link #seconds} paid once per call rather than for the work: the kernel launch and the
     * framework's dispatch. A persistent kernel that runs several ops (a fused MoE block) pays it once.
     * None by default (the roofline has no launch).
     */
    default double callOverheadSeconds(Op op, List<TensorType> inputs, DeviceSpec device, ProcessorSpec processor) {
        return 0;
    }

    /**
     * Whether the device's serving stack runs a separate activation-quantise kernel before an fp8 GEMM whose
     * activations it holds in bf16 (a framework profile's {@code fp8_activation_quantize}); lowering then emits a
     * {@link io.moesim.ir.op.Quantize} task before such a GEMM. None by default (the roofline, hypothetical hardware).
     */
    default boolean quantizesFp8Activations(DeviceSpec device) {
        return false;
    }

    /** A short name for reports ("roofline", "kernel"). */
    String name();
}
