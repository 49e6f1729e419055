package io.moesim.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An experiment on the sweep engine: its rows pair up into ratios, and a rerun after a partial run evaluates only what is missing. */
@Tag("fast")
class ExperimentsTest {
    @TempDir
    Path dir;

    /** Evaluations so far, and after how many this JVM's runs "die" (an Error, as a kill would stop them); -1 never. */
    static final AtomicInteger EVALUATIONS = new AtomicInteger();
    static final AtomicInteger DIE_AFTER = new AtomicInteger(-1);

    /**
     * A stand-in simulator with closed-form metrics: throughput = batch x (4 on duplex-x4, 1 on h100x4),
     * energy per token = 1 / throughput. So PIM / GPU = 4 for every configuration, and the energy saving 1 - 1/4 = 75%.
     */
    static final class Counting implements EvaluatorFactory {
        private static final long serialVersionUID = 1L;

        @Override
        public PointEvaluator create(SweepSpec spec) {
            return axes -> {
                if (DIE_AFTER.get() >= 0 && EVALUATIONS.get() >= DIE_AFTER.get()) {
                    throw new KilledError();
                }
                EVALUATIONS.incrementAndGet();
                double speed = axes.get("system").equals("duplex-x4") ? 4 : 1;
                double thr = ((Long) axes.get("batch")) * speed;
                return Map.of("throughput_tokens_per_s", thr, "energy_j_per_token", 1 / thr);
            };
        }
    }

    static final class KilledError extends Error {
        private static final long serialVersionUID = 1L;
    }

    static final String EXPERIMENT = ExperimentSpecsTest.GOOD.replace("      - {name: speedup, metric: throughput_tokens_per_s, numerator: pim, denominator: gpu}\n",
            "      - {name: speedup, metric: throughput_tokens_per_s, numerator: pim, denominator: gpu}\n"
            + "      - {name: energy, metric: energy_j_per_token, numerator: pim, denominator: gpu, saving: true}\n");

    private SweepRequest request(Path out) {
        return new SweepRequest(dir.resolve("x.yaml"), out, SweepRequest.Engine.LOCAL, null, 1, new Counting(), Map.of());
    }

    @Test
    void rowsPairUpIntoRatiosAndAResumeEvaluatesOnlyWhatIsMissing() throws Exception {
        ExperimentSpec e = ExperimentSpecs.parse(EXPERIMENT, "x.yaml", "x");
        Path out = dir.resolve("out");
        EVALUATIONS.set(0);
        DIE_AFTER.set(3); // the fourth run "dies" with the process: three runs are stored
        assertThrows(KilledError.class, () -> Experiments.run(e, request(out), p -> { }));
        assertEquals(3, EVALUATIONS.get());
        try (var s = Files.list(out.resolve(ResultStore.POINTS))) {
            assertEquals(3, s.count());
        }

        DIE_AFTER.set(-1);
        EVALUATIONS.set(0);
        ExperimentResults r = Experiments.run(e, request(out), p -> { });
        assertEquals(1, EVALUATIONS.get(), "2 configurations x 2 roles = 4 runs, 3 stored: one evaluated");
        assertEquals(3, r.outcome().resumed());
        assertEquals(1, r.outcome().evaluated());
        assertEquals(4, r.runs());

        List<ExperimentResults.Row> rows = r.rows(e.study("thr"));
        assertEquals(2, rows.size());
        assertEquals(32.0, rows.get(0).role("gpu").get("throughput_tokens_per_s"));
        assertEquals(128.0, rows.get(0).role("pim").get("throughput_tokens_per_s"));
        assertEquals(256.0, rows.get(1).role("pim").get("throughput_tokens_per_s"));
        for (ExperimentResults.Row row : rows) {
            assertEquals(4.0, row.ratio("speedup"), 1e-12);
            assertEquals(0.75, row.ratio("energy"), 1e-12);
        }
        assertEquals(4.0, r.value(e.figure("mean")), 1e-12);

        // a third run evaluates nothing, and the tables are the same bytes
        EVALUATIONS.set(0);
        ExperimentResults again = Experiments.run(e, request(out), p -> { });
        assertEquals(0, EVALUATIONS.get());
        assertEquals(ExperimentReport.markdown(r), ExperimentReport.markdown(again));
        assertEquals(ExperimentReport.json(r), ExperimentReport.json(again));
        String md = ExperimentReport.markdown(r);
        assertTrue(md.contains("| PIM / GPU, average | 2.0x | 4.00x | mean of thr.speedup | Fig. 9 |"), md);
        // the sweep's CSV has a row per distinct run, readable by the sweep report
        List<String> csv = Files.readAllLines(out.resolve(Sweeps.CSV));
        assertEquals(5, csv.size());
    }

    @Test
    void anExperimentInAnotherSweepsFolderIsRefused() throws Exception {
        ExperimentSpec e = ExperimentSpecs.parse(EXPERIMENT, "x.yaml", "x");
        Path out = dir.resolve("out2");
        DIE_AFTER.set(-1);
        Experiments.run(e, request(out), p -> { });
        ExperimentSpec other = ExperimentSpecs.parse(EXPERIMENT.replace("batch: [32, 64]", "batch: [32, 128]"), "x.yaml", "x");
        SweepException ex = assertThrows(SweepException.class, () -> Experiments.run(other, request(out), p -> { }));
        assertTrue(ex.getMessage().contains("holds results of a different sweep spec"), ex.getMessage());
    }
}
