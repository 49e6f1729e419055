package io.moesim.sweep;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The committed example and a 64-point simulator sweep, on both engines: the same rows, and the speed ratio. */
class SimulatorSweepTest {
    @TempDir
    Path dir;

    @Test
    @Tag("slow")
    void theExampleRunsOnBothEnginesWithTheSameRows() throws Exception {
        Path spec = Path.of("examples/duplex-tsv-batch.yaml");
        SweepOutcome local = Sweeps.run(SweepRequest.local(spec, dir.resolve("local")).withParallelism(2), SweepProgress.NONE);
        assertEquals(12, local.total());
        assertEquals(0, local.failed(), Files.readString(local.csv()));
        SweepOutcome spark = Sweeps.run(SweepRequest.spark(spec, dir.resolve("spark"), "local[2]"), SweepProgress.NONE);
        assertArrayEquals(Files.readAllBytes(local.csv()), Files.readAllBytes(spark.csv()));
    }

    @Test
    @Tag("bench")
    void measurePointsPerSecondOn64SimulatorPoints() throws Exception {
        Path spec = dir.resolve("s64.yaml");
        Files.writeString(spec, """
                base:
                  model: mixtral-8x7b-v0.1
                  system: duplex-x4
                  workload: {requests: 16, input_len: 128, output_len: 16}
                axes:
                  duplex.logic_pim.tsv_multiplier: [1, 2, 4, 8]
                  batch: [4, 8, 16, 32]
                  placement: [coproc, opb, xpu-only, pim-only]
                metrics: [throughput_tokens_per_s, tbt_p99_ms, energy_j_per_token]
                """);
        // A first, discarded run warms the JIT, so that neither measured engine pays for it.
        Sweeps.run(SweepRequest.local(spec, dir.resolve("warm")).withParallelism(2), SweepProgress.NONE);
        SweepOutcome spark = Sweeps.run(SweepRequest.spark(spec, dir.resolve("spark"), "local[2]"), SweepProgress.NONE);
        SweepOutcome local = Sweeps.run(SweepRequest.local(spec, dir.resolve("local")).withParallelism(2), SweepProgress.NONE);
        assertEquals(64, local.total());
        assertArrayEquals(Files.readAllBytes(local.csv()), Files.readAllBytes(spark.csv()));
        System.out.printf("MEASURE simulator sweep 64 points (mixtral-8x7b on duplex-x4, 16 requests each, %d failed): local 2 threads %.2f points/s"
                + " (%.2f s), spark local[2] %.2f points/s (%.2f s, with context start), local/spark = %.2f%n", local.failed(),
                local.pointsPerSecond(), local.wallS(), spark.pointsPerSecond(), spark.wallS(), local.pointsPerSecond() / spark.pointsPerSecond());
    }
}
