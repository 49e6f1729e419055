package io.moesim.sweep;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One design point.
 *
 * @param index its position in the spec's expansion (rows are sorted by it)
 * @param id    a hash of its axis values, independent of axis order; names its stored result
 * @param axes  axis key to value, in the spec's axis order
 */
public record SweepPoint(int index, String id, Map<String, Object> axes) implements Serializable {
    private static final long serialVersionUID = 1L;

    public SweepPoint {
        axes = Collections.unmodifiableMap(new LinkedHashMap<>(axes));
    }

    /** The id of a set of axis values: the first 16 hex digits of SHA-256 of their canonical text. */
    public static String idOf(Map<String, Object> axes) {
        return Canonical.sha256(Canonical.text(axes, true)).substring(0, 16);
    }
}
