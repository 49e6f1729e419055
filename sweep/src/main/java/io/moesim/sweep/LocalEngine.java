package io.moesim.sweep;

import java.util.List;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** The default engine: a pool of threads in this JVM, one evaluator per thread. */
public final class LocalEngine implements SweepEngine {
    private final int threads;

    /** @param threads worker threads; 0 or less for all available processors */
    public LocalEngine(int threads) {
        this.threads = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
    }

    @Override
    public void run(SweepSpec spec, List<SweepPoint> points, EvaluatorFactory factory, Consumer<PointResult> sink) {
        if (points.isEmpty()) {
            return;
        }
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, "moesim-sweep-" + n.incrementAndGet());
            t.setDaemon(true); // a failed run must not keep the JVM alive
            return t;
        };
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, points.size()), tf);
        // Evaluators need not be thread-safe: each thread makes its own on first use.
        ThreadLocal<PointEvaluator> evaluator = ThreadLocal.withInitial(() -> factory.create(spec));
        try {
            CompletionService<PointResult> done = new ExecutorCompletionService<>(pool);
            for (SweepPoint p : points) {
                done.submit(() -> PointRunner.run(evaluator.get(), p, spec.metrics()));
            }
            for (int i = 0; i < points.size(); i++) {
                PointResult r;
                try {
                    r = done.take().get();
                } catch (ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof RuntimeException re) {
                        throw re;
                    }
                    if (c instanceof Error err) {
                        throw err;
                    }
                    throw new IllegalStateException(c);
                }
                sink.accept(r);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SweepException("the sweep was interrupted; the points finished so far are stored");
        } finally {
            pool.shutdownNow();
        }
    }

    @Override
    public String describe() {
        return "local, " + threads + (threads == 1 ? " thread" : " threads");
    }
}
