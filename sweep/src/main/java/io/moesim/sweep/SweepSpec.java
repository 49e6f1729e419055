package io.moesim.sweep;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A parsed sweep spec. Values are Long, Double, String, Boolean, or lists and maps of them.
 *
 * @param name    the sweep's name (the file's name without extension when the spec has none)
 * @param file    the file as the user named it, for messages
 * @param base    what every point shares (model, system, workload, compile options), in file order
 * @param axes    axis key to its values, for a Cartesian product (empty when {@code points} is given)
 * @param points  an explicit list of points (empty when {@code axes} is given); every one has the same keys
 * @param metrics the metrics to keep, in column order; empty keeps all that the evaluator gives
 */
public record SweepSpec(String name, String file, Map<String, Object> base, Map<String, List<Object>> axes,
        List<Map<String, Object>> points, List<String> metrics) implements Serializable {
    private static final long serialVersionUID = 1L;

    public SweepSpec {
        base = Collections.unmodifiableMap(new LinkedHashMap<>(base));
        Map<String, List<Object>> a = new LinkedHashMap<>();
        axes.forEach((k, v) -> a.put(k, Collections.unmodifiableList(new ArrayList<>(v))));
        axes = Collections.unmodifiableMap(a);
        List<Map<String, Object>> p = new ArrayList<>();
        points.forEach(m -> p.add(Collections.unmodifiableMap(new LinkedHashMap<>(m))));
        points = Collections.unmodifiableList(p);
        metrics = List.copyOf(metrics);
    }

    /**
     * The axis keys, in column order: the axes', or the points' keys in the order first seen (a spec read from
     * YAML gives every point the same keys; an experiment's points may differ, and a row lacks the keys its point lacks).
     */
    public List<String> axisKeys() {
        if (points.isEmpty()) {
            return List.copyOf(axes.keySet());
        }
        java.util.LinkedHashSet<String> keys = new java.util.LinkedHashSet<>();
        points.forEach(p -> keys.addAll(p.keySet()));
        return List.copyOf(keys);
    }

    /**
     * SHA-256 of everything that decides the rows: the base, the axes or points (in order, since order
     * decides indices) and the metrics. Not the file name, and not formatting or comments.
     */
    public String fingerprint() {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("base", Canonical.text(base, true));
        all.put("axes", Canonical.text(axes, false));
        all.put("points", Canonical.text(points, false));
        all.put("metrics", Canonical.text(metrics, false));
        return Canonical.sha256(Canonical.text(all, false));
    }
}
