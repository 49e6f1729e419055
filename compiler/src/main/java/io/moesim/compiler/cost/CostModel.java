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

    /** A short name for reports ("roofline", "kernel"). */
    String name();
}
