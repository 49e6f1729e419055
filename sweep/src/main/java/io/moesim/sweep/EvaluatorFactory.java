package io.moesim.sweep;

import java.io.Serializable;

/**
 * Makes evaluators for a spec. Serializable because the Spark engine ships it to executors, which
 * build their own evaluator there (evaluators themselves need not be serializable).
 */
@FunctionalInterface
public interface EvaluatorFactory extends Serializable {
    /** Checks the spec against what this evaluator understands (throwing {@link SweepException}) and makes one. */
    PointEvaluator create(SweepSpec spec);
}
