package io.moesim.hw;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The built-in link types ({@code links/*.yaml}). */
public final class Links {
    private static final Map<String, LinkSpec> CACHE = new ConcurrentHashMap<>();

    private Links() {
    }

    /** Built-in link ids, sorted. */
    public static List<String> ids() {
        return SpecSources.ids("links");
    }

    public static LinkSpec load(String id) {
        LinkSpec cached = CACHE.get(id);
        if (cached != null) {
            return cached;
        }
        SpecSources.Doc doc = SpecSources.read("links", "link", id);
        ObjectNode tree = SpecSources.resolve("links", "link", doc);
        List<SpecProblem> problems = new ArrayList<>();
        LinkSpec l = LinkParser.parse(doc.id(), doc.display(), tree, problems);
        if (!problems.isEmpty()) {
            throw new SpecException(problems);
        }
        if (!SpecSources.isPath(id)) {
            CACHE.put(id, l);
        }
        return l;
    }
}
