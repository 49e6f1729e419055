package io.moesim.hw;

/**
 * A device's default wiring, used when a system is built on request ({@code h200x8}): link ids
 * name {@code links/*.yaml} resources.
 */
public record InterconnectSpec(
        String intraNodeLink,
        Topology intraNodeTopology,
        int maxDevicesPerNode,
        String interNodeLink,
        Topology interNodeTopology,
        String hostLink) {
}
