/**
 * Wide expert parallelism: attention data-parallel and routed experts expert-parallel over many devices and nodes
 * ({@code WideEpConfig}), the busiest EP rank setting each MoE layer, DeepEP-style dispatch/combine timed from the
 * routed bytes ({@code AllToAllTimer}, {@code EpMode}), EPLB replicas ({@code ExpertLayout}); {@code WideEpModel} times
 * one iteration, {@code WideEpRun} is {@code simulate --ep-mode}.
 */
package io.moesim.sim.widep;
