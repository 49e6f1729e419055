/**
 * The simulator's front door: {@code Simulator.simulate} (a serving run from a
 * {@code SimulationRequest}), {@code Simulator.execute} (one plan at the system level), and
 * {@code SimulationException}. Executes what the compiler planned and never re-decides it; must
 * not depend on validation, reports, sweep or the CLI, and never prints.
 */
package io.moesim.sim;
