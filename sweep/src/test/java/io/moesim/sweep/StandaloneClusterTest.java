package io.moesim.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.sweep.testing.Jvm;
import io.moesim.sweep.testing.Specs;
import io.moesim.sweep.testing.SyntheticEvaluatorFactory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A standalone Spark cluster on 127.0.0.1 from the Maven jars (a master and a worker as child JVMs),
 * a sweep on it, and the worker killed with SIGKILL mid-run and replaced: every point still arrives.
 */
@Tag("slow")
class StandaloneClusterTest {
    @TempDir
    Path dir;

    private final List<ProcessHandle> started = new ArrayList<>();

    @Test
    void sweepSurvivesTheLossOfItsWorker() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            port = s.getLocalPort();
        } catch (IOException e) {
            System.out.println("SKIP StandaloneClusterTest: cannot bind a port on 127.0.0.1 (" + e.getMessage() + ")");
            Assumptions.abort("cannot bind a port on 127.0.0.1: " + e.getMessage());
            return;
        }
        // The worker builds executor command lines from SPARK_HOME/jars (empty here) plus spark.executor.extraClassPath.
        Path home = Files.createDirectories(dir.resolve("spark-home"));
        Files.createDirectories(home.resolve("jars"));
        Map<String, String> env = Map.of("SPARK_HOME", home.toString(), "SPARK_SCALA_VERSION", "2.13", "SPARK_LOCAL_IP", "127.0.0.1",
                "SPARK_LOG_DIR", dir.toString(), "SPARK_WORKER_DIR", dir.resolve("work").toString());
        String url = "spark://127.0.0.1:" + port;
        try {
            Process master = track(Jvm.start("256m", env, dir.resolve("master.log"), "org.apache.spark.deploy.master.Master",
                    "--host", "127.0.0.1", "--port", Integer.toString(port), "--webui-port", "0"));
            if (!waitForPort(port, 60)) {
                String log = Files.readString(dir.resolve("master.log"));
                if (log.contains("BindException") || log.contains("Address already in use")) {
                    System.out.println("SKIP StandaloneClusterTest: the master cannot bind 127.0.0.1:" + port);
                    Assumptions.abort("the master cannot bind its port");
                }
                throw new AssertionError("the master did not start: " + tail(log) + " alive=" + master.isAlive());
            }
            Process worker = startWorker(env, url, 1);

            Path spec = Specs.write(dir, "grid.yaml", Specs.grid64(150));
            CountDownLatch midRun = new CountDownLatch(1);
            SweepRequest req = new SweepRequest(spec, dir.resolve("out"), SweepRequest.Engine.SPARK, url, 0, new SyntheticEvaluatorFactory(),
                    Map.of("spark.executor.extraClassPath", Jvm.classpath(),
                            "spark.executor.extraJavaOptions", String.join(" ", Jvm.OPENS),
                            "spark.executor.memory", "512m",
                            "spark.cores.max", "2",
                            "spark.default.parallelism", "2",
                            "spark.driver.host", "127.0.0.1",
                            "spark.driver.bindAddress", "127.0.0.1"));
            long t0 = System.nanoTime();
            CompletableFuture<SweepOutcome> run = CompletableFuture.supplyAsync(() -> Sweeps.run(req, p -> {
                if (p.done() >= 12) {
                    midRun.countDown();
                }
            }));
            assertTrue(midRun.await(150, TimeUnit.SECONDS), "12 points did not finish: " + tail(Files.readString(dir.resolve("worker-1.log"))));
            List<ProcessHandle> executors = worker.descendants().toList();
            worker.destroyForcibly();
            assertTrue(worker.waitFor(30, TimeUnit.SECONDS));
            long doneAtKill = countStored(dir.resolve("out"));
            started.addAll(executors); // the worker's executor should exit by itself (its WorkerWatcher); cleaned up anyway
            startWorker(env, url, 2);

            SweepOutcome o = run.get(150, TimeUnit.SECONDS);
            double wall = (System.nanoTime() - t0) / 1e9;
            assertEquals(64, o.total());
            assertEquals(64, o.evaluated());
            assertEquals(64, countStored(dir.resolve("out")));
            assertTrue(doneAtKill < 64, "the worker was killed before the end: " + doneAtKill);

            SweepOutcome local = Sweeps.run(new SweepRequest(spec, dir.resolve("local"), SweepRequest.Engine.LOCAL, null, 2,
                    new SyntheticEvaluatorFactory(), Map.of()), SweepProgress.NONE);
            assertArrayEquals(Files.readAllBytes(local.csv()), Files.readAllBytes(o.csv()));
            System.out.printf("MEASURE standalone cluster: worker killed with %d of 64 points stored, a new worker started, all 64 done in %.1f s;"
                    + " rows equal the local engine's%n", doneAtKill, wall);
        } finally {
            for (ProcessHandle p : started) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
            }
        }
    }

    private Process startWorker(Map<String, String> env, String url, int n) throws IOException {
        return track(Jvm.start("256m", env, dir.resolve("worker-" + n + ".log"), "org.apache.spark.deploy.worker.Worker",
                "--host", "127.0.0.1", "--cores", "2", "--memory", "1g", "--webui-port", "0", "--work-dir",
                dir.resolve("work-" + n).toString(), url));
    }

    private Process track(Process p) {
        started.add(p.toHandle());
        return p;
    }

    private static long countStored(Path out) throws IOException {
        try (var s = Files.list(out.resolve(ResultStore.POINTS))) {
            return s.filter(p -> !p.getFileName().toString().startsWith(".")).count();
        }
    }

    private static boolean waitForPort(int port, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return true;
            } catch (IOException e) {
                Thread.sleep(200);
            }
        }
        return false;
    }

    private static String tail(String log) {
        return log.length() > 3000 ? log.substring(log.length() - 3000) : log;
    }
}
