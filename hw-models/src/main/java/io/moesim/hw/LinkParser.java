package io.moesim.hw;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;

/** Builds a {@link LinkSpec} from a {@code links/*.yaml} tree. */
final class LinkParser {
    private static final List<String> KINDS = Arrays.stream(LinkKind.values()).map(LinkKind::text).toList();

    private LinkParser() {
    }

    static LinkSpec parse(String id, String file, ObjectNode tree, List<SpecProblem> problems) {
        SpecReader r = SpecReader.root(file, tree, problems);
        String name = r.text("name");
        LinkKind kind = r.choice("kind", LinkKind::parse, KINDS).orElse(LinkKind.PCIE);
        int links = r.count("links_per_device");
        double bw = r.number("bandwidth_per_link_GBps");
        double latency = r.number("latency_ns");
        double overhead = r.number("per_message_overhead_ns");
        OptionalDouble energy = r.optNumber("energy_pJ_per_byte");
        OptionalDouble fraction = fractionOfLineRate(r, "achievable_bandwidth_fraction");
        boolean switchReduction = r.optFlag("in_switch_reduction").orElse(false);
        OptionalDouble switchFraction = fractionOfLineRate(r, "in_switch_bandwidth_fraction");
        if (switchFraction.isPresent() && !switchReduction) {
            r.problem("in_switch_bandwidth_fraction", "only means something with in_switch_reduction: true");
        }
        r.optText("notes");
        r.finish();
        return new LinkSpec(id, name, kind, links, bw, latency, overhead, energy, fraction, switchReduction, switchFraction);
    }

    /** An optional share of the line rate: above 1 would mean the datasheet figure is wrong, not that software beats it. */
    private static OptionalDouble fractionOfLineRate(SpecReader r, String key) {
        OptionalDouble f = r.optNumber(key);
        if (f.isPresent() && f.getAsDouble() > 1) {
            r.problem(key, "is a fraction of the line rate: must be <= 1, got " + Suggest.num(f.getAsDouble()));
            return OptionalDouble.empty();
        }
        return f;
    }
}
