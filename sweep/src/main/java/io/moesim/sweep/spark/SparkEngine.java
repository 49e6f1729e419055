package io.moesim.sweep.spark;

import io.moesim.sweep.EvaluatorFactory;
import io.moesim.sweep.PointEvaluator;
import io.moesim.sweep.PointResult;
import io.moesim.sweep.PointRunner;
import io.moesim.sweep.SweepEngine;
import io.moesim.sweep.SweepException;
import io.moesim.sweep.SweepPoint;
import io.moesim.sweep.SweepSpec;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Runs a sweep's points as Spark tasks. Points go out in small chunks, each its own asynchronous job,
 * so that results come back to the driver, and into the crash-safe store, as they finish rather than
 * at the end; Spark reruns the tasks of a lost executor. Loaded by name from {@code Engines}: no other
 * class of the module refers to Spark.
 */
public final class SparkEngine implements SweepEngine {
    /** Chunks per task slot: enough to keep slots busy while a chunk's result travels back. */
    private static final int CHUNKS_PER_SLOT = 4;
    private static final String LOG_CONFIG = "io/moesim/sweep/spark/log4j2-sweep.properties";

    private final String master;
    private final int parallelism;
    private final Map<String, String> conf;

    public SparkEngine(String master, int parallelism, Map<String, String> conf) {
        this.master = master;
        this.parallelism = parallelism;
        this.conf = Map.copyOf(conf);
    }

    @Override
    public void run(SweepSpec spec, List<SweepPoint> points, EvaluatorFactory factory, java.util.function.Consumer<PointResult> sink) {
        if (points.isEmpty()) {
            return;
        }
        // Spark logs at INFO to stderr by default; a user running a sweep wants the progress bar, not that.
        if (System.getProperty("log4j2.configurationFile") == null && System.getProperty("log4j.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", LOG_CONFIG);
        }
        SparkConf sc = new SparkConf()
                .setMaster(master)
                .setAppName("moesim sweep " + spec.name())
                .set("spark.ui.enabled", "false")
                .set("spark.ui.showConsoleProgress", "false");
        ownJar().ifPresent(jar -> sc.set("spark.jars", jar));
        conf.forEach(sc::set);
        try (JavaSparkContext jsc = new JavaSparkContext(sc)) {
            int slots = parallelism > 0 ? parallelism : Math.max(1, jsc.defaultParallelism());
            int chunk = Math.max(1, (points.size() + slots * CHUNKS_PER_SLOT - 1) / (slots * CHUNKS_PER_SLOT));
            List<String> metrics = spec.metrics();
            List<JavaFutureAction<List<PointResult>>> jobs = new ArrayList<>();
            for (int from = 0; from < points.size(); from += chunk) {
                List<SweepPoint> part = new ArrayList<>(points.subList(from, Math.min(points.size(), from + chunk)));
                jobs.add(jsc.parallelize(part, 1).mapPartitions((Iterator<SweepPoint> it) -> {
                    PointEvaluator ev = factory.create(spec);
                    List<PointResult> out = new ArrayList<>();
                    it.forEachRemaining(p -> out.add(PointRunner.run(ev, p, metrics)));
                    return out.iterator();
                }).collectAsync());
            }
            collect(jobs, sink);
        }
    }

    /** Hands each job's results to the sink as the job finishes, in whatever order they finish. */
    private static void collect(List<JavaFutureAction<List<PointResult>>> jobs, java.util.function.Consumer<PointResult> sink) {
        List<JavaFutureAction<List<PointResult>>> open = new ArrayList<>(jobs);
        try {
            while (!open.isEmpty()) {
                boolean any = false;
                for (Iterator<JavaFutureAction<List<PointResult>>> it = open.iterator(); it.hasNext();) {
                    JavaFutureAction<List<PointResult>> f = it.next();
                    if (f.isDone()) {
                        it.remove();
                        any = true;
                        f.get().forEach(sink);
                    }
                }
                if (!any) {
                    try {
                        open.get(0).get(20, TimeUnit.MILLISECONDS);
                    } catch (TimeoutException e) {
                        // Poll again: another job may have finished first.
                    }
                }
            }
        } catch (ExecutionException e) {
            throw new SweepException("the Spark job failed: " + rootMessage(e) + "; the points finished so far are stored", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SweepException("the sweep was interrupted; the points finished so far are stored", e);
        } finally {
            open.forEach(f -> f.cancel(true));
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        String m = c.getMessage();
        return (m == null ? c.getClass().getSimpleName() : m).lines().findFirst().orElse("");
    }

    /** The jar holding moesim's classes (the CLI's jar), for executors of a remote cluster; empty when run from folders. */
    private static java.util.Optional<String> ownJar() {
        try {
            var src = SparkEngine.class.getProtectionDomain().getCodeSource();
            if (src == null) {
                return java.util.Optional.empty();
            }
            Path p = Path.of(src.getLocation().toURI());
            return Files.isRegularFile(p) && p.toString().endsWith(".jar") ? java.util.Optional.of(p.toString()) : java.util.Optional.empty();
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            return java.util.Optional.empty();
        }
    }

    @Override
    public String describe() {
        return "spark " + master;
    }
}
