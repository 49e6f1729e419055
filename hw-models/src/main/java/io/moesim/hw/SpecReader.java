package io.moesim.hw;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moesim.ir.DType;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads one section of a spec tree, recording every problem instead of stopping at the first.
 * Every key asked for (present or not) becomes known, so {@link #finish()} can report the keys
 * nobody asked for as unknown, with the closest known key as a suggestion. A figure is written
 * {@code key: {value: N, source: "..."}}; missing required figures read as NaN (or 0 for counts)
 * so that building can go on and collect more problems.
 */
final class SpecReader {
    private static final Set<String> FIGURE_KEYS = Set.of("value", "source", "note");

    private final String file;
    private final String path;
    private final ObjectNode node;
    private final List<SpecProblem> problems;
    private final boolean silent;
    private final Set<String> known = new LinkedHashSet<>();

    private SpecReader(String file, String path, ObjectNode node, List<SpecProblem> problems, boolean silent) {
        this.file = file;
        this.path = path;
        this.node = node;
        this.problems = problems;
        this.silent = silent;
    }

    static SpecReader root(String file, ObjectNode node, List<SpecProblem> problems) {
        return new SpecReader(file, "", node, problems, false);
    }

    String file() {
        return file;
    }

    String path() {
        return path;
    }

    String pathOf(String key) {
        if (key.isEmpty()) {
            return path;
        }
        return path.isEmpty() ? key : path + "." + key;
    }

    void problem(String key, String message) {
        if (!silent) {
            problems.add(new SpecProblem(file, pathOf(key), message));
        }
    }

    boolean has(String key) {
        known.add(key);
        JsonNode n = node.get(key);
        return n != null && !n.isNull();
    }

    /** A required positive figure. */
    double number(String key) {
        OptionalDouble v = optNumber(key);
        if (v.isEmpty() && !has(key)) {
            problem(key, "missing key");
        }
        return v.orElse(Double.NaN);
    }

    /** An optional positive figure. */
    OptionalDouble optNumber(String key) {
        if (!has(key)) {
            return OptionalDouble.empty();
        }
        double v = figure(key, node.get(key));
        return Double.isNaN(v) ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    /** An optional yes/no figure, {@code {value: true, source: "..."}}: a capability, cited like any number. */
    Optional<Boolean> optFlag(String key) {
        if (!has(key)) {
            return Optional.empty();
        }
        JsonNode n = node.get(key);
        if (!n.isObject()) {
            problem(key, "expected {value: true|false, source: \"...\"}, got " + Suggest.typeName(n));
            return Optional.empty();
        }
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!FIGURE_KEYS.contains(k)) {
                problem(key + "." + k, "unknown key" + Suggest.didYouMean(k, FIGURE_KEYS));
            }
        }
        JsonNode src = n.get("source");
        if (src == null || !src.isTextual() || src.asText().isBlank()) {
            problem(key + ".source", "missing key (every figure needs a source)");
        }
        JsonNode v = n.get("value");
        if (v == null || !v.isBoolean()) {
            problem(key + ".value", "expected true or false, got " + (v == null ? "nothing" : Suggest.typeName(v)));
            return Optional.empty();
        }
        return Optional.of(v.asBoolean());
    }

    /** A required positive whole count (a figure like any other, with its source). */
    int count(String key) {
        OptionalInt v = optCount(key);
        if (v.isEmpty() && !has(key)) {
            problem(key, "missing key");
        }
        return v.orElse(0);
    }

    OptionalInt optCount(String key) {
        OptionalDouble v = optNumber(key);
        if (v.isEmpty()) {
            return OptionalInt.empty();
        }
        double d = v.getAsDouble();
        if (d != Math.rint(d) || d > Integer.MAX_VALUE) {
            problem(key, "must be a whole number, got " + Suggest.num(d));
            return OptionalInt.empty();
        }
        return OptionalInt.of((int) d);
    }

    /** A required plain string (ids, names, generation). */
    String text(String key) {
        Optional<String> v = optText(key);
        if (v.isEmpty() && !has(key)) {
            problem(key, "missing key");
        }
        return v.orElse("");
    }

    Optional<String> optText(String key) {
        if (!has(key)) {
            return Optional.empty();
        }
        JsonNode n = node.get(key);
        if (!n.isTextual() || n.asText().isBlank()) {
            problem(key, "expected a string, got " + Suggest.typeName(n));
            return Optional.empty();
        }
        return Optional.of(n.asText());
    }

    /** A required string from a closed set. */
    <E> Optional<E> choice(String key, Function<String, Optional<E>> parse, List<String> allowed) {
        Optional<String> t = optText(key);
        if (t.isEmpty()) {
            if (!has(key)) {
                problem(key, "missing key");
            }
            return Optional.empty();
        }
        Optional<E> v = parse.apply(t.get());
        if (v.isEmpty()) {
            problem(key, "unknown value '" + t.get() + "'" + Suggest.didYouMean(t.get(), allowed)
                    + " (expected one of " + String.join(", ", allowed) + ")");
        }
        return v;
    }

    /** A required sub-section; when it is missing, reads inside it report nothing more. */
    SpecReader section(String key) {
        Optional<SpecReader> s = optSection(key);
        if (s.isPresent()) {
            return s.get();
        }
        if (!has(key)) {
            problem(key, "missing key");
        }
        return new SpecReader(file, pathOf(key), JsonNodeFactory.instance.objectNode(), problems, true);
    }

    Optional<SpecReader> optSection(String key) {
        if (!has(key)) {
            return Optional.empty();
        }
        JsonNode n = node.get(key);
        if (!n.isObject() || DeepMerge.isFigure(n)) {
            problem(key, "expected a section (a mapping of keys), got " + Suggest.typeName(n));
            return Optional.empty();
        }
        return Optional.of(new SpecReader(file, pathOf(key), (ObjectNode) n, problems, silent));
    }

    /** The named sub-sections of a section ({@code processors: {xpu: {...}, logic_pim: {...}}}), in order. */
    Map<String, SpecReader> namedSections() {
        Map<String, SpecReader> out = new LinkedHashMap<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            optSection(name).ifPresent(s -> out.put(name, s));
        }
        return out;
    }

    /** A mapping of dtype name to figure, e.g. {@code macs_per_cycle: {bf16: {value: .., source: ..}}}. */
    Map<DType, Double> dtypeMap(String key, boolean required) {
        Map<DType, Double> out = new EnumMap<>(DType.class);
        Optional<SpecReader> s = optSection(key);
        if (s.isEmpty()) {
            if (required && !has(key)) {
                problem(key, "missing key");
            }
            return out;
        }
        SpecReader r = s.get();
        for (Iterator<String> it = r.node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            DType d;
            try {
                d = DType.parse(name);
            } catch (IllegalArgumentException e) {
                r.known.add(name);
                r.problem(name, "unknown dtype '" + name + "'" + Suggest.didYouMean(name, dtypeNames())
                        + " (expected one of " + String.join(", ", dtypeNames()) + ")");
                continue;
            }
            r.optNumber(name).ifPresent(v -> out.put(d, v));
        }
        if (required && out.isEmpty() && r.problems.stream().noneMatch(p -> p.path().startsWith(pathOf(key)))) {
            problem(key, "needs at least one dtype");
        }
        return out;
    }

    /** An optional map of positive figures under free-form ids ({@code [a-z0-9-]+}), e.g. per timing harness. */
    Map<String, Double> namedMap(String key) {
        Map<String, Double> out = new java.util.TreeMap<>();
        Optional<SpecReader> s = optSection(key);
        if (s.isEmpty()) {
            return out;
        }
        SpecReader r = s.get();
        for (Iterator<String> it = r.node.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!name.matches("[a-z0-9-]+")) {
                r.known.add(name);
                r.problem(name, "ids here are lower-case letters, digits and '-', got '" + name + "'");
                continue;
            }
            r.optNumber(name).ifPresent(v -> out.put(name, v));
        }
        return out;
    }

    private static List<String> dtypeNames() {
        return java.util.Arrays.stream(DType.values()).map(DType::text).toList();
    }

    /** Reports every key of this section that no read asked for. */
    void finish() {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) {
                problem(k, "unknown key" + Suggest.didYouMean(k, known));
            }
        }
    }

    /** Reads a figure's value, checking its shape, its source and that it is positive. */
    private double figure(String key, JsonNode n) {
        if (n.isNumber()) {
            problem(key, "expected {value: " + n.asText() + ", source: \"...\"} (every figure needs a source), got a bare number");
            return Double.NaN;
        }
        if (n.isTextual()) {
            problem(key, "expected a number, got string '" + n.asText() + "'");
            return Double.NaN;
        }
        if (!n.isObject()) {
            problem(key, "expected {value: N, source: \"...\"}, got " + Suggest.typeName(n));
            return Double.NaN;
        }
        JsonNode v = n.get("value");
        JsonNode src = n.get("source");
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!FIGURE_KEYS.contains(k)) {
                problem(key + "." + k, "unknown key" + Suggest.didYouMean(k, FIGURE_KEYS));
            }
        }
        if (src == null || src.isNull()) {
            problem(key + ".source", "missing key (every figure needs a source)");
        } else if (!src.isTextual() || src.asText().isBlank()) {
            problem(key + ".source", "expected a non-empty string, got " + Suggest.typeName(src));
        }
        if (v == null || v.isNull()) {
            problem(key + ".value", "missing key");
            return Double.NaN;
        }
        if (v.isTextual()) {
            problem(key, "expected a number, got string '" + v.asText() + "'");
            return Double.NaN;
        }
        if (!v.isNumber()) {
            problem(key, "expected a number, got " + Suggest.typeName(v));
            return Double.NaN;
        }
        double d = v.asDouble();
        if (!(d > 0) || !Double.isFinite(d)) {
            problem(key, "must be > 0, got " + Suggest.num(d));
            return Double.NaN;
        }
        return d;
    }
}
