/**
 * Energy of a plan's execution ({@code EnergyModel}): DRAM, SRAM, logic and link energy per byte
 * or FLOP and the static power the serving loop charges for elapsed time, with
 * {@code EnergyConstants} for figures the target specs do not carry, each with where it comes
 * from.
 */
package io.moesim.sim.energy;
