package io.moesim.sim.system;

/**
 * The time and link traffic of one collective instance, the same for every member device.
 *
 * @param durationPs             from the moment every member is ready until all have the result
 * @param algorithm              what was used ("ring", "tree", "direct", "hierarchical-ring", ...)
 * @param intraBytesPerDevice    bytes each member sends over intra-node links
 * @param interBytesPerDevice    bytes each member sends over the inter-node link
 * @param usesInterNode          whether the inter-node port is held
 */
public record CollectiveCost(long durationPs, String algorithm, double intraBytesPerDevice, double interBytesPerDevice,
        boolean usesInterNode) {
}
