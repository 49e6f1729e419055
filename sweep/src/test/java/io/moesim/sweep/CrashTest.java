package io.moesim.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.sweep.testing.Jvm;
import io.moesim.sweep.testing.Specs;
import io.moesim.sweep.testing.SyntheticEvaluatorFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kill -9 of a sweep mid-run, then a restart: no point lost, none redone, the rows of an uninterrupted run. */
@Tag("slow")
class CrashTest {
    @TempDir
    Path dir;

    private static long stored(Path out) throws IOException {
        Path pts = out.resolve(ResultStore.POINTS);
        if (!Files.isDirectory(pts)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(pts)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json") && !p.getFileName().toString().startsWith(".")).count();
        }
    }

    @Test
    void killedMidRunThenRestartedLosesNothing() throws Exception {
        Path spec = Specs.write(dir, "grid.yaml", Specs.grid64(60));
        Path out = dir.resolve("out");
        Process child = Jvm.start("256m", Map.of(), dir.resolve("child.log"), "io.moesim.sweep.testing.SweepMain", spec.toString(),
                out.toString(), "2");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (stored(out) < 20 && child.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertTrue(child.isAlive(), "the child finished before it could be killed: " + Files.readString(dir.resolve("child.log")));
        child.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no finally blocks
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertEquals(137, child.exitValue(), "killed by signal 9");
        long atKill = stored(out);
        assertTrue(atKill >= 20 && atKill < 64, "points stored at the kill: " + atKill);
        assertTrue(!Files.exists(out.resolve(Sweeps.CSV)));

        SweepOutcome resumed = Sweeps.run(new SweepRequest(spec, out, SweepRequest.Engine.LOCAL, null, 2, new SyntheticEvaluatorFactory(),
                Map.of()), SweepProgress.NONE);
        assertEquals(atKill, resumed.resumed());
        assertEquals(64 - atKill, resumed.evaluated());
        assertEquals(64, stored(out));

        SweepOutcome clean = Sweeps.run(new SweepRequest(spec, dir.resolve("clean"), SweepRequest.Engine.LOCAL, null, 2,
                new SyntheticEvaluatorFactory(), Map.of()), SweepProgress.NONE);
        assertArrayEquals(Files.readAllBytes(clean.csv()), Files.readAllBytes(resumed.csv()));
        assertArrayEquals(Files.readAllBytes(clean.parquet()), Files.readAllBytes(resumed.parquet()));
        System.out.printf("MEASURE crash test: 64 points, %d stored when killed with SIGKILL, %d evaluated after the restart, %d in all;"
                + " rows equal an uninterrupted run's (CSV and Parquet byte for byte)%n", atKill, resumed.evaluated(), stored(out));
    }
}
