package io.moesim.validation.compare;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.MoesimException;
import io.moesim.ir.op.Collective;
import io.moesim.sim.system.CollectiveAlgorithm;
import io.moesim.sim.system.CollectiveModel;
import io.moesim.validation.trace.IrOps;
import io.moesim.validation.trace.Measurement;
import java.util.Optional;
import java.util.function.Function;


/**
 * The roofline ({@link RooflineCostModel}) with the calibratable {@link Mechanisms}: compute time
 * scaled by datasheet clock ÷ achieved clock, memory time by 1 ÷ DRAM efficiency, plus a launch
 * overhead. With {@link Mechanisms#datasheet} it is exactly the compiler's roofline. memcpy is its
 * bytes read and written over the bandwidth; collectives go to the system model
 * ({@link CollectiveModel}) of the row's {@code system}.
 */
public final class RooflinePredictor implements Predictor {
    private final Function<DeviceSpec, Mechanisms> mechanisms;
    private final String name;

    private RooflinePredictor(String name, Function<DeviceSpec, Mechanisms> mechanisms) {
        this.name = name;
        this.mechanisms = mechanisms;
    }

    /** The plain roofline. */
    public static RooflinePredictor datasheet() {
        return new RooflinePredictor("roofline", d -> Mechanisms.datasheet(d.primary().clockMHz()));
    }

    /** The roofline with fitted mechanisms, for the device they were fitted on. */
    public static RooflinePredictor calibrated(Mechanisms m) {
        return new RooflinePredictor("roofline+calibration", d -> m);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Prediction predict(Measurement m, DeviceSpec device) {
        if (IrOps.isCollective(m.kind())) {
            return collective(m);
        }
        if (IrOps.isComposite(m.kind())) {
            return Prediction.none(name, "composite op: compare with the simulator's layer figure (moesim simulate), not one kernel");
        }
        Mechanisms mech = mechanisms.apply(device);
        double[] sides = sides(m, device);
        if (sides == null) {
            return Prediction.none(name, device.primary().name() + " has no peak for " + IrOps.dtype(m.op()));
        }
        double clockScale = device.primary().clockMHz() / mech.achievedClockMHz();
        double us = Math.max(sides[0] * clockScale, sides[1] / mech.dramEfficiency()) + mech.launchOverheadUs();
        return new Prediction(us, name, "");
    }

    /**
     * The roofline's two sides in µs at datasheet figures, {compute, memory}; null when the processor
     * has no peak for the op's dtype. memcpy has no compute side: every byte is read once and written once.
     */
    public static double[] sides(Measurement m, DeviceSpec device) {
        ProcessorSpec p = device.primary();
        Optional<IrOps.Applied> applied = IrOps.apply(m.op());
        if (applied.isEmpty() && !m.kind().equals("memcpy")) {
            return null;
        }
        if (applied.isEmpty()) {
            return new double[] {0, 2.0 * m.op().getLong("bytes") / (device.memory().hbmBandwidthGBps() * 1e9) * 1e6};
        }
        IrOps.Applied a = applied.get();
        RooflineCostModel.Bound b = RooflineCostModel.bound(a.op(), a.inputs(), device, p);
        if (!Double.isFinite(b.computeSeconds()) || !Double.isFinite(b.memorySeconds())) {
            return null;
        }
        return new double[] {b.computeSeconds() * 1e6, b.memorySeconds() * 1e6};
    }

    private Prediction collective(Measurement m) {
        SystemSpec sys;
        try {
            sys = Systems.load(m.system());
        } catch (MoesimException e) {
            return Prediction.none("collective", "no system '" + m.system() + "': " + e.getMessage());
        }
        IrOps.Applied a = IrOps.apply(m.op()).orElseThrow();
        Collective c = (Collective) a.op();
        int g = c.group();
        if (g > sys.devices()) {
            return Prediction.none("collective", "group " + g + " exceeds the " + sys.devices() + " devices of " + m.system());
        }
        int[] devices = new int[g];
        for (int i = 0; i < g; i++) {
            devices[i] = i;
        }
        double linkBytes = c.linkBytesPerDevice(a.inputs());
        double tensorBytes = a.inputs().get(0).bytes();
        long ps = new CollectiveModel(sys, CollectiveAlgorithm.AUTO).cost(c, linkBytes, tensorBytes, devices).durationPs();
        return new Prediction(ps / 1e6, "collective", "");
    }
}
