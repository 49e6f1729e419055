package io.moesim.compiler.passes;

import io.moesim.compiler.Pass;
import io.moesim.compiler.Pipeline;
import java.util.List;

/** The standard pass order. */
public final class Passes {
    private Passes() {
    }

    public static List<Pass> standard() {
        return List.of(new VerifyPass(), new ParallelizePass(), new FusionPass(), new OpbAnalysisPass(), new ExpertPlacementPass(),
                new ProcessorPlacementPass(), new MemoryPlanPass(), new SchedulePass(), new LowerPass());
    }

    public static Pipeline pipeline() {
        return new Pipeline(standard());
    }
}
