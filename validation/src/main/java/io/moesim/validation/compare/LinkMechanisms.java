package io.moesim.validation.compare;

import io.moesim.hw.LinkSpec;
import io.moesim.hw.SystemSpec;
import java.util.Locale;

/**
 * The calibratable mechanisms of the collective model on one link type, each a physical figure of
 * the link spec, never a per-row factor:
 *
 * @param overheadNs        fixed cost per collective call (launch, setup, synchronisation), {@code per_message_overhead_ns}
 * @param fraction          share of the line rate sustained on the wire, {@code achievable_bandwidth_fraction}
 * @param inSwitchReduction the all-reduce is reduced in the switch (NVLink SHARP), {@code in_switch_reduction}
 * @param switchFraction    share of the line rate the in-switch all-reduce sustains, {@code in_switch_bandwidth_fraction}
 *                          (meaningful only with in-switch reduction)
 */
public record LinkMechanisms(double overheadNs, double fraction, boolean inSwitchReduction, double switchFraction) {

    public LinkMechanisms {
        if (!(overheadNs > 0) || !(fraction > 0) || fraction > 1 || !(switchFraction > 0) || switchFraction > 1) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "bad link mechanisms: overhead %s ns, fraction %s, switch fraction %s",
                    overheadNs, fraction, switchFraction));
        }
    }

    /** Without in-switch reduction (or with the switch at the links' fraction). */
    public LinkMechanisms(double overheadNs, double fraction, boolean inSwitchReduction) {
        this(overheadNs, fraction, inSwitchReduction, fraction);
    }

    /** What the collective model uses for this link today. */
    public static LinkMechanisms of(LinkSpec link) {
        return new LinkMechanisms(link.perMessageOverheadNs(), link.bandwidthFraction(), link.inSwitchReduction(), link.inSwitchFraction());
    }

    public LinkSpec applyTo(LinkSpec link) {
        return link.withCollectiveFigures(overheadNs, fraction, inSwitchReduction, switchFraction);
    }

    /** The system with its intra-node link carrying these figures. */
    public SystemSpec applyTo(SystemSpec s) {
        return new SystemSpec(s.id(), s.name(), s.origin(), s.device(), s.devicesPerNode(), s.nodes(), applyTo(s.intraNodeLink()),
                s.intraNodeTopology(), s.interNodeLink(), s.interNodeTopology(), s.hostLink());
    }

    public String describe() {
        return String.format(Locale.ROOT, "overhead %.1f us, achievable bandwidth fraction %.3f, in-switch reduction %s",
                overheadNs / 1000, fraction, inSwitchReduction ? String.format(Locale.ROOT, "yes at fraction %.3f", switchFraction) : "no");
    }
}
