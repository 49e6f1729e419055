package io.moesim.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.moesim.sim.energy.EnergyBreakdown;
import io.moesim.sim.metrics.LatencyStats;
import io.moesim.sim.metrics.ResultJson;
import io.moesim.sim.metrics.ResultSchema;
import io.moesim.sim.metrics.SimulationResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** One result schema: the flat form (sweep rows), the JSON form and their readers agree on every figure. */
@Tag("fast")
class ResultSchemaTest {
    /** A result whose every figure is distinct, so a figure read from the wrong place shows. */
    static SimulationResult result() {
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("model", "m");
        config.put("system", "s");
        config.put("mode", "closed");
        config.put("batch", 8);
        return new SimulationResult(config, 2.5, 64, 16384, 32768, 520, 3, 8090.5, 31.25, new LatencyStats(64, 11, 12, 13, 14, 15),
                new LatencyStats(6400, 21, 22, 23, 24, 25), new LatencyStats(64, 31, 32, 33, 34, 35), new LatencyStats(64, 41, 42, 43, 44, 45),
                Map.of("xpu", 0.71), Map.of("intra_node", 0.12), 0.16, 0.88, 0.173, new EnergyBreakdown(1, 2, 3, 4, 5), 1.25, 9000, 100000,
                Map.of("hits", 3L), OptionalDouble.of(13.5));
    }

    @Test
    void theFlatFormHasTheSweepColumnsInOrderWithTheirFigures() {
        Map<String, Double> flat = ResultSchema.flat(result());
        // the sweep's columns as they were before the schema (SimulatorEvaluator.metrics), written out here by hand
        List<String> columns = List.of("throughput_tokens_per_s", "requests_per_s", "simulated_s", "requests_completed", "output_tokens",
                "prompt_tokens", "iterations", "preemptions", "ttft_mean_ms", "ttft_p50_ms", "ttft_p90_ms", "ttft_p99_ms", "ttft_max_ms",
                "tbt_mean_ms", "tbt_p50_ms", "tbt_p90_ms", "tbt_p99_ms", "tbt_max_ms", "e2e_mean_ms", "e2e_p50_ms", "e2e_p90_ms", "e2e_p99_ms",
                "e2e_max_ms", "util_xpu", "link_util_intra_node", "mfu", "hbm_bw_util", "energy_j_per_token", "energy_total_j",
                "roofline_bound_s", "peak_kv_tokens", "kv_capacity_tokens");
        assertEquals(columns, new ArrayList<>(flat.keySet()));
        // LatencyStats(count, mean, p50, p90, p99, max)
        assertEquals(11.0, flat.get("ttft_mean_ms"));
        assertEquals(12.0, flat.get("ttft_p50_ms"));
        assertEquals(25.0, flat.get("tbt_max_ms"));
        assertEquals(34.0, flat.get("e2e_p99_ms"));
        assertEquals(15.0, flat.get("energy_total_j")); // 1 + 2 + 3 + 4 + 5
        assertEquals(64.0, flat.get("requests_completed"));
        for (String c : columns) {
            assertTrue(ResultSchema.isMetric(c) && SweepCsv.isMetric(c), c);
        }
        for (String axis : List.of("batch", "duplex.logic_pim.tsv_multiplier", "placement", "seed", "index", "id", "error")) {
            assertTrue(!SweepCsv.isMetric(axis), axis);
        }
    }

    @Test
    void theJsonFormCarriesTheSameFiguresAndReadsBack() throws Exception {
        SimulationResult r = result();
        JsonNode root = new ObjectMapper().readTree(ResultJson.toJson(r));
        Map<String, Double> flat = ResultSchema.flat(r);
        assertEquals(flat.get("throughput_tokens_per_s"), root.get(ResultSchema.THROUGHPUT).asDouble());
        assertEquals(flat.get("requests_completed"), root.get(ResultSchema.JSON_REQUESTS).asDouble());
        assertEquals(flat.get("energy_total_j"), root.get(ResultSchema.ENERGY_J).get("total").asDouble());
        assertEquals(flat.get("util_xpu"), root.get(ResultSchema.UTILIZATION).get("xpu").asDouble());
        for (ResultSchema.Latency l : ResultSchema.Latency.values()) {
            if (l.inFlatForm()) {
                for (String stat : ResultSchema.FLAT_STATS) {
                    assertEquals(flat.get(l.column(stat)), root.get(l.jsonKey()).get(stat).asDouble(), l + " " + stat);
                }
            }
        }
        assertEquals(44.0, root.get("tpot_ms").get("p99").asDouble());
        assertEquals(13.5, root.get(ResultSchema.SIM_WALL_S).asDouble());
        RunSummary s = RunJson.parse("r.json", root);
        assertEquals(8090.5, s.throughputTokensPerS());
        assertEquals(22.0, s.tbt().p50Ms());
    }
}
