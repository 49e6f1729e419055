package io.moesim.hw;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;
import java.util.List;

/** Builds a {@link LinkSpec} from a {@code links/*.yaml} tree. */
final class LinkParser {
    private static final List<String> KINDS = Arrays.stream(LinkKind.values()).map(LinkKind::text).toList();

    private LinkParser() {
    }

    static LinkSpec parse(String id, String file, ObjectNode tree, List<SpecProblem> problems) {
        SpecReader r = SpecReader.root(file, tree, problems);
        LinkSpec l = new LinkSpec(
                id,
                r.text("name"),
                r.choice("kind", LinkKind::parse, KINDS).orElse(LinkKind.PCIE),
                r.count("links_per_device"),
                r.number("bandwidth_per_link_GBps"),
                r.number("latency_ns"),
                r.number("per_message_overhead_ns"),
                r.optNumber("energy_pJ_per_byte"));
        r.optText("notes");
        r.finish();
        return l;
    }
}
