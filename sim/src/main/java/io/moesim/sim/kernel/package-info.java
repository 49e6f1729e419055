/**
 * The kernel level: one op on one processor simulated with the DRAM, engine and PIM models
 * ({@code KernelSimulator}), memoised by op signature and spec ({@code KernelCache}), and offered
 * to the compiler as {@code KernelCostModel}; also the parsing of {@code moesim op} requests
 * ({@code OpRequests}). Collectives are not timed here but at the system level.
 */
package io.moesim.sim.kernel;
