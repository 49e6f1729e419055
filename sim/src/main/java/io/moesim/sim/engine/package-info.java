/**
 * The discrete-event engine: {@code Engine} with time as a {@code long} of picoseconds and events
 * ordered by (time, sequence number), so a run is deterministic, and the {@code Component}
 * interface that reacts to events. Knows nothing of plans, ops or hardware.
 */
package io.moesim.sim.engine;
