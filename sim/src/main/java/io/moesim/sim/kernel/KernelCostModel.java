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
 *
 * <p><b>Serving load</b> ({@link #underServingLoad}): a serving engine keeps the GPU busy without a pause, where the kernel
 * database's collector timed each op in short bursts. A device whose spec gives a {@code serving_clock_fraction} runs a
 * serving iteration's kernels at that fraction of the clock its per-op figures hold for ({@link
 * ProcessorSpec#underServingLoad}), under a profile whose per-op figures were measured only ({@link
 * FrameworkProfile#hasMeasuredOpFigures}: a real framework's): the {@code ideal} profile is the datasheet model of
 * hypothetical hardware, compared like for like, and the fraction is of the clock measured figures hold for.
 */
public final class KernelCostModel implements CostModel {
    private final KernelSimulator sim;
    private final CostModel collectives;
    private final Function<DeviceSpec, FrameworkProfile> profiles;
    private final boolean servingLoad;

    public KernelCostModel() {
        this(new KernelSimulator(), RooflineCostModel.INSTANCE);
    }

    public KernelCostModel(KernelSimulator sim, CostModel collectives) {
        this(sim, collectives, d -> FrameworkProfile.ideal());
    }

    /** @param profiles the framework profile each device runs under */
    public KernelCostModel(KernelSimulator sim, CostModel collectives, Function<DeviceSpec, FrameworkProfile> profiles) {
        this(sim, collectives, profiles, false);
    }

    private KernelCostModel(KernelSimulator sim, CostModel collectives, Function<DeviceSpec, FrameworkProfile> profiles, boolean servingLoad) {
        this.sim = sim;
        this.collectives = collectives;
        this.profiles = profiles;
        this.servingLoad = servingLoad;
    }

    /** This model as a serving run's iterations use it (the same simulator, memo and profiles; see the class comment). */
    public KernelCostModel underServingLoad() {
        return servingLoad ? this : new KernelCostModel(sim, collectives, profiles, true);
    }

    /** The cost model a serving run times its iterations on: a kernel model under serving load, any other as it is. */
    public static CostModel underServingLoad(CostModel cost) {
        return cost instanceof KernelCostModel k ? k.underServingLoad() : cost;
    }

    /** Whether this model runs devices as a serving load does. */
    public boolean servingLoad() {
        return servingLoad;
    }

    /**
     * The clock a serving iteration's kernels run the device's processor {@code processor} at here: its {@link
     * ProcessorSpec#servingLoadClockMHz} under a serving load and a profile whose per-op figures were measured ({@link
     * FrameworkProfile#hasMeasuredOpFigures}: a real framework's); empty otherwise (the clock its per-op figures hold for).
     */
    public java.util.OptionalDouble servingClockMHz(DeviceSpec device, ProcessorSpec processor) {
        return servingLoad && loadApplies(device, processor) ? processor.servingLoadClockMHz() : java.util.OptionalDouble.empty();
    }

    /** Whether a serving load clocks this processor: its spec gives a fraction and the device's profile measured per-op figures. */
    private boolean loadApplies(DeviceSpec device, ProcessorSpec processor) {
        return servingLoadApplies(processor, profile(device));
    }

    /**
     * Whether a load that holds the GPU at its power limit clocks {@code processor} below the clock its per-op figures hold
     * for, under {@code profile}: its spec gives a serving clock fraction and the profile's per-op figures were measured
     * ({@link FrameworkProfile#hasMeasuredOpFigures}: a real framework's; the datasheet kernel model keeps its clock).
     */
    public static boolean servingLoadApplies(ProcessorSpec processor, FrameworkProfile profile) {
        return processor.servingClockFraction().isPresent() && profile != null && profile.hasMeasuredOpFigures();
    }

    /** The device and processor a call runs on: under a serving load and a measured profile, as that load clocks them. */
    private Loaded loaded(DeviceSpec device, ProcessorSpec processor) {
        Loaded l = lastLoaded;
        if (l != null && l.device == device && l.processor == processor) {
            return l;
        }
        l = loadApplies(device, processor) ? new Loaded(device, processor, device.underServingLoad(), processor.underServingLoad())
                : new Loaded(device, processor, device, processor);
        lastLoaded = l;
        return l;
    }

    /** The last (device, processor) a serving-load call asked about and what the load makes of them. */
    private record Loaded(DeviceSpec device, ProcessorSpec processor, DeviceSpec loadedDevice, ProcessorSpec loadedProcessor) {
    }

    private volatile Loaded lastLoaded;

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
        if (servingLoad) {
            Loaded l = loaded(device, processor);
            return FrameworkCost.seconds(profile(device), sim, op, inputs, l.loadedDevice, l.loadedProcessor);
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
        FrameworkProfile p = profile(device);
        if (servingLoad) {
            Loaded l = loaded(device, processor);
            device = l.loadedDevice;
            processor = l.loadedProcessor;
        }
        OpEstimate e = sim.estimate(op, inputs, device, processor);
        double launch = e.breakdown().launchUs() * 1e-6;
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
