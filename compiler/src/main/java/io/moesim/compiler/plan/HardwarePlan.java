package io.moesim.compiler.plan;

import java.util.List;
import java.util.Map;

/**
 * The compiler's output and the simulator's input: every task of one iteration on every device,
 * with the memory each device holds. Serialised as JSON by {@link PlanJson} with a
 * {@code schema_version}; the same inputs give byte-identical JSON.
 *
 * @param options the compile options that produced it, for provenance (ordered)
 */
public record HardwarePlan(String system, String model, int devices, Map<String, Object> options, List<Task> tasks, List<DeviceMemory> memory) {
    public static final int SCHEMA_VERSION = 1;

    public HardwarePlan {
        options = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(options));
        tasks = List.copyOf(tasks);
        memory = List.copyOf(memory);
        for (int i = 0; i < tasks.size(); i++) {
            if (tasks.get(i).id() != i) {
                throw new IllegalArgumentException("task ids must be 0..n-1 in order; task #" + i + " has id " + tasks.get(i).id());
            }
        }
    }
}
