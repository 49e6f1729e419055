package io.moesim.hw;

import java.util.OptionalDouble;

/**
 * A link type as one device sees it: {@code linksPerDevice} links of
 * {@code bandwidthPerLinkGBps} each way.
 *
 * @param latencyNs              one-way latency of a small transfer
 * @param perMessageOverheadNs   fixed software/protocol cost per message (launch, doorbell, ...)
 * @param energyPjPerByte        transfer energy, where a source gives it
 */
public record LinkSpec(
        String id,
        String name,
        LinkKind kind,
        int linksPerDevice,
        double bandwidthPerLinkGBps,
        double latencyNs,
        double perMessageOverheadNs,
        OptionalDouble energyPjPerByte) {

    /** All of one device's links together, each way. */
    public double bandwidthPerDeviceGBps() {
        return linksPerDevice * bandwidthPerLinkGBps;
    }
}
