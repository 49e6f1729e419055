package io.moesim.sim.kernel;

import io.moesim.compiler.cost.CostModel;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.ProcessorSpec;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.Collective;
import io.moesim.ir.op.Op;
import java.util.List;
import java.util.function.Function;

/**
 * The compiler's cost model on cycle-level figures: {@link KernelSimulator} estimates, memoised, as
 * a serving framework runs them ({@link FrameworkCost}, the profile chosen per device; {@code ideal},
 * the kernel model alone, unless one is given). Collectives are not the kernel level's to time: they
 * go to {@code collectives} (by default the roofline, i.e. their DRAM side only; the system level
 * passes its link model here).
 */
public final class KernelCostModel implements CostModel {
    private final KernelSimulator sim;
    private final CostModel collectives;
    private final Function<DeviceSpec, FrameworkProfile> profiles;

    public KernelCostModel() {
        this(new KernelSimulator(), RooflineCostModel.INSTANCE);
    }

    public KernelCostModel(KernelSimulator sim, CostModel collectives) {
        this(sim, collectives, d -> FrameworkProfile.ideal());
    }

    /** @param profiles the framework profile each device runs under */
    public KernelCostModel(KernelSimulator sim, CostModel collectives, Function<DeviceSpec, FrameworkProfile> profiles) {
        this.sim = sim;
        this.collectives = collectives;
        this.profiles = profiles;
    }

    /** The kernel model with a profile chooser (a fresh simulator). */
    public static KernelCostModel withProfiles(Function<DeviceSpec, FrameworkProfile> profiles) {
        return new KernelCostModel(new KernelSimulator(), RooflineCostModel.INSTANCE, profiles);
    }

    public KernelSimulator simulator() {
        return sim;
    }

    /** The framework profile this model runs the device under. */
    public FrameworkProfile profile(DeviceSpec device) {
        LastProfile l = last;
        if (l != null && l.device == device) {
            return l.profile;
        }
        FrameworkProfile p = profiles.apply(device);
        last = new LastProfile(device, p);
        return p;
    }

    @Override
    public double seconds(Op op, List<TensorType> inputs, DeviceSpec device, ProcessorSpec processor) {
        if (op instanceof Collective) {
            return collectives.seconds(op, inputs, device, processor);
        }
        return FrameworkCost.seconds(profile(device), sim, op, inputs, device, processor);
    }

    /**
     * The launch of the kernel model, or the profile's per-call overhead that replaces it for the op's class
     * ({@link FrameworkCost}); none for collectives.
     */
    @Override
    public double callOverheadSeconds(Op op, List<TensorType> inputs, DeviceSpec device, ProcessorSpec processor) {
        if (op instanceof Collective) {
            return 0;
        }
        OpEstimate e = sim.estimate(op, inputs, device, processor);
        double launch = e.breakdown().launchUs() * 1e-6;
        FrameworkProfile p = profile(device);
        String cls = FrameworkCost.opClass(op);
        if (p.isIdeal() || processor.kind().isPim() || cls == null || !Double.isFinite(e.seconds())) {
            return launch;
        }
        return p.figures(cls).callSeconds(launch);
    }

    /** The device's profile runs a separate quantise kernel before fp8 GEMMs ({@code fp8_activation_quantize}, or per token: {@code quantize_token}). */
    @Override
    public boolean quantizesFp8Activations(DeviceSpec device) {
        return profile(device).gemmQuantizesActivation();
    }

    /** The last device asked about and its profile: a run asks for one device's profile millions of times. */
    private record LastProfile(DeviceSpec device, FrameworkProfile profile) {
    }

    private volatile LastProfile last;

    @Override
    public String name() {
        return "kernel";
    }
}
