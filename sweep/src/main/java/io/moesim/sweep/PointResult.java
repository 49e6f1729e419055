package io.moesim.sweep;

import java.io.Serializable;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The outcome of one point: its metrics, or the one-line reason it failed. Failures are results too:
 * a point that cannot be simulated (say, weights larger than memory) fails the same way every time,
 * so it is stored and not retried.
 *
 * @param metrics metric name to value, in column order; empty when failed
 * @param error   null when the point succeeded
 */
public record PointResult(int index, String id, Map<String, Object> axes, Map<String, Double> metrics, String error)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    public PointResult {
        axes = Collections.unmodifiableMap(new LinkedHashMap<>(axes));
        metrics = Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
    }

    public boolean failed() {
        return error != null;
    }
}
