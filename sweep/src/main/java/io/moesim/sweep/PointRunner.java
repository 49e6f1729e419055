package io.moesim.sweep;

import io.moesim.ir.MoesimException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Evaluates one point and keeps the spec's metrics; shared by every engine so that their rows agree. */
public final class PointRunner {
    private PointRunner() {
    }

    public static PointResult run(PointEvaluator evaluator, SweepPoint point, List<String> metrics) {
        Map<String, Double> all;
        try {
            all = evaluator.evaluate(point.axes());
        } catch (MoesimException e) {
            return failed(point, e.getMessage());
        } catch (RuntimeException e) {
            // A bug rather than bad input; still one deterministic row, so the sweep finishes.
            return failed(point, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        Map<String, Double> kept = new LinkedHashMap<>();
        if (metrics.isEmpty()) {
            kept.putAll(new TreeMap<>(all));
        } else {
            for (String m : metrics) {
                Double v = all.get(m);
                if (v == null) {
                    return failed(point, "the evaluator gave no metric '" + m + "' (it gave " + String.join(", ", new TreeMap<>(all).keySet()) + ")");
                }
                kept.put(m, v);
            }
        }
        return new PointResult(point.index(), point.id(), point.axes(), kept, null);
    }

    private static PointResult failed(SweepPoint p, String message) {
        String oneLine = message == null ? "failed" : message.replaceAll("\\s*[\\r\\n]+\\s*", " ");
        return new PointResult(p.index(), p.id(), p.axes(), Map.of(), oneLine);
    }
}
