package io.moesim.hw;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Entry point for systems: built-in ids ({@code systems/*.yaml}), a user's YAML file, or a name
 * {@code DEVICExN} / {@code DEVICE-xN} built on request from a known device id and that device's
 * default link and topology ({@code h200x8}; {@code mi300xx4} is 4 x mi300x). N up to the device's
 * max_devices_per_node makes one node; a larger multiple of it makes several nodes joined by the
 * device's inter-node link. A {@code --set device.KEY.PATH=V} reaches the device's spec, and so does
 * {@code --set KEY.PATH=V} when the system has no key KEY but its device does.
 */
public final class Systems {
    private static final Pattern COUNT = Pattern.compile("-?x(\\d{1,6})");

    private Systems() {
    }

    /** Built-in system ids, sorted (systems built on request are not listed). */
    public static List<String> ids() {
        return SpecSources.ids("systems");
    }

    public static SystemSpec load(String idOrPath) {
        return load(idOrPath, List.of());
    }

    public static SystemSpec load(String idOrPath, List<String> sets) {
        List<SetOverride> all = SetOverride.parseAll(sets);
        SpecSources.Doc doc;
        if (SpecSources.exists("systems", idOrPath) || SpecSources.isPath(idOrPath)) {
            doc = SpecSources.read("systems", "system", idOrPath);
        } else {
            doc = onRequest(idOrPath);
        }
        ObjectNode tree = SpecSources.resolve("systems", "system", doc);
        // a key the system does not have but its device does (memory.tRFC_ns) reaches the device,
        // so --set keys read the same as in `target show` and in the device's JSON
        // the device's spec is read only when some --set needs it (loads without --set stay as cheap as before)
        boolean routed = all.stream().anyMatch(o -> !o.path().startsWith("device.") && !tree.has(o.path().split("\\.", 2)[0]));
        Set<String> deviceKeys = routed ? deviceTopKeys(tree) : Set.of();
        List<String> deviceSets = new ArrayList<>();
        List<SetOverride> own = new ArrayList<>();
        for (SetOverride s : all) {
            String head = s.path().split("\\.", 2)[0];
            if (s.path().startsWith("device.")) {
                deviceSets.add(s.tail().path() + "=" + s.value());
            } else if (!tree.has(head) && deviceKeys.contains(head)) {
                deviceSets.add(s.path() + "=" + s.value());
            } else {
                own.add(s);
            }
        }
        List<SpecProblem> problems = new ArrayList<>();
        List<String> setPaths = SetApplier.apply(tree, own, doc.display(), problems);
        Optional<SystemSpec> sys = SystemParser.parse(doc.id(), doc.display(), doc.dir(), tree, deviceSets, problems);
        if (!problems.isEmpty() || sys.isEmpty()) {
            if (problems.isEmpty()) {
                problems.add(new SpecProblem(doc.display(), "", "incomplete system"));
            }
            throw new SpecException(Targets.markSets(problems, setPaths, own));
        }
        return sys.get();
    }

    /** The top-level keys of the system's device spec; empty when the device cannot be read (the parser reports that). */
    private static Set<String> deviceTopKeys(ObjectNode system) {
        JsonNode dev = system.get("device");
        if (dev == null || !dev.isTextual()) {
            return Set.of();
        }
        try {
            ObjectNode t = SpecSources.resolve("targets", "target", SpecSources.read("targets", "target", dev.asText()));
            Set<String> keys = new HashSet<>();
            t.fieldNames().forEachRemaining(keys::add);
            return keys;
        } catch (SpecException e) {
            return Set.of();
        }
    }

    /** Builds the tree of {@code DEVICExN} from the device's interconnect defaults. */
    private static SpecSources.Doc onRequest(String name) {
        List<String> devices = new ArrayList<>(Targets.ids());
        devices.sort(Comparator.comparingInt(String::length).reversed());
        for (String dev : devices) {
            if (!name.startsWith(dev)) {
                continue;
            }
            Matcher m = COUNT.matcher(name.substring(dev.length()));
            if (!m.matches()) {
                continue;
            }
            int n = Integer.parseInt(m.group(1));
            String display = "systems/" + name + " (built on request)";
            if (n < 1) {
                throw new SpecException(display, "devices", "device count must be at least 1, got " + n);
            }
            InterconnectSpec ic = Targets.load(dev).interconnect();
            int max = ic.maxDevicesPerNode();
            if (n > max && n % max != 0) {
                throw new SpecException(display, "devices", "a system of more than " + max + " " + dev
                        + " devices must be a whole number of " + max + "-device nodes, got " + n);
            }
            int perNode = Math.min(n, max);
            int nodes = n / perNode;
            String src = "built on request from the name '" + name + "'";
            JsonNodeFactory f = JsonNodeFactory.instance;
            ObjectNode t = f.objectNode();
            t.put("name", n + " x " + dev + " (built on request)");
            t.put("device", dev);
            t.putObject("devices_per_node").put("value", perNode).put("source", src);
            t.putObject("nodes").put("value", nodes).put("source", src);
            t.putObject("intra_node").put("link", ic.intraNodeLink()).put("topology", ic.intraNodeTopology().text());
            if (nodes > 1) {
                t.putObject("inter_node").put("link", ic.interNodeLink()).put("topology", ic.interNodeTopology().text());
            }
            t.put("host_link", ic.hostLink());
            return new SpecSources.Doc(name, display, Optional.empty(), t);
        }
        List<String> known = ids();
        throw new SpecException("systems", "", "unknown system '" + name + "'" + Suggest.didYouMean(name, known)
                + ": not a built-in system (" + String.join(", ", known) + ") and not DEVICExN or DEVICE-xN with a known device ("
                + String.join(", ", Targets.ids()) + ")");
    }
}
