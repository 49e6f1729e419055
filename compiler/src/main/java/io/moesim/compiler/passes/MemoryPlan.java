package io.moesim.compiler.passes;

import io.moesim.compiler.plan.DeviceMemory;
import java.util.List;

/**
 * The fact memory planning leaves: what each device holds, and how much of its weights are
 * routed experts (what a larger expert-parallel degree divides).
 */
public record MemoryPlan(List<DeviceMemory> devices, List<Long> expertWeightBytes) {
    public MemoryPlan {
        devices = List.copyOf(devices);
        expertWeightBytes = List.copyOf(expertWeightBytes);
    }
}
