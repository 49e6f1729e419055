package io.moesim.validation.compare;

import io.moesim.hw.DeviceSpec;
import io.moesim.sim.kernel.KernelCostModel;
import io.moesim.validation.trace.IrOps;
import io.moesim.validation.trace.Measurement;
import java.util.Optional;

/**
 * Predictions from the simulator's kernel model ({@link KernelCostModel}) for single-kernel IR ops;
 * collectives go to the system model as in {@link RooflinePredictor}; memcpy, which has no IR op, is
 * not predicted by this model.
 */
public final class KernelPredictor implements Predictor {
    private final KernelCostModel model = new KernelCostModel();

    @Override
    public String name() {
        return "kernel";
    }

    @Override
    public Prediction predict(Measurement m, DeviceSpec device) {
        if (IrOps.isCollective(m.kind())) {
            return RooflinePredictor.datasheet().predict(m, device);
        }
        if (IrOps.isComposite(m.kind())) {
            return Prediction.none(name(), "composite op: compare with the simulator's layer figure (moesim simulate), not one kernel");
        }
        Optional<IrOps.Applied> a = IrOps.apply(m.op());
        if (a.isEmpty()) {
            return Prediction.none(name(), m.kind() + " has no IR op for the kernel model");
        }
        double s = model.seconds(a.get().op(), a.get().inputs(), device, device.primary());
        return Double.isFinite(s) ? new Prediction(s * 1e6, name(), "") : Prediction.none(name(), "kernel model cannot run it on " + device.id());
    }
}
