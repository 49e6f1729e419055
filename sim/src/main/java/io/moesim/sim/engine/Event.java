package io.moesim.sim.engine;

/**
 * A scheduled event as seen from outside the engine (for inspection and tests). The engine itself
 * keeps events in primitive arrays and never allocates this record on its hot path.
 *
 * @param timePs   when it fires, in picoseconds
 * @param sequence order of scheduling: breaks ties between events of the same time
 */
public record Event(long timePs, long sequence, Component target, int kind, long arg) {
}
