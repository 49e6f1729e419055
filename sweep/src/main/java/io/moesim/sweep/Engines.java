package io.moesim.sweep;

/**
 * Makes engines. Spark is loaded by name, only when asked for: it is a provided dependency, absent
 * from the CLI's jar, and bin/moesim puts it on the classpath for {@code --engine spark}.
 */
public final class Engines {
    static final String SPARK_ENGINE = "io.moesim.sweep.spark.SparkEngine";
    static final String SPARK_PROBE = "org.apache.spark.api.java.JavaSparkContext";
    public static final String NO_SPARK = "the Spark engine needs Spark on the classpath: run through bin/moesim, which adds it";

    private Engines() {
    }

    public static SweepEngine create(SweepRequest req) {
        return switch (req.engine()) {
            case LOCAL -> new LocalEngine(req.parallelism());
            case SPARK -> spark(req);
        };
    }

    /** Whether Spark's classes can be loaded here. */
    public static boolean sparkAvailable() {
        return sparkAvailable(Engines.class.getClassLoader());
    }

    static boolean sparkAvailable(ClassLoader loader) {
        try {
            Class.forName(SPARK_PROBE, false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static SweepEngine spark(SweepRequest req) {
        if (!sparkAvailable()) {
            throw new SweepException(NO_SPARK);
        }
        String master = req.master() == null || req.master().isBlank() ? "local[*]" : req.master();
        try {
            return (SweepEngine) Class.forName(SPARK_ENGINE).getConstructor(String.class, int.class, java.util.Map.class)
                    .newInstance(master, req.parallelism(), req.sparkConf());
        } catch (ReflectiveOperationException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new SweepException("cannot start the Spark engine: " + c, c);
        } catch (LinkageError e) {
            throw new SweepException(NO_SPARK + " (" + e + ")", e);
        }
    }
}
