package io.moesim.hw;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Entry point for target (device) specs: built-in ids ({@code targets/*.yaml}) or a user's YAML
 * file, with {@code preset:} inheritance and {@code --set KEY.PATH=VALUE} overrides.
 */
public final class Targets {
    private static final Map<String, DeviceSpec> CACHE = new ConcurrentHashMap<>();

    private Targets() {
    }

    /** Built-in target ids, sorted. */
    public static List<String> ids() {
        return SpecSources.ids("targets");
    }

    public static DeviceSpec load(String idOrPath) {
        return load(idOrPath, List.of());
    }

    /**
     * Loads a target by built-in id or file path, applies the overrides, validates everything and
     * throws one {@link SpecException} listing every problem.
     */
    public static DeviceSpec load(String idOrPath, List<String> sets) {
        boolean cacheable = (sets == null || sets.isEmpty()) && !SpecSources.isPath(idOrPath);
        if (cacheable && CACHE.containsKey(idOrPath)) {
            return CACHE.get(idOrPath);
        }
        List<SetOverride> overrides = SetOverride.parseAll(sets);
        SpecSources.Doc doc = SpecSources.read("targets", "target", idOrPath);
        ObjectNode tree = SpecSources.resolve("targets", "target", doc);
        List<SpecProblem> problems = new ArrayList<>();
        List<String> setPaths = SetApplier.apply(tree, overrides, doc.display(), problems);
        markTimingPresetStale(tree, overrides);
        dropInheritedDriverTotal(tree, overrides.stream().anyMatch(o -> o.path().equals("memory.capacity_GB")),
                overrides.stream().anyMatch(o -> o.path().equals("memory.driver_total_MiB")));
        DeviceSpec d = TargetParser.parse(doc.id(), doc.display(), tree, problems);
        if (!problems.isEmpty()) {
            throw new SpecException(markSets(problems, setPaths, overrides));
        }
        if (cacheable) {
            CACHE.put(idOrPath, d);
        }
        return d;
    }

    /**
     * A data rate changed by {@code --set} leaves the timing figures as the file states them (in
     * ns), so the timing preset's name must no longer claim the preset's clocks at this rate: it
     * gains a note, unless the same command line names the preset itself.
     */
    private static void markTimingPresetStale(ObjectNode tree, List<SetOverride> overrides) {
        boolean rate = overrides.stream().anyMatch(o -> o.path().equals("memory.data_rate_Gbps"));
        boolean preset = overrides.stream().anyMatch(o -> o.path().equals("memory.timing_preset"));
        if (rate && !preset && tree.path("memory").path("timing_preset").isTextual()) {
            ObjectNode mem = (ObjectNode) tree.get("memory");
            mem.put("timing_preset", mem.get("timing_preset").asText()
                    + " [figures as stated for the file's data rate; memory.data_rate_Gbps changed by --set]");
        }
    }

    /**
     * A driver's total belongs to one part's capacity. A layer that changes {@code memory.capacity_GB} without giving
     * {@code memory.driver_total_MiB} (a file over its preset, or {@code --set}) drops the total it inherits, so what
     * software can allocate follows the new capacity ({@code capacity_GB} x 10^9) rather than another part's driver.
     */
    static void dropInheritedDriverTotal(ObjectNode inherited, boolean capacitySet, boolean totalSet) {
        if (capacitySet && !totalSet && inherited.path("memory") instanceof ObjectNode mem) {
            mem.remove("driver_total_MiB");
        }
    }

    /** Says which --set a problem came from, when its key path is one a --set wrote. */
    static List<SpecProblem> markSets(List<SpecProblem> problems, List<String> setPaths, List<SetOverride> sets) {
        List<SpecProblem> out = new ArrayList<>();
        for (SpecProblem p : problems) {
            SpecProblem q = p;
            // the last --set of a key is the one in effect: blame it
            for (int i = setPaths.size() - 1; i >= 0; i--) {
                String sp = setPaths.get(i);
                if (!p.path().startsWith("--set") && (p.path().equals(sp) || p.path().startsWith(sp + ".")
                        || sp.startsWith(p.path() + "."))) {
                    q = new SpecProblem(p.file(), p.path(), p.message() + " [from --set " + sets.get(i).text() + "]");
                    break;
                }
            }
            out.add(q);
        }
        return out;
    }
}
