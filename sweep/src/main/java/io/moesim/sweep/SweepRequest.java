package io.moesim.sweep;

import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code moesim sweep} asks for.
 *
 * @param spec        the spec file
 * @param out         the output folder (created; resumed when it holds the same spec's results)
 * @param engine      where points run
 * @param master      Spark master URL (engine spark only): {@code local[2]}, {@code spark://host:7077}, ...
 * @param parallelism local threads (0: all cores); for Spark, the number of partitions per wave (0: Spark's default)
 * @param evaluator   what a point means; {@link SimulatorEvaluatorFactory} for the simulator
 * @param sparkConf   extra Spark settings ({@code spark.executor.memory}, ...), engine spark only
 */
public record SweepRequest(Path spec, Path out, Engine engine, String master, int parallelism, EvaluatorFactory evaluator,
        Map<String, String> sparkConf) {

    public enum Engine { LOCAL, SPARK }

    public SweepRequest {
        if (parallelism < 0) {
            throw new IllegalArgumentException("parallelism must be >= 0, got " + parallelism);
        }
        sparkConf = java.util.Collections.unmodifiableMap(new TreeMap<>(sparkConf));
    }

    /** The simulator on the local engine with all cores. */
    public static SweepRequest local(Path spec, Path out) {
        return new SweepRequest(spec, out, Engine.LOCAL, null, 0, new SimulatorEvaluatorFactory(), Map.of());
    }

    /** The simulator on Spark at {@code master}. */
    public static SweepRequest spark(Path spec, Path out, String master) {
        return new SweepRequest(spec, out, Engine.SPARK, master, 0, new SimulatorEvaluatorFactory(), Map.of());
    }

    public SweepRequest withEvaluator(EvaluatorFactory f) {
        return new SweepRequest(spec, out, engine, master, parallelism, f, sparkConf);
    }

    public SweepRequest withParallelism(int n) {
        return new SweepRequest(spec, out, engine, master, n, evaluator, sparkConf);
    }

    public SweepRequest withSparkConf(Map<String, String> conf) {
        return new SweepRequest(spec, out, engine, master, parallelism, evaluator, conf);
    }
}
