package io.moesim.reports;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.DerivedFigures;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.DType;
import io.moesim.sim.system.ExecutionResult;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Fills a {@link RooflineData} from a compiled plan and its system, or from an executed plan. */
public final class RooflineAdapter {
    private static final double PS_PER_S = 1e12;

    private RooflineAdapter() {
    }

    /** Ops at their analytic roofline TFLOP/s (no simulation needed). */
    public static RooflineData of(HardwarePlan plan, SystemSpec system) {
        return build(plan, system, Optional.empty());
    }

    /** Ops at the TFLOP/s the simulator gave them (each task's own duration, without queueing). */
    public static RooflineData of(ExecutionResult executed) {
        return build(executed.plan().plan(), executed.plan().system(), Optional.of(executed));
    }

    private static RooflineData build(HardwarePlan plan, SystemSpec system, Optional<ExecutionResult> executed) {
        DeviceSpec device = system.device();
        // the roof of the dtype most of the plan's FLOPs run in (an fp8 model's norms and residuals are bf16, its GEMMs fp8)
        java.util.Map<DType, Double> flopsByDtype = new java.util.EnumMap<>(DType.class);
        plan.tasks().stream().filter(t -> !t.isTransfer() && t.flops() > 0)
                .forEach(t -> flopsByDtype.merge(RooflineCostModel.computeDType(t.op(), t.inputs()), (double) t.flops(), Double::sum));
        DType dtype = flopsByDtype.entrySet().stream().max(java.util.Map.Entry.<DType, Double>comparingByValue()).map(java.util.Map.Entry::getKey)
                .orElse(DType.BF16);
        List<Roof> roofs = new ArrayList<>();
        for (ProcessorSpec p : device.processorList()) {
            double peak = DerivedFigures.peakTflops(p, dtype).or(() -> DerivedFigures.peakTflops(p, DType.FP16)).orElse(0.0);
            double bw = DerivedFigures.bandwidthSeenGBps(device, p);
            if (peak > 0 && bw > 0) {
                roofs.add(new Roof(p.name(), peak, bw));
            }
        }
        // The same op slice repeats over layers and devices: one point per distinct (name, place, figures).
        Set<OpPoint> points = new LinkedHashSet<>();
        for (Task t : plan.tasks()) {
            if (t.isTransfer() || t.flops() <= 0 || t.bytes() <= 0) {
                continue;
            }
            Optional<ProcessorSpec> p = device.processor(t.processor());
            if (p.isEmpty()) {
                continue;
            }
            double seconds = executed.map(e -> e.plan().durationPs(t.id()) / PS_PER_S)
                    .orElseGet(() -> RooflineCostModel.bound(t.op(), t.inputs(), device, p.get()).seconds());
            if (seconds > 0 && Double.isFinite(seconds)) {
                points.add(new OpPoint(t.layerType() + "/" + t.op().mnemonic(), t.processor(), t.opPerByte(), t.flops() / seconds / 1e12));
            }
        }
        return new RooflineData(system.id(), roofs, List.copyOf(points));
    }
}
