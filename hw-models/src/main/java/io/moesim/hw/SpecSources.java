package io.moesim.hw;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds spec YAML (built-in resources under {@code targets/}, {@code links/}, {@code systems/}, or
 * a user's file), parses it, and resolves {@code preset:} chains into one merged tree.
 */
final class SpecSources {
    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder().build())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private SpecSources() {
    }

    /** A spec document: its id, how to name it in messages, its directory (user files only), and its tree. */
    record Doc(String id, String display, Optional<Path> dir, ObjectNode tree) {
    }

    /** Built-in ids of one resource folder, from its {@code index.txt}, sorted. */
    static List<String> ids(String folder) {
        String text = resourceText(folder + "/index.txt")
                .orElseThrow(() -> new IllegalStateException("missing resource " + folder + "/index.txt"));
        List<String> out = new ArrayList<>();
        for (String line : text.split("\\R")) {
            String t = line.strip();
            if (!t.isEmpty() && !t.startsWith("#")) {
                out.add(t);
            }
        }
        out.sort(null);
        return List.copyOf(out);
    }

    /** True when the argument names a file rather than a built-in id. */
    static boolean isPath(String s) {
        return s.endsWith(".yaml") || s.endsWith(".yml") || s.contains("/") || s.contains("\\");
    }

    static boolean exists(String folder, String idOrPath) {
        return isPath(idOrPath) ? Files.isRegularFile(Path.of(idOrPath))
                : resourceText(folder + "/" + idOrPath + ".yaml").isPresent();
    }

    /** Parses a resolved spec document into its value, adding every problem found to {@code problems}. */
    interface Parser<T> {
        T parse(String id, String file, com.fasterxml.jackson.databind.node.ObjectNode tree, List<SpecProblem> problems);
    }

    /**
     * A spec by built-in id or file path ({@code folder}, its kind {@code what}), parsed, all problems in one {@link SpecException};
     * built-in ids are memoised in {@code cache} (a file may change between loads).
     */
    static <T> T load(java.util.Map<String, T> cache, String folder, String what, String idOrPath, Parser<T> parser) {
        boolean cacheable = !isPath(idOrPath);
        if (cacheable && cache.containsKey(idOrPath)) {
            return cache.get(idOrPath);
        }
        Doc doc = read(folder, what, idOrPath);
        com.fasterxml.jackson.databind.node.ObjectNode tree = resolve(folder, what, doc);
        List<SpecProblem> problems = new java.util.ArrayList<>();
        T value = parser.parse(doc.id(), doc.display(), tree, problems);
        if (!problems.isEmpty()) {
            throw new SpecException(problems);
        }
        if (cacheable) {
            cache.put(idOrPath, value);
        }
        return value;
    }

    /** Reads one document without resolving presets; {@code what} names the folder's kind ("target"). */
    static Doc read(String folder, String what, String idOrPath) {
        if (isPath(idOrPath)) {
            Path p = Path.of(idOrPath);
            if (!Files.isRegularFile(p)) {
                throw new SpecException(idOrPath, "", "no such file");
            }
            String text = io.moesim.ir.io.TextFiles.read(p);
            String name = p.getFileName().toString().replaceFirst("\\.ya?ml$", "");
            Path dir = p.toAbsolutePath().getParent();
            return new Doc(name, idOrPath, Optional.ofNullable(dir), parse(idOrPath, text));
        }
        String display = folder + "/" + idOrPath + ".yaml";
        String text = resourceText(display).orElseThrow(() -> new SpecException(folder, "",
                "unknown " + what + " '" + idOrPath + "'" + Suggest.didYouMean(idOrPath, ids(folder))
                        + " (known: " + String.join(", ", ids(folder)) + ")"));
        return new Doc(idOrPath, display, Optional.empty(), parse(display, text));
    }

    /** Parses YAML text whose root must be a mapping. */
    static ObjectNode parse(String display, String text) {
        JsonNode root;
        try {
            root = YAML.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
            throw new SpecException(display, "", "malformed YAML" + where + ": " + e.getOriginalMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw new SpecException(display, "", "empty document");
        }
        if (!root.isObject()) {
            throw new SpecException(display, "", "expected a mapping at the top level, got " + Suggest.typeName(root));
        }
        return (ObjectNode) root;
    }

    /**
     * Resolves the {@code preset:} chain of a document: the preset (a built-in id of the same
     * folder, or for a user file a path relative to it) is loaded and resolved first, then the
     * document's keys are merged onto it.
     */
    static ObjectNode resolve(String folder, String what, Doc doc) {
        return resolve(folder, what, doc, new ArrayList<>());
    }

    private static ObjectNode resolve(String folder, String what, Doc doc, List<String> chain) {
        chain.add(doc.display());
        ObjectNode tree = doc.tree().deepCopy();
        JsonNode preset = tree.remove("preset");
        if (preset == null || preset.isNull()) {
            return tree;
        }
        if (!preset.isTextual()) {
            throw new SpecException(doc.display(), "preset", "expected a " + what + " id, got " + Suggest.typeName(preset));
        }
        String pid = preset.asText();
        String ref = pid;
        if (isPath(pid) && doc.dir().isPresent()) {
            ref = doc.dir().get().resolve(pid).toString();
        }
        if (!exists(folder, ref)) {
            List<String> known = ids(folder);
            throw new SpecException(doc.display(), "preset", "unknown preset '" + pid + "'"
                    + Suggest.didYouMean(pid, known) + " (known: " + String.join(", ", known) + ")");
        }
        Doc parent = read(folder, what, ref);
        if (chain.contains(parent.display())) {
            List<String> cycle = new ArrayList<>(chain.subList(chain.indexOf(parent.display()), chain.size()));
            cycle.add(parent.display());
            throw new SpecException(doc.display(), "preset", "preset cycle: " + String.join(" -> ", cycle));
        }
        ObjectNode inherited = resolve(folder, what, parent, chain);
        if (folder.equals("targets")) {
            Targets.dropInheritedDriverTotal(inherited, tree.path("memory").has("capacity_GB"), tree.path("memory").has("driver_total_MiB"));
        }
        return DeepMerge.merge(inherited, tree);
    }

    static Optional<String> resourceText(String path) {
        try (InputStream in = SpecSources.class.getClassLoader().getResourceAsStream(path)) {
            return in == null ? Optional.empty() : Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
