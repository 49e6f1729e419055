package io.moesim.validation.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.validation.trace.TraceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A file beside a serving set's rows that names entries rows refer to by name ({@code harnesses.json}, {@code datasets.json}):
 * one JSON object of objects by name. Read here once for all of them: where the file is, that it is JSON, that each entry is
 * an object with only known keys; each caller builds its entry from the checked node.
 */
final class NamedEntries {
    private NamedEntries() {
    }

    /** The file {@code name} in the set's folder (or beside the set's file). */
    static Path file(Path set, String name) {
        return (Files.isDirectory(set) ? set : set.toAbsolutePath().getParent()).resolve(name);
    }

    /** Builds one entry from its checked node; {@code file} is the file it is in, for messages and paths beside it. */
    @FunctionalInterface
    interface Maker<T> {
        T make(Path file, String id, JsonNode node);
    }

    /**
     * The entries of {@code name} beside {@code set}, each built by {@code make}; none where there is no such file. Bad JSON
     * and unknown keys stop the read with the file and the key.
     */
    static <T> Map<String, T> read(Path set, String name, Set<String> keys, Maker<T> make) {
        Path f = file(set, name);
        Map<String, T> out = new TreeMap<>();
        if (!Files.isRegularFile(f)) {
            return out;
        }
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(f.toFile());
        } catch (IOException e) {
            throw new TraceException(f.toString(), 0, "not JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new TraceException(f.toString(), 0, "expected an object of entries by name");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            String id = e.getKey();
            JsonNode h = e.getValue();
            if (!h.isObject()) {
                throw new TraceException(f.toString(), 0, id + ": expected an object");
            }
            for (Iterator<String> k = h.fieldNames(); k.hasNext();) {
                String key = k.next();
                if (!keys.contains(key)) {
                    throw new TraceException(f.toString(), 0, id + "." + key + ": unknown key (known: "
                            + String.join(", ", keys.stream().sorted().toList()) + ")");
                }
            }
            out.put(id, make.make(f, id, h));
        }
        return out;
    }

    /** The entry {@code key} of a row names, of those read beside it; an unknown name stops with the row's file and line. */
    static <T> T named(ServingRow r, String key, String id, Map<String, T> known, String name) {
        T t = known.get(id);
        if (t == null) {
            throw new TraceException(r.file(), r.line(), key + ": unknown '" + id + "' (known: " + (known.isEmpty() ? "none" : String.join(", ",
                    known.keySet())) + "; named in " + file(Path.of(r.file()), name) + ")");
        }
        return t;
    }

    /**
     * The entries rows name, each file read once per folder of rows ({@code read} of the folder): one per kind of file, for a
     * run over many rows.
     */
    static final class Cache<T> {
        private final Function<Path, Map<String, T>> read;
        private final Map<Path, Map<String, T>> byFolder = new java.util.HashMap<>();

        Cache(Function<Path, Map<String, T>> read) {
            this.read = read;
        }

        /** The entries read beside a row's file. */
        Map<String, T> beside(ServingRow r) {
            return byFolder.computeIfAbsent(Path.of(r.file()).toAbsolutePath().getParent(), read);
        }
    }
}
