package io.moesim.hw;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** Builds a {@link SystemSpec} from a {@code systems/*.yaml} tree (or one built from a name). */
final class SystemParser {
    private static final List<String> TOPOLOGIES = Arrays.stream(Topology.values()).map(Topology::text).toList();

    private SystemParser() {
    }

    private record Wiring(Optional<LinkSpec> link, Optional<Topology> topology) {
    }

    static Optional<SystemSpec> parse(String id, String file, Optional<Path> dir, ObjectNode tree,
            List<String> deviceSets, List<SpecProblem> problems) {
        SpecReader r = SpecReader.root(file, tree, problems);
        String name = r.text("name");
        r.optText("notes");
        String deviceRef = r.text("device");
        int perNode = r.count("devices_per_node");
        int nodes = r.count("nodes");
        Wiring intra = wiring(r.section("intra_node"));
        Optional<Wiring> inter = r.optSection("inter_node").map(SystemParser::wiring);
        Optional<String> hostId = r.optText("host_link");
        r.finish();

        Optional<DeviceSpec> device = Optional.empty();
        if (!deviceRef.isEmpty()) {
            String ref = SpecSources.isPath(deviceRef) && dir.isPresent() ? dir.get().resolve(deviceRef).toString() : deviceRef;
            if (!SpecSources.exists("targets", ref)) {
                r.problem("device", "unknown target '" + deviceRef + "'" + Suggest.didYouMean(deviceRef, Targets.ids())
                        + " (known: " + String.join(", ", Targets.ids()) + ")");
            } else {
                try {
                    device = Optional.of(Targets.load(ref, deviceSets));
                } catch (SpecException e) {
                    problems.addAll(e.problems());
                }
            }
        }
        if (nodes > 1 && inter.isEmpty()) {
            r.problem("inter_node", "missing key (a system of " + nodes + " nodes needs an inter-node link)");
        }
        Optional<LinkSpec> host = Optional.empty();
        if (hostId.isPresent()) {
            host = link(r, "host_link", hostId.get());
        } else if (device.isPresent()) {
            host = Optional.of(Links.load(device.get().interconnect().hostLink()));
        }
        if (device.isPresent() && perNode > device.get().interconnect().maxDevicesPerNode()) {
            r.problem("devices_per_node", "exceeds " + device.get().id() + "'s max_devices_per_node "
                    + device.get().interconnect().maxDevicesPerNode() + ", got " + perNode);
        }
        if (!problems.isEmpty() || device.isEmpty() || intra.link().isEmpty() || host.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new SystemSpec(id, name, file, device.get(), perNode, nodes,
                intra.link().get(), intra.topology().orElse(Topology.SWITCH),
                inter.flatMap(Wiring::link), inter.flatMap(Wiring::topology), host.get()));
    }

    private static Wiring wiring(SpecReader s) {
        Optional<String> linkId = Optional.of(s.text("link")).filter(t -> !t.isEmpty());
        Optional<LinkSpec> link = linkId.flatMap(l -> link(s, "link", l));
        Optional<Topology> topo = s.choice("topology", Topology::parse, TOPOLOGIES);
        s.finish();
        return new Wiring(link, topo);
    }

    private static Optional<LinkSpec> link(SpecReader s, String key, String id) {
        if (!Links.ids().contains(id)) {
            s.problem(key, "unknown link '" + id + "'" + Suggest.didYouMean(id, Links.ids())
                    + " (known: " + String.join(", ", Links.ids()) + ")");
            return Optional.empty();
        }
        return Optional.of(Links.load(id));
    }
}
