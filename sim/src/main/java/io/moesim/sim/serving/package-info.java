/**
 * The serving level: requests arrive ({@code ArrivalSpec}, {@code LengthSpec}), the
 * {@code Scheduler} forms continuous batches under max batch, token budget and KV capacity, and
 * {@code ServingLoop} advances time by each iteration, which {@code IterationCache} compiles
 * (through a {@code PlanSource}) and simulates once per {@code BatchSignature}. Everything is
 * seeded; no wall-clock time enters a result.
 */
package io.moesim.sim.serving;
