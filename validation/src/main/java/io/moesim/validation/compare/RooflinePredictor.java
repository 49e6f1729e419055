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


/**
 * The roofline ({@link RooflineCostModel}) at datasheet figures: the sanity bound, never calibrated
 * (calibration acts on the kernel model's mechanisms, see {@link Calibration}). memcpy is its bytes
 * read and written over the bandwidth; collectives go to the system model ({@link CollectiveModel})
 * of the row's {@code system}.
 */
public final class RooflinePredictor implements Predictor {
    private static final RooflinePredictor INSTANCE = new RooflinePredictor();
    private final String name = "roofline";

    private RooflinePredictor() {
    }

    /** The plain roofline. */
    public static RooflinePredictor datasheet() {
        return INSTANCE;
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
        double[] sides = sides(m, device);
        if (sides == null) {
            return Prediction.none(name, device.primary().name() + " has no peak for " + IrOps.dtype(m.op()));
        }
        return new Prediction(Math.max(sides[0], sides[1]), name, "");
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
        return collective(m, java.util.Optional.empty());
    }

    /** A collective row on its own system, timed by a collective library where one is given ({@link CollectiveModel}). */
    public static Prediction collective(Measurement m, java.util.Optional<io.moesim.hw.NcclModel> library) {
        SystemSpec sys;
        try {
            sys = Systems.load(m.system());
        } catch (MoesimException e) {
            return Prediction.none("collective", "no system '" + m.system() + "': " + e.getMessage());
        }
        return collective(m, sys, library);
    }

    /** A collective row predicted on the given system (the row's own, or one with calibrated links). */
    public static Prediction collective(Measurement m, SystemSpec sys) {
        return collective(m, sys, java.util.Optional.empty());
    }

    /** A collective row predicted on the given system, timed by a collective library where one is given ({@link CollectiveModel}). */
    public static Prediction collective(Measurement m, SystemSpec sys, java.util.Optional<io.moesim.hw.NcclModel> library) {
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
        long ps = new CollectiveModel(sys, CollectiveAlgorithm.AUTO, java.util.Optional.empty(), library).cost(c, linkBytes, tensorBytes, devices).durationPs();
        return new Prediction(ps / 1e6, "collective", "");
    }
}
