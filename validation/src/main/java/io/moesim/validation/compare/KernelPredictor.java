package io.moesim.validation.compare;

import io.moesim.hw.DeviceSpec;
import io.moesim.sim.kernel.KernelCostModel;
import io.moesim.validation.trace.IrOps;
import io.moesim.validation.trace.Measurement;
import java.util.Optional;

/**
 * Predictions from the simulator's kernel model ({@link KernelCostModel}) for single-kernel IR ops;
 * collectives go to the system model as in {@link RooflinePredictor}; memcpy, which has no IR op, goes
 * to the simulator's copy model ({@link io.moesim.sim.kernel.KernelSimulator#memcpy}: every byte read
 * once and written once at the HBM model's copy-pattern bandwidth, plus the launch). Each time is what
 * a back-to-back timing loop sees ({@link io.moesim.hw.KernelFigures#backToBackSeconds}). A calibrated predictor runs the model on the device with fitted
 * {@link Mechanisms} in place of the spec's own kernel figures.
 */
public final class KernelPredictor implements Predictor {
    private final KernelCostModel model;
    private final Mechanisms mechanisms;
    private final String name;
    private final io.moesim.hw.FrameworkProfile profile;

    public KernelPredictor() {
        this(new KernelCostModel(), null, "kernel");
    }

    private KernelPredictor(KernelCostModel model, Mechanisms mechanisms, String name) {
        this(model, mechanisms, name, null);
    }

    private KernelPredictor(KernelCostModel model, Mechanisms mechanisms, String name, io.moesim.hw.FrameworkProfile profile) {
        this.model = model;
        this.mechanisms = mechanisms;
        this.name = name;
        this.profile = profile;
    }

    /** The kernel model with each single-kernel op as this framework profile runs it ({@link io.moesim.sim.kernel.FrameworkCost}). */
    public KernelPredictor withProfile(io.moesim.hw.FrameworkProfile p) {
        return new KernelPredictor(model, mechanisms, "kernel+" + p.id(), p);
    }

    /** The kernel model with these mechanisms on whatever device it is given (one simulator shared by all calls). */
    public KernelPredictor with(Mechanisms m) {
        return new KernelPredictor(model, m, "kernel+calibration");
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Prediction predict(Measurement m, DeviceSpec spec) {
        DeviceSpec device = mechanisms == null ? spec : mechanisms.applyTo(spec);
        if (m.env().smClockMHz() > 0 && !IrOps.isCollective(m.kind())) {
            // the row was measured at a fixed clock: that, not a clock under load, is what its engines ran at
            device = Mechanisms.atClock(device, m.env().smClockMHz());
        }
        if (IrOps.isCollective(m.kind())) {
            // a profile that names its collective library times collectives as that library runs them (nccl-tests rows too)
            return profile != null && profile.collectives().isPresent() ? RooflinePredictor.collective(m, profile.collectives())
                    : RooflinePredictor.datasheet().predict(m, device);
        }
        if (IrOps.isComposite(m.kind())) {
            return Prediction.none(name, "composite op: compare with the simulator's layer figure (moesim simulate), not one kernel");
        }
        if (m.kind().equals("memcpy")) {
            double s = backToBack(device, model.simulator().memcpy(m.op().getLong("bytes"), device, device.primary()).seconds()) + harness(device, m);
            return Double.isFinite(s) ? new Prediction(s * 1e6, name, "") : Prediction.none(name, "kernel model cannot run it on " + device.id());
        }
        Optional<IrOps.Applied> a = IrOps.apply(m.op());
        if (a.isEmpty()) {
            return Prediction.none(name, m.kind() + " has no IR op for the kernel model");
        }
        if (m.env().sustainedLoad() && mechanisms == null && KernelCostModel.servingLoadApplies(device.primary(), profile)) {
            // the row's harness held the GPU under load until its power limit set the clock: the device at its serving clock (the
            // fraction fitted on serving rows, none of them kernel rows), where a framework's measured per-op figures are the
            // clock's reference, as in a serving run (KernelCostModel#servingClockMHz). Not beside calibration mechanisms,
            // which fit a clock under load of their own (counting it twice)
            device = device.underServingLoad();
        }
        double k = profile == null ? model.seconds(a.get().op(), a.get().inputs(), device, device.primary())
                : io.moesim.sim.kernel.FrameworkCost.seconds(profile, model.simulator(), a.get().op(), a.get().inputs(), device, device.primary());
        double s = backToBack(device, k) + harness(device, m);
        return Double.isFinite(s) ? new Prediction(s * 1e6, name, "") : Prediction.none(name, "kernel model cannot run it on " + device.id());
    }

    /** What the row's timing harness ({@code env.timing}) adds per call, as the device's spec gives it (seconds). */
    private static double harness(DeviceSpec device, Measurement m) {
        return m.env().timing().isEmpty() ? 0 : device.primary().kernel().harnessOverheadUs().getOrDefault(m.env().timing(), 0.0) * 1e-6;
    }

    /** Measurements time a kernel called back to back: the host's interval per call is a floor. */
    private static double backToBack(DeviceSpec device, double kernelSeconds) {
        return device.primary().kernel().backToBackSeconds(kernelSeconds);
    }
}
