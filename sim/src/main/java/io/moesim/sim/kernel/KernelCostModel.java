package io.moesim.sim.kernel;

import io.moesim.compiler.cost.CostModel;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.Collective;
import io.moesim.ir.op.Op;
import java.util.List;

/**
 * The compiler's cost model on cycle-level figures: {@link KernelSimulator} estimates, memoised.
 * Collectives are not the kernel level's to time: they go to {@code collectives} (by default the
 * roofline, i.e. their DRAM side only; the system level passes its link model here).
 */
public final class KernelCostModel implements CostModel {
    private final KernelSimulator sim;
    private final CostModel collectives;

    public KernelCostModel() {
        this(new KernelSimulator(), RooflineCostModel.INSTANCE);
    }

    public KernelCostModel(KernelSimulator sim, CostModel collectives) {
        this.sim = sim;
        this.collectives = collectives;
    }

    public KernelSimulator simulator() {
        return sim;
    }

    @Override
    public double seconds(Op op, List<TensorType> inputs, DeviceSpec device, ProcessorSpec processor) {
        if (op instanceof Collective) {
            return collectives.seconds(op, inputs, device, processor);
        }
        return sim.estimate(op, inputs, device, processor).seconds();
    }

    @Override
    public String name() {
        return "kernel";
    }
}
