/**
 * The system level: a plan flattened into arrays ({@code PreparedPlan}, durations from
 * {@code TaskTimer} and {@code CollectiveModel}) and run event by event by {@code PlanExecutor}
 * (processors as servers, streams as in-order queues, collectives holding link ports). Overlap
 * comes only from dependencies, never from a hand-set factor.
 */
package io.moesim.sim.system;
