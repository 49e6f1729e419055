package io.moesim.sim.serving;

import io.moesim.sim.energy.EnergyBreakdown;
import io.moesim.sim.system.ExecutionResult;

/**
 * One simulated iteration shape, as cached by signature.
 *
 * @param busyPs         busy time per processor name, in {@link IterationCache#processorNames()} order, over all devices
 * @param memoryBoundPs  Σ over compute tasks of bytes / the bandwidth its processor sees
 * @param rooflinePs     the plan's critical path at roofline durations
 * @param execution      the event-level execution, for traces; null where only the summary is kept
 */
public record IterationOutcome(long makespanPs, long[] busyPs, long intraLinkBusyPs, long interLinkBusyPs, long flops,
        double memoryBoundPs, EnergyBreakdown dynamicEnergy, long rooflinePs, ExecutionResult execution) {
}
