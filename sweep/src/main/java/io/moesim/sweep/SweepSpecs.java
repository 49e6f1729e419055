package io.moesim.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads sweep specs from YAML and checks their shape. What the keys mean (a model name, a device
 * key path) is checked by the evaluator's factory, which knows them.
 *
 * <pre>
 * name: duplex-tsv            # optional
 * base: {model: mixtral-8x7b, system: duplex-x4, workload: {...}, compile: {...}}
 * axes:                       # Cartesian product, first axis slowest ...
 *   duplex.logic_pim.tsv_multiplier: [1, 2, 4, 8]
 *   batch: [32, 64]
 * points:                     # ... or an explicit list (not both)
 *   - {batch: 32, placement: coproc}
 * metrics: [throughput_tokens_per_s, tbt_p99_ms]   # optional: all when absent
 * </pre>
 */
public final class SweepSpecs {
    private static final Set<String> TOP = Set.of("name", "base", "axes", "points", "metrics");
    private static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*(\\.[A-Za-z0-9_][A-Za-z0-9_-]*)*");
    /** Points beyond this are almost surely a mistake in the axes, and would fill a folder with files. */
    public static final long MAX_POINTS = 1_000_000;

    private SweepSpecs() {
    }

    public static SweepSpec read(Path file) {
        return parse(text(file), file.toString(), baseName(file));
    }

    /** A spec file's text; a read or UTF-8 error is a {@link SweepException} naming the file. */
    static String text(Path file) {
        String display = file.toString();
        try {
            return io.moesim.ir.io.TextFiles.read(file);
        } catch (io.moesim.ir.MoesimException e) {
            String m = e.getMessage();
            throw SweepException.at(display, "", m.startsWith(display + ": ") ? m.substring(display.length() + 2) : m);
        }
    }

    /** The file's name without its extension: a spec's name when it gives none. */
    static String baseName(Path file) {
        String fileName = file.getFileName().toString();
        int dot = fileName.lastIndexOf('.');
        return dot > 0 ? fileName.substring(0, dot) : fileName;
    }

    /** The YAML tree of {@code yaml}; a syntax error is one line naming {@code file} and the line. */
    static JsonNode yamlTree(String yaml, String file) {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(yaml);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : "line " + e.getLocation().getLineNr() + ": ";
            String first = e.getOriginalMessage() == null ? "" : e.getOriginalMessage().lines().findFirst().orElse("");
            throw SweepException.at(file, "", where + "not valid YAML (" + first.strip() + ")");
        }
    }

    /** Parses YAML text; {@code file} names it in messages, {@code defaultName} is used when it has no name. */
    public static SweepSpec parse(String yaml, String file, String defaultName) {
        JsonNode root = yamlTree(yaml, file);
        if (root == null || !root.isObject()) {
            throw SweepException.at(file, "", "expected a mapping with base, axes or points, and metrics");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!TOP.contains(k)) {
                throw SweepException.at(file, k, "unknown key (expected one of name, base, axes, points, metrics)");
            }
        }
        String name = root.has("name") ? scalarText(file, "name", root.get("name")) : defaultName;

        Map<String, Object> base = new LinkedHashMap<>();
        if (root.has("base")) {
            JsonNode b = root.get("base");
            if (!b.isObject()) {
                throw SweepException.at(file, "base", "expected a mapping");
            }
            base = map(file, "base", b);
        }

        boolean hasAxes = root.has("axes");
        boolean hasPoints = root.has("points");
        if (hasAxes == hasPoints) {
            throw SweepException.at(file, hasAxes ? "points" : "axes",
                    hasAxes ? "give axes (a Cartesian product) or points (a list), not both" : "missing: give axes or points");
        }
        Map<String, List<Object>> axes = new LinkedHashMap<>();
        List<Map<String, Object>> points = new ArrayList<>();
        if (hasAxes) {
            JsonNode a = root.get("axes");
            if (!a.isObject() || a.isEmpty()) {
                throw SweepException.at(file, "axes", "expected a mapping of key path to a list of values");
            }
            long product = 1;
            for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                String key = "axes." + e.getKey();
                checkKey(file, key, e.getKey());
                JsonNode vs = e.getValue();
                List<Object> values = new ArrayList<>();
                if (vs.isArray()) {
                    for (int i = 0; i < vs.size(); i++) {
                        values.add(scalar(file, key + "[" + i + "]", vs.get(i)));
                    }
                } else {
                    values.add(scalar(file, key, vs));
                }
                if (values.isEmpty()) {
                    throw SweepException.at(file, key, "an axis needs at least one value");
                }
                Set<String> seen = new HashSet<>();
                for (int i = 0; i < values.size(); i++) {
                    if (!seen.add(Canonical.text(values.get(i), true))) {
                        throw SweepException.at(file, key + "[" + i + "]", "repeats the value " + values.get(i));
                    }
                }
                product *= values.size();
                if (product > MAX_POINTS) {
                    throw SweepException.at(file, "axes", "more than " + MAX_POINTS + " points");
                }
                axes.put(e.getKey(), values);
            }
        } else {
            JsonNode p = root.get("points");
            if (!p.isArray() || p.isEmpty()) {
                throw SweepException.at(file, "points", "expected a non-empty list of mappings");
            }
            Map<String, Integer> seen = new LinkedHashMap<>();
            for (int i = 0; i < p.size(); i++) {
                String at = "points[" + i + "]";
                JsonNode pt = p.get(i);
                if (!pt.isObject() || pt.isEmpty()) {
                    throw SweepException.at(file, at, "expected a mapping of key path to value");
                }
                Map<String, Object> values = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> it = pt.fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> e = it.next();
                    checkKey(file, at + "." + e.getKey(), e.getKey());
                    values.put(e.getKey(), scalar(file, at + "." + e.getKey(), e.getValue()));
                }
                if (!points.isEmpty() && !values.keySet().equals(points.get(0).keySet())) {
                    throw SweepException.at(file, at, "has keys " + values.keySet() + " but points[0] has "
                            + points.get(0).keySet() + " (every point gives the same keys)");
                }
                Integer twin = seen.putIfAbsent(SweepPoint.idOf(values), i);
                if (twin != null) {
                    throw SweepException.at(file, at, "repeats points[" + twin + "]");
                }
                points.add(values);
            }
        }

        List<String> metrics = new ArrayList<>();
        if (root.has("metrics")) {
            JsonNode m = root.get("metrics");
            if (!m.isArray()) {
                throw SweepException.at(file, "metrics", "expected a list of metric names");
            }
            for (int i = 0; i < m.size(); i++) {
                String k = "metrics[" + i + "]";
                if (!m.get(i).isTextual() || !KEY.matcher(m.get(i).asText()).matches()) {
                    throw SweepException.at(file, k, "expected a metric name such as throughput_tokens_per_s");
                }
                if (metrics.contains(m.get(i).asText())) {
                    throw SweepException.at(file, k, "repeats '" + m.get(i).asText() + "'");
                }
                metrics.add(m.get(i).asText());
            }
        }
        SweepSpec spec = new SweepSpec(name, file, base, axes, points, metrics);
        for (String k : spec.axisKeys()) {
            if (base.containsKey(k)) {
                // Harmless, but a user who sets both probably expects the base to matter.
                throw SweepException.at(file, "base." + k, "is also an axis; remove it from base");
            }
        }
        return spec;
    }

    private static void checkKey(String file, String at, String key) {
        if (!KEY.matcher(key).matches()) {
            throw SweepException.at(file, at, "bad key path (expected dotted keys such as duplex.logic_pim.tsv_multiplier)");
        }
    }

    private static Map<String, Object> map(String file, String at, JsonNode node) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), value(file, at + "." + e.getKey(), e.getValue()));
        }
        return out;
    }

    /** A YAML value as plain data: mappings, lists and {@link #scalar}s; errors name {@code file} and the key path {@code at}. */
    static Object value(String file, String at, JsonNode n) {
        if (n.isObject()) {
            return map(file, at, n);
        }
        if (n.isArray()) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < n.size(); i++) {
                out.add(value(file, at + "[" + i + "]", n.get(i)));
            }
            return out;
        }
        return scalar(file, at, n);
    }

    /** Long for integers, Double for other numbers, Boolean, or String. */
    static Object scalar(String file, String at, JsonNode n) {
        if (n.isIntegralNumber()) {
            if (!n.canConvertToLong()) {
                throw SweepException.at(file, at, "integer out of range: " + n.asText());
            }
            return n.longValue();
        }
        if (n.isNumber()) {
            double d = n.doubleValue();
            if (!Double.isFinite(d)) {
                throw SweepException.at(file, at, "expected a finite number");
            }
            return d;
        }
        if (n.isBoolean()) {
            return n.booleanValue();
        }
        if (n.isTextual()) {
            return n.textValue();
        }
        throw SweepException.at(file, at, "expected a number, a string or a boolean, got " + (n.isNull() ? "null" : n.getNodeType().toString().toLowerCase()));
    }

    private static String scalarText(String file, String at, JsonNode n) {
        if (!n.isValueNode() || n.isNull()) {
            throw SweepException.at(file, at, "expected a string");
        }
        return n.asText();
    }
}
