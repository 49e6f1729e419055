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
        DeviceSpec d = TargetParser.parse(doc.id(), doc.display(), tree, problems);
        if (!problems.isEmpty()) {
            throw new SpecException(markSets(problems, setPaths, overrides));
        }
        if (cacheable) {
            CACHE.put(idOrPath, d);
        }
        return d;
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
