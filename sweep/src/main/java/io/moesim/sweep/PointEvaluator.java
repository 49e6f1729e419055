package io.moesim.sweep;

import java.util.Map;

/**
 * Computes the metrics of one design point. The sweep engines know nothing else about what a point
 * means, so they can be tested with a synthetic evaluator and run the simulator unchanged.
 * An instance is used by one thread at a time.
 */
@FunctionalInterface
public interface PointEvaluator {
    /**
     * @param axes the point's axis values (Long, Double, String or Boolean), in the spec's axis order
     * @return metric name to value; a {@link io.moesim.ir.MoesimException} marks the point as failed
     */
    Map<String, Double> evaluate(Map<String, Object> axes);
}
