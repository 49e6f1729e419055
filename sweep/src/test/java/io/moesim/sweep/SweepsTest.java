package io.moesim.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.sweep.testing.Specs;
import io.moesim.sweep.testing.SyntheticEvaluatorFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("slow")
class SweepsTest {
    @TempDir
    Path dir;

    private SweepRequest request(Path spec, Path out, int threads) {
        return new SweepRequest(spec, out, SweepRequest.Engine.LOCAL, null, threads, new SyntheticEvaluatorFactory(), Map.of());
    }

    @Test
    void localSweepWritesSortedRowsAndReportsProgress() throws IOException {
        Path spec = Specs.write(dir, "grid.yaml", Specs.grid64(0));
        List<SweepProgress> seen = new ArrayList<>();
        SweepOutcome o = Sweeps.run(request(spec, dir.resolve("out"), 4), seen::add);
        assertEquals(64, o.total());
        assertEquals(64, o.evaluated());
        assertEquals(0, o.resumed());
        assertEquals(65, seen.size());
        assertEquals(0, seen.get(0).done());
        assertTrue(seen.get(0).etaS().isEmpty());
        for (int i = 1; i < seen.size(); i++) {
            assertEquals(i, seen.get(i).done());
            assertEquals(64, seen.get(i).total());
            assertTrue(seen.get(i).etaS().isPresent());
        }
        assertEquals(0.0, seen.get(64).etaS().getAsDouble());

        List<String> lines = Files.readAllLines(o.csv());
        assertEquals(65, lines.size());
        assertEquals("index,id,a,b,c,throughput,latency_ms,energy,error", lines.get(0));
        assertTrue(lines.get(1).startsWith("0," + PointSet.expand(SweepSpecs.read(spec)).get(0).id() + ",1,0.5,x,"), lines.get(1));
        assertTrue(lines.get(2).contains(",\"y,z\","), lines.get(2));
        for (int i = 1; i < lines.size(); i++) {
            assertTrue(lines.get(i).startsWith((i - 1) + ","));
            assertTrue(lines.get(i).endsWith(","), "no error");
        }
        assertTrue(Files.size(o.parquet()) > 0);
        try (Stream<Path> s = Files.list(dir.resolve("out").resolve(ResultStore.POINTS))) {
            assertEquals(64, s.count());
        }
    }

    @Test
    void rowsDoNotDependOnThreadCount() throws IOException {
        Path spec = Specs.write(dir, "grid.yaml", Specs.grid64(0));
        SweepOutcome one = Sweeps.run(request(spec, dir.resolve("one"), 1), SweepProgress.NONE);
        SweepOutcome four = Sweeps.run(request(spec, dir.resolve("four"), 4), SweepProgress.NONE);
        assertArrayEquals(Files.readAllBytes(one.csv()), Files.readAllBytes(four.csv()));
        assertArrayEquals(Files.readAllBytes(one.parquet()), Files.readAllBytes(four.parquet()));
    }

    @Test
    void resumeSkipsStoredPointsAndRecomputesOnlyMissingOnes() throws IOException {
        Path spec = Specs.write(dir, "grid.yaml", Specs.grid64(0));
        Path out = dir.resolve("out");
        SweepOutcome first = Sweeps.run(request(spec, out, 2), SweepProgress.NONE);
        byte[] csv = Files.readAllBytes(first.csv());

        SweepOutcome again = Sweeps.run(request(spec, out, 2), SweepProgress.NONE);
        assertEquals(64, again.resumed());
        assertEquals(0, again.evaluated());
        assertArrayEquals(csv, Files.readAllBytes(again.csv()));

        // As after a kill: some points missing, a half-written temporary left behind.
        List<Path> files;
        try (Stream<Path> s = Files.list(out.resolve(ResultStore.POINTS))) {
            files = s.sorted().toList();
        }
        for (int i = 0; i < 10; i++) {
            Files.delete(files.get(i * 5));
        }
        Files.writeString(out.resolve(ResultStore.POINTS).resolve(".tmp-0000003-x.json-1-1"), "{\"ind");
        Files.delete(first.csv());
        List<SweepProgress> seen = new ArrayList<>();
        SweepOutcome resumed = Sweeps.run(request(spec, out, 2), seen::add);
        assertEquals(54, resumed.resumed());
        assertEquals(10, resumed.evaluated());
        assertEquals(54, seen.get(0).done());
        assertEquals(54, seen.get(0).resumed());
        assertArrayEquals(csv, Files.readAllBytes(resumed.csv()));
        try (Stream<Path> s = Files.list(out.resolve(ResultStore.POINTS))) {
            assertEquals(64, s.count(), "the temporary is gone");
        }
    }

    @Test
    void aChangedSpecIsRefused() throws IOException {
        Path spec = Specs.write(dir, "grid.yaml", Specs.grid64(0));
        Path out = dir.resolve("out");
        Sweeps.run(request(spec, out, 2), SweepProgress.NONE);
        Path changed = Specs.write(dir, "grid2.yaml", Specs.grid64(0).replace("[1, 2, 3, 4]", "[1, 2, 3, 5]"));
        SweepException e = assertThrows(SweepException.class, () -> Sweeps.run(request(changed, out, 2), SweepProgress.NONE));
        assertTrue(e.getMessage().startsWith(out + " holds results of a different sweep spec (" + spec + ", fingerprint "), e.getMessage());
        assertTrue(e.getMessage().endsWith("give a new output folder, or the same spec to resume"), e.getMessage());
    }

    @Test
    void aFolderThatIsNotASweepsIsRefused() throws IOException {
        Path spec = Specs.write(dir, "grid.yaml", Specs.grid64(0));
        Path out = Files.createDirectories(dir.resolve("out"));
        Files.writeString(out.resolve("notes.txt"), "mine");
        SweepException e = assertThrows(SweepException.class, () -> Sweeps.run(request(spec, out, 2), SweepProgress.NONE));
        assertTrue(e.getMessage().contains("is not a sweep's output"), e.getMessage());
    }

    @Test
    void aSecondLiveRunIntoTheSameFolderIsRefused() throws IOException {
        Path spec = Specs.write(dir, "grid.yaml", Specs.grid64(0));
        SweepSpec s = SweepSpecs.read(spec);
        try (ResultStore held = ResultStore.open(dir.resolve("out"), s, 64)) {
            SweepException e = assertThrows(SweepException.class, () -> Sweeps.run(request(spec, dir.resolve("out"), 2), SweepProgress.NONE));
            assertTrue(e.getMessage().endsWith("another sweep is writing into this folder right now"), e.getMessage());
            assertEquals(dir.resolve("out"), held.folder());
        }
    }

    @Test
    void failedPointsAreRowsWithTheirReason() throws IOException {
        Path spec = Specs.write(dir, "grid.yaml", Specs.grid64(0).replace("sleep_ms: 0", "sleep_ms: 0\n  fail_a: 3"));
        SweepOutcome o = Sweeps.run(request(spec, dir.resolve("out"), 2), SweepProgress.NONE);
        assertEquals(16, o.failed());
        List<String> lines = Files.readAllLines(o.csv());
        long failedRows = lines.stream().filter(l -> l.endsWith(",,,,a=3 is infeasible")).count();
        assertEquals(16, failedRows);
        // Failures are stored: a rerun does not retry them.
        assertEquals(64, Sweeps.run(request(spec, dir.resolve("out"), 2), SweepProgress.NONE).resumed());
    }

    @Test
    void missingMetricFailsThePointWithAClearReason() throws IOException {
        Path spec = Specs.write(dir, "grid.yaml", Specs.grid64(0).replace("[throughput, latency_ms, energy]", "[throughput, watts]"));
        SweepOutcome o = Sweeps.run(request(spec, dir.resolve("out"), 2), SweepProgress.NONE);
        assertEquals(64, o.failed());
        assertTrue(Files.readAllLines(o.csv()).get(1).endsWith(",\"the evaluator gave no metric 'watts' (it gave energy, latency_ms, throughput)\""));
    }

    @Test
    void noMetricsKeepsAllSorted() throws IOException {
        Path spec = Specs.write(dir, "grid.yaml", Specs.grid64(0).replace("metrics: [throughput, latency_ms, energy]\n", ""));
        SweepOutcome o = Sweeps.run(request(spec, dir.resolve("out"), 2), SweepProgress.NONE);
        assertEquals("index,id,a,b,c,energy,latency_ms,throughput,error", Files.readAllLines(o.csv()).get(0));
    }

    @Test
    void sparkMissingGivesTheOneLineHint() {
        assertEquals(false, Engines.sparkAvailable(ClassLoader.getPlatformClassLoader()));
        assertEquals(true, Engines.sparkAvailable(Engines.class.getClassLoader()));
        assertEquals("the Spark engine needs Spark on the classpath: run through bin/moesim, which adds it", Engines.NO_SPARK);
    }
}
