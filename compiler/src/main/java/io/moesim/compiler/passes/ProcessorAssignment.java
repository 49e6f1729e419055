package io.moesim.compiler.passes;

import io.moesim.compiler.CompileOptions.Placement;
import io.moesim.compiler.placement.ExpertCoprocessor;
import java.util.Map;

/**
 * The fact processor placement leaves: the processor of every compute node of the per-device
 * graph, and, under co-processing, the function that splits each device's experts per layer
 * (applied by lowering to the actual per-device tokens, and by the simulator per iteration).
 *
 * @param coprocessor null unless the policy is coproc on a device with a PIM processor
 */
public record ProcessorAssignment(Placement policy, Map<String, String> processors, ExpertCoprocessor coprocessor) {
    public ProcessorAssignment {
        processors = Map.copyOf(processors);
    }

    public String of(String path, String fallback) {
        return processors.getOrDefault(path, fallback);
    }
}
