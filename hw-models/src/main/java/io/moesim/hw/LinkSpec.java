package io.moesim.hw;

import java.util.OptionalDouble;

/**
 * A link type as one device sees it: {@code linksPerDevice} links of
 * {@code bandwidthPerLinkGBps} each way.
 *
 * @param latencyNs                   one-way latency of a small transfer
 * @param perMessageOverheadNs        fixed software/protocol cost per message (launch, doorbell, ...)
 * @param energyPjPerByte             transfer energy, where a source gives it
 * @param achievableBandwidthFraction share of the line rate a collective library sustains on the wire
 *                                    (protocol headers, flags, synchronisation); absent means the line rate
 * @param inSwitchReduction           the switch this link attaches to reduces and multicasts in the fabric
 *                                    (NVLink SHARP on third-generation NVSwitch), so an all-reduce over a
 *                                    switch moves each byte about once each way instead of a ring's 2(g−1)/g
 * @param inSwitchBandwidthFraction   share of the line rate an in-switch all-reduce sustains (the
 *                                    switch's reduce and multicast engines, not the links, set it);
 *                                    absent means the same as {@code achievableBandwidthFraction}
 */
public record LinkSpec(
        String id,
        String name,
        LinkKind kind,
        int linksPerDevice,
        double bandwidthPerLinkGBps,
        double latencyNs,
        double perMessageOverheadNs,
        OptionalDouble energyPjPerByte,
        OptionalDouble achievableBandwidthFraction,
        boolean inSwitchReduction,
        OptionalDouble inSwitchBandwidthFraction) {

    public LinkSpec {
        for (OptionalDouble o : new OptionalDouble[] {achievableBandwidthFraction, inSwitchBandwidthFraction}) {
            if (o.isPresent()) {
                double f = o.getAsDouble();
                if (!(f > 0) || f > 1) {
                    throw new IllegalArgumentException("achievable bandwidth fraction must lie in (0, 1], got " + f);
                }
            }
        }
    }

    public LinkSpec(String id, String name, LinkKind kind, int linksPerDevice, double bandwidthPerLinkGBps, double latencyNs,
            double perMessageOverheadNs, OptionalDouble energyPjPerByte, OptionalDouble achievableBandwidthFraction,
            boolean inSwitchReduction) {
        this(id, name, kind, linksPerDevice, bandwidthPerLinkGBps, latencyNs, perMessageOverheadNs, energyPjPerByte,
                achievableBandwidthFraction, inSwitchReduction, OptionalDouble.empty());
    }

    /** A link at its line rate, without in-fabric reduction. */
    public LinkSpec(String id, String name, LinkKind kind, int linksPerDevice, double bandwidthPerLinkGBps, double latencyNs,
            double perMessageOverheadNs, OptionalDouble energyPjPerByte) {
        this(id, name, kind, linksPerDevice, bandwidthPerLinkGBps, latencyNs, perMessageOverheadNs, energyPjPerByte,
                OptionalDouble.empty(), false);
    }

    /** All of one device's links together, each way. */
    public double bandwidthPerDeviceGBps() {
        return linksPerDevice * bandwidthPerLinkGBps;
    }

    /** The factor collectives apply to the line rate: the achievable fraction, else 1. */
    public double bandwidthFraction() {
        return achievableBandwidthFraction.orElse(1.0);
    }

    /** The factor an in-switch all-reduce applies to the line rate: its own fraction, else the links'. */
    public double inSwitchFraction() {
        return inSwitchBandwidthFraction.orElse(bandwidthFraction());
    }

    /** This link with its collective figures replaced, the switch (if it reduces) at the links' fraction. */
    public LinkSpec withCollectiveFigures(double overheadNs, double fraction, boolean switchReduction) {
        return withCollectiveFigures(overheadNs, fraction, switchReduction, fraction);
    }

    /** This link with its collective figures replaced (a calibration's candidate). */
    public LinkSpec withCollectiveFigures(double overheadNs, double fraction, boolean switchReduction, double switchFraction) {
        return new LinkSpec(id, name, kind, linksPerDevice, bandwidthPerLinkGBps, latencyNs, overheadNs, energyPjPerByte,
                OptionalDouble.of(fraction), switchReduction, switchReduction ? OptionalDouble.of(switchFraction) : OptionalDouble.empty());
    }
}
