package io.moesim.sweep.testing;

import io.moesim.ir.MoesimException;
import io.moesim.sweep.EvaluatorFactory;
import io.moesim.sweep.PointEvaluator;
import io.moesim.sweep.SweepSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A deterministic stand-in for the simulator: metrics are closed-form functions of the axes.
 * {@code base.sleep_ms} makes each point take that long (to test kills and measure engines);
 * {@code base.fail_a} makes points with {@code a} equal to it fail.
 */
public final class SyntheticEvaluatorFactory implements EvaluatorFactory {
    private static final long serialVersionUID = 1L;

    @Override
    public PointEvaluator create(SweepSpec spec) {
        long sleep = spec.base().get("sleep_ms") instanceof Long l ? l : 0;
        Object failA = spec.base().get("fail_a");
        return axes -> {
            if (sleep > 0) {
                try {
                    Thread.sleep(sleep);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted");
                }
            }
            if (failA != null && failA.equals(axes.get("a"))) {
                throw new MoesimException("a=" + failA + " is infeasible");
            }
            double x = 0;
            int i = 1;
            for (Object v : axes.values()) {
                double d = v instanceof Number n ? n.doubleValue() : (v.toString().hashCode() & 0xffff) / 1000.0;
                x += i++ * d;
            }
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("throughput", 1000.0 / (1.0 + x) + Math.sqrt(x));
            m.put("latency_ms", x * 0.1 + 1.0 / 3.0);
            m.put("energy", Math.log1p(x));
            return m;
        };
    }
}
