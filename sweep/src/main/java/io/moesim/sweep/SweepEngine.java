package io.moesim.sweep;

import java.util.List;
import java.util.function.Consumer;

/** Runs points somewhere: threads of this JVM, or a Spark cluster. */
public interface SweepEngine {
    /**
     * Evaluates every point and hands each result to {@code sink} as it finishes, always from the
     * calling thread (the sink stores it and reports progress). Returns when all are done; an exception
     * from the sink stops the run and is rethrown.
     */
    void run(SweepSpec spec, List<SweepPoint> points, EvaluatorFactory factory, Consumer<PointResult> sink);

    /** A short name for messages ("local, 2 threads", "spark local[2]"). */
    String describe();
}
