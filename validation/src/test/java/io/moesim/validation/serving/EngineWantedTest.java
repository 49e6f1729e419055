package io.moesim.validation.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/**
 * The engine time per iteration an offline row would want (validate --serving's diagnostic of what a per-iteration engine
 * cost stands in for): (measured run time - kernel time) / iterations, from the run taken apart, by hand here.
 */
class EngineWantedTest {
    private static final List<ServingRow> ALL = ServingSet.read(ServingSet.published(Path.of("..")));

    /** A run of {@code simulatedS} with {@code engineS} of engine time in it, over 1,000 iterations. */
    private static ServingReport.Row run(ServingRow r, double simulatedS, double engineS, long outputTokens) {
        return run(r, simulatedS, engineS, outputTokens, 1000);
    }

    private static ServingReport.Row run(ServingRow r, double simulatedS, double engineS, long outputTokens, long iterations) {
        return new ServingReport.Row(r, OptionalDouble.of(outputTokens / simulatedS), OptionalDouble.empty(), OptionalDouble.empty(), 1, iterations, 0,
                "", simulatedS, outputTokens, 500_000, engineS);
    }

    @Test
    void aRowWantsWhatItsMeasuredTimeLeavesOverItsKernels() {
        ServingRow off = ALL.stream().filter(r -> r.scenario() == ServingRow.Scenario.OFFLINE && r.framework().equals("trtllm")).findFirst().orElseThrow();
        double measured = off.measured().throughputTokensPerS();
        // 120 s of measured run (outputs / measured throughput); a run of 110 s with 20 s of engine time: kernels 90 s, so the
        // row wants (120 - 90) / 1000 = 30 ms per iteration
        long outputs = Math.round(measured * 120);
        double tm = outputs / measured;
        ServingReport.Row row = run(off, 110, 20, outputs);
        assertEquals((tm - 90) / 1000, ServingFit.point(row).orElseThrow().wantedPerIterationS(), 1e-12);
        // kernels alone longer than the measured run: the row wants less than nothing
        assertTrue(ServingFit.point(run(off, 130, 5, outputs)).orElseThrow().wantedPerIterationS() < 0);
        // a server row identifies no engine cost, so it wants none
        ServingRow server = ALL.stream().filter(r -> r.scenario() == ServingRow.Scenario.SERVER).findFirst().orElseThrow();
        assertTrue(ServingFit.point(run(server, 110, 20, 1000)).isEmpty());
        // by model: the median of the rows' wants (here one row: 30 ms, and a second run of the same model wanting 10 ms)
        Map<String, ServingFit.Want> by = ServingFit.wantedByModel(new ServingReport("set", "none", List.of(row, run(off, 110, 0, outputs))));
        ServingFit.Want w = by.get(off.framework() + " " + off.model());
        assertEquals(2, w.rows());
        assertEquals(((tm - 90) / 1000 + (tm - 110) / 1000) / 2, w.medianPerIterationS(), 1e-12);
        // three rows: the middle one (wants of 30, 10 and -5 ms: 10)
        w = ServingFit.wantedByModel(new ServingReport("set", "none", List.of(row, run(off, 110, 0, outputs), run(off, 125, 0, outputs))))
                .get(off.framework() + " " + off.model());
        assertEquals(3, w.rows());
        assertEquals((tm - 110) / 1000, w.medianPerIterationS(), 1e-12);
        // a run of no iterations wants nothing per iteration: no point
        assertTrue(ServingFit.point(run(off, 110, 20, outputs, 0)).isEmpty());
        // the JSON row gives the want in us, rounded to 0.1 us; a server row has no such key
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> json = (List<Map<String, Object>>) new ServingReport("set", "none",
                List.of(row, run(server, 110, 20, 1000))).toJson().get("rows");
        assertEquals(Math.round((tm - 90) / 1000 * 1e7) / 10.0, (Double) json.get(0).get("engine_wanted_us_per_iteration"), 1e-9);
        assertTrue(!json.get(1).containsKey("engine_wanted_us_per_iteration"));
    }
}
