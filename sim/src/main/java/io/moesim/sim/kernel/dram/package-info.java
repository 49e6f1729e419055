/**
 * The HBM model: one pseudo-channel simulated command by command under JEDEC timing
 * ({@code PseudoChannelSim}, {@code HbmTiming}, {@code AddressMapping}, {@code PagePolicy}) and
 * scaled to the device by {@code HbmModel}, which answers how long an access pattern takes.
 * Integer picoseconds throughout; no knowledge of ops.
 */
package io.moesim.sim.kernel.dram;
