package io.moesim.sim.serving;

import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.ir.graph.Graph;

/** Turns one iteration's graph into a hardware plan (normally the compiler). */
@FunctionalInterface
public interface PlanSource {
    HardwarePlan plan(Graph graph);
}
