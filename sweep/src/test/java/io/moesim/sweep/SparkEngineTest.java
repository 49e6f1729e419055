package io.moesim.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moesim.sweep.testing.Specs;
import io.moesim.sweep.testing.SyntheticEvaluatorFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Spark engine on local[2] gives the local engine's rows, byte for byte; and the engines' speed ratio. */
@Tag("slow")
class SparkEngineTest {
    @TempDir
    Path dir;

    private static SweepRequest req(Path spec, Path out, SweepRequest.Engine engine, int parallelism) {
        return new SweepRequest(spec, out, engine, "local[2]", parallelism, new SyntheticEvaluatorFactory(), Map.of());
    }

    @Test
    void sameRowsAsTheLocalEngineAndResumes() throws IOException {
        Path spec = Specs.write(dir, "grid.yaml", Specs.grid64(0).replace("sleep_ms: 0", "sleep_ms: 0\n  fail_a: 4"));
        SweepOutcome local = Sweeps.run(req(spec, dir.resolve("local"), SweepRequest.Engine.LOCAL, 2), SweepProgress.NONE);
        List<SweepProgress> seen = new ArrayList<>();
        SweepOutcome spark = Sweeps.run(req(spec, dir.resolve("spark"), SweepRequest.Engine.SPARK, 0), seen::add);
        assertEquals("spark local[2]", spark.engine());
        assertEquals(64, spark.evaluated());
        assertEquals(16, spark.failed());
        assertEquals(65, seen.size());
        assertEquals(64, seen.get(64).done());
        assertArrayEquals(Files.readAllBytes(local.csv()), Files.readAllBytes(spark.csv()));
        assertArrayEquals(Files.readAllBytes(local.parquet()), Files.readAllBytes(spark.parquet()));

        // Half the points stored by the local engine, the rest by Spark: still the same rows.
        Path mixed = dir.resolve("mixed");
        Sweeps.run(req(spec, mixed, SweepRequest.Engine.LOCAL, 2), SweepProgress.NONE);
        try (var s = Files.list(mixed.resolve(ResultStore.POINTS))) {
            for (Path p : s.sorted().toList().subList(0, 32)) {
                Files.delete(p);
            }
        }
        SweepOutcome rest = Sweeps.run(req(spec, mixed, SweepRequest.Engine.SPARK, 0), SweepProgress.NONE);
        assertEquals(32, rest.resumed());
        assertEquals(32, rest.evaluated());
        assertArrayEquals(Files.readAllBytes(local.csv()), Files.readAllBytes(rest.csv()));
    }

    /** An experiment on Spark: its rows (points with differing keys, empty cells) and tables equal the local engine's. */
    @Test
    void anExperimentOnSparkGivesTheLocalEnginesTables() throws IOException {
        String mixed = """
                  - name: mixed
                    title: Points with other keys
                    setups:
                      - name: M
                        base: {model: mixtral-8x7b, batch: 8}
                        roles:
                          gpu: {system: h100x4}
                          pim: {system: duplex-x4, tp: 2, ep: 2}
                        points: [{requests: 8}]
                """;
        ExperimentSpec e = ExperimentSpecs.parse(ExperimentsTest.EXPERIMENT.replace("figures:\n", mixed + "figures:\n"), "x.yaml", "x");
        assertEquals(6, Experiments.sweepSpec(e).points().size());
        ExperimentsTest.DIE_AFTER.set(-1);
        SweepRequest local = new SweepRequest(dir.resolve("x.yaml"), dir.resolve("elocal"), SweepRequest.Engine.LOCAL, null, 2,
                new ExperimentsTest.Counting(), Map.of());
        SweepRequest spark = new SweepRequest(dir.resolve("x.yaml"), dir.resolve("espark"), SweepRequest.Engine.SPARK, "local[2]", 0,
                new ExperimentsTest.Counting(), Map.of());
        ExperimentResults l = Experiments.run(e, local, SweepProgress.NONE);
        ExperimentResults s = Experiments.run(e, spark, SweepProgress.NONE);
        assertEquals("spark local[2]", s.outcome().engine());
        assertEquals(ExperimentReport.json(l), ExperimentReport.json(s));
        assertArrayEquals(Files.readAllBytes(l.outcome().csv()), Files.readAllBytes(s.outcome().csv()));
        assertArrayEquals(Files.readAllBytes(l.outcome().parquet()), Files.readAllBytes(s.outcome().parquet()));
    }

    /**
     * The measure for the issue note: points per second of each engine on the same 64-point sweep,
     * each point a fixed 50 ms of work (so the ratio shows the engines' overheads, not the evaluator).
     */
    @Test
    void pointsPerSecondLocalVersusSparkLocal2() throws IOException {
        Path spec = Specs.write(dir, "grid.yaml", Specs.grid64(50));
        SweepOutcome local = Sweeps.run(req(spec, dir.resolve("l"), SweepRequest.Engine.LOCAL, 2), SweepProgress.NONE);
        SweepOutcome spark = Sweeps.run(req(spec, dir.resolve("s"), SweepRequest.Engine.SPARK, 0), SweepProgress.NONE);
        assertArrayEquals(Files.readAllBytes(local.csv()), Files.readAllBytes(spark.csv()));
        System.out.printf("MEASURE sweep 64 points x 50 ms: local 2 threads %.2f points/s (%.2f s), spark local[2] %.2f points/s (%.2f s,"
                + " with context start), local/spark = %.2f%n", local.pointsPerSecond(), local.wallS(), spark.pointsPerSecond(), spark.wallS(),
                local.pointsPerSecond() / spark.pointsPerSecond());
    }
}
