/**
 * The result of a serving run ({@code SimulationResult}, {@code LatencyStats}) and its JSON
 * ({@code ResultJson}, keys in a fixed order: same inputs and seed, same bytes but for
 * {@code sim_wall_s}). JSON keys are a contract: add, never rename or drop.
 */
package io.moesim.sim.metrics;
