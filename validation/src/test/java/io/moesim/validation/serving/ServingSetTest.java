package io.moesim.validation.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.model.ModelZoo;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.Simulator;
import io.moesim.sim.metrics.SimulationResult;
import io.moesim.validation.trace.TraceException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServingSetTest {
    @TempDir
    Path tmp;

    private static final String SOURCE = "\"source\": {\"url\": \"u\", \"table\": \"t\", \"date\": \"d\"}";

    private static String row(String id, String extra) {
        return "{\"id\": \"" + id + "\", \"scenario\": \"offline\", \"framework\": \"trtllm\", \"model\": \"olmoe-1b-7b\", \"dtype\": \"bf16\", "
                + "\"system\": \"h100x1\", \"gpus\": 1, \"tp\": 1, \"ep\": 1, \"requests\": 6, \"in\": 64, \"out\": 4, \"max_batch\": 4, "
                + "\"max_num_tokens\": 256, \"kv_fraction\": 0.9, \"measured\": {\"throughput_tokens_per_s\": 1000}, " + SOURCE + extra + "}";
    }

    private Path file(String... lines) throws IOException {
        Path f = tmp.resolve("s.jsonl");
        Files.writeString(f, "# a comment\n\n" + String.join("\n", lines) + "\n");
        return f;
    }

    /** The committed set: every row parses, names a zoo model and a loadable system of tp x ep devices, and cites its table. */
    @Test
    void publishedSetIsComplete() {
        List<ServingRow> rows = ServingSet.read(ServingSet.published(Path.of("..")));
        // 38 rows since 2026-12-04 (issue 12): 34 TensorRT-LLM, 4 vLLM (2 H100 latency rows of build 9555 added); 104 since
        // 2026-12-07: the whole of TensorRT-LLM's online serving table (72 rows, 6 of them in the set before)
        assertEquals(104, rows.size(), "rows");
        assertEquals(100, rows.stream().filter(r -> r.framework().equals("trtllm")).count(), "TensorRT-LLM rows");
        assertEquals(4, rows.stream().filter(r -> r.framework().equals("vllm")).count(), "vLLM rows");
        // the rows written down but not admitted (not-admitted/, not read by the published set) still parse, each with its source
        List<ServingRow> out = ServingSet.read(Path.of("..", "traces", "published", "serving", "not-admitted"));
        assertEquals(4, out.size());
        assertTrue(out.stream().noneMatch(rows::contains), "a not-admitted row is not in the set");
        out.forEach(r -> assertTrue(r.source().url().startsWith("https://"), r.id()));
        for (ServingRow r : rows) {
            ModelZoo.resolve(r.model());
            SystemSpec s = Systems.load(r.system());
            assertEquals(r.tp() * r.ep(), s.devices(), r.id());
            assertTrue(r.source().url().startsWith("https://"), r.id());
            assertFalse(r.source().table().isBlank() || r.source().date().isBlank(), r.id());
            assertFalse(r.source().url().toLowerCase(java.util.Locale.ROOT).contains("mlperf") || r.source().table().contains("MLPerf"),
                    "MLPerf results are kept aside as an external check: " + r.id());
        }
        // the row the issue quotes: Mixtral-8x7B fp8, 2 x H100 (TP 2), 1000/1000, all requests queued
        ServingRow m = rows.stream().filter(r -> r.id().equals("trtllm-0.17-mixtral-8x7b-h100-tp2-1000-1000")).findFirst().orElseThrow();
        assertEquals(ServingRow.Scenario.OFFLINE, m.scenario());
        assertEquals(15770.89, m.measured().throughputTokensPerS());
        assertEquals(3000, m.requests());
    }

    /**
     * TensorRT-LLM's "Online Serving Measurements" table (v0.14, Triton backend) is in the set whole, not a chosen part of
     * it: every model, GPU, length pair and rate it gives (Llama 3.1 70B on 4 GPUs and 8B on one, H100 and H200, 467/256,
     * 467/16 and 202/214, QPS 2, 4, 8, 16, 32 and INF) is one row; INF (every request at once) is a closed loop of all 500.
     */
    @Test
    void theOnlineServingTableIsInTheSetWhole() {
        List<ServingRow> rows = ServingSet.read(ServingSet.published(Path.of(".."))).stream()
                .filter(r -> r.source().table().startsWith("Online Serving Measurements")).toList();
        assertEquals(72, rows.size());
        java.util.Set<String> cells = new java.util.HashSet<>();
        for (ServingRow r : rows) {
            String rate = r.scenario() == ServingRow.Scenario.SERVER ? String.valueOf((int) r.qps()) : "inf";
            if (r.scenario() == ServingRow.Scenario.CLOSED) {
                assertEquals(r.requests(), r.concurrency(), r.id() + ": INF sends every request at once");
            }
            assertEquals(500, r.requests(), r.id());
            assertTrue(cells.add(r.model() + "|" + r.system() + "|" + r.in() + "/" + r.out() + "|" + rate), r.id());
        }
        for (String model : List.of("llama-3-70b|h100x4", "llama-3-70b|h200x4", "llama-3-8b|h100x1", "llama-3-8b|h200x1")) {
            for (String len : List.of("467/256", "467/16", "202/214")) {
                for (String rate : List.of("2", "4", "8", "16", "32", "inf")) {
                    assertTrue(cells.contains(model + "|" + len + "|" + rate), model + " " + len + " " + rate);
                }
            }
        }
    }

    /** The request count per ISL/OSL pair of TensorRT-LLM's perf-overview pages ($num_requests), the same on v0.20 and v1.0. */
    static final java.util.Map<String, Integer> PAGE_REQUESTS = java.util.Map.of("128/128", 30000, "128/2048", 3000, "128/4096", 1500,
            "500/2000", 3000, "1000/1000", 3000, "1000/2000", 1500, "2048/128", 3000, "2048/2048", 1500, "5000/500", 1500, "20000/2000", 1000);

    /**
     * TensorRT-LLM's v1.0 throughput table (PyTorch backend) is checked whole, not a chosen part of it: every FP8 cell of its
     * dense Llama tables on H100 and H200 (Llama 3.1 8B TP 1 on both, Llama 3.3 70B TP 1 on H200 and TP 2 on H100, Llama 3.1
     * 405B TP 8 on both; ten ISL/OSL pairs each) is a row, 58 in the engine-left-out folder and the two 70B 1000/1000 cells in
     * the set, each with the request count the page gives for its lengths. (Its MoE tables name no EP degree, and B200 appears
     * at FP4 only, which moesim does not run.)
     */
    @Test
    void theV10ThroughputTableIsCheckedWhole() {
        List<ServingRow> out = ServingSet.read(ServingSet.engineLeftOut(Path.of(".."))).stream().filter(r -> r.frameworkVersion().equals("1.0")).toList();
        List<ServingRow> set = ServingSet.read(ServingSet.published(Path.of("..")));
        assertEquals(58, out.size());
        assertTrue(out.stream().noneMatch(r -> set.stream().anyMatch(x -> x.id().equals(r.id()))), "no row in both");
        List<ServingRow> v10 = new java.util.ArrayList<>(out);
        v10.addAll(set.stream().filter(r -> r.frameworkVersion().equals("1.0")).toList());
        java.util.Set<String> cells = new java.util.HashSet<>();
        for (ServingRow r : v10) {
            String len = r.in() + "/" + r.out();
            assertEquals(PAGE_REQUESTS.get(len), r.requests(), r.id());
            assertEquals(ServingRow.Scenario.OFFLINE, r.scenario(), r.id());
            assertEquals("fp8e4m3", r.dtype(), r.id());
            assertTrue(r.source().url().contains("00f37686aa854010d68bcbd0f4ab000221541ca6"), r.id());
            assertTrue(cells.add(r.model() + "|" + r.system() + "|" + len), r.id());
        }
        for (String col : List.of("llama-3-8b|h200x1", "llama-3-8b|h100x1", "llama-3-70b|h200x1", "llama-3-70b|h100x2", "llama-3-405b|h200x8",
                "llama-3-405b|h100x8")) {
            for (String len : PAGE_REQUESTS.keySet()) {
                assertTrue(cells.contains(col + "|" + len), col + " " + len);
            }
        }
        assertEquals(60, cells.size());
    }

    /**
     * The v0.20 page's throughput table (PyTorch backend) is checked whole too: every FP8 cell of its dense tables that has a
     * figure (Llama 3.1 8B TP 1 and Llama 3.1 405B TP 8 on H100 and H200, Llama 3.3 70B at TP 1, 2, 4 and 8 on both) but those
     * at 1024/2048, a length pair its table of request counts does not give: 95 rows, no cell twice, none in the set.
     */
    @Test
    void theV020ThroughputTableIsCheckedWhole() {
        List<ServingRow> rows = ServingSet.read(ServingSet.engineLeftOut(Path.of(".."))).stream().filter(r -> r.frameworkVersion().equals("0.20")).toList();
        assertEquals(95, rows.size());
        java.util.Map<String, Long> perColumn = new java.util.TreeMap<>();
        java.util.Set<String> cells = new java.util.HashSet<>();
        for (ServingRow r : rows) {
            assertTrue(cells.add(r.model() + "|" + r.system() + "|" + r.in() + "/" + r.out()), r.id());
            assertFalse(r.in() == 1024 && r.out() == 2048, r.id());
            assertTrue(r.source().url().contains("ab4143e1d3c82df550f0d5673090a8feee84c7bd") && r.note().contains("nvidia.github.io/TensorRT-LLM/0.20.0/"), r.id());
            assertEquals(PAGE_REQUESTS.get(r.in() + "/" + r.out()), r.requests(), r.id());
            perColumn.merge(r.model() + "|" + r.system(), 1L, Long::sum);
        }
        // the non-empty cells of each column, 1024/2048 aside, counted on the page by hand
        assertEquals(java.util.Map.ofEntries(java.util.Map.entry("llama-3-8b|h100x1", 9L), java.util.Map.entry("llama-3-8b|h200x1", 9L),
                java.util.Map.entry("llama-3-70b|h200x1", 9L), java.util.Map.entry("llama-3-70b|h200x2", 9L), java.util.Map.entry("llama-3-70b|h200x4", 9L),
                java.util.Map.entry("llama-3-70b|h200x8", 8L), java.util.Map.entry("llama-3-70b|h100x1", 5L), java.util.Map.entry("llama-3-70b|h100x2", 9L),
                java.util.Map.entry("llama-3-70b|h100x4", 8L), java.util.Map.entry("llama-3-70b|h100x8", 8L), java.util.Map.entry("llama-3-405b|h200x8", 7L),
                java.util.Map.entry("llama-3-405b|h100x8", 5L)), perColumn);
        assertTrue(ServingSet.read(ServingSet.published(Path.of(".."))).stream().noneMatch(r -> r.frameworkVersion().equals("0.20")));
    }

    /** A row names a harness of the file beside it, and one that drives its own framework's engine. */
    @Test
    void aRowsHarnessIsNamedBesideItAndDrivesItsFramework() throws IOException {
        Files.writeString(tmp.resolve("harnesses.json"), "{\"triton\": {\"framework\": \"vllm\", \"iteration_overhead_us\": {\"value\": 1},"
                + " \"per_sequence_us\": {\"value\": 1}, \"request_latency_ms\": {\"value\": 1}}}");
        Path f = file(row("a", ", \"harness\": \"triton\""));
        TraceException e = assertThrows(TraceException.class, () -> ServingSet.read(f));
        assertTrue(e.getMessage().endsWith("s.jsonl:3: harness: 'triton' drives vllm, not trtllm"), e.getMessage());
        Path g = file(row("a", ", \"harness\": \"tgi\""));
        e = assertThrows(TraceException.class, () -> ServingSet.read(g));
        assertTrue(e.getMessage().contains("harness: unknown 'tgi' (known: triton; named in " + tmp.toAbsolutePath().resolve("harnesses.json")),
                e.getMessage());
    }

    @Test
    void badRowsNameFileLineAndKey() throws IOException {
        String[][] cases = {
            {row("a", ", \"colour\": \"red\""), "s.jsonl:3: colour: unknown key"},
            {row("a", "").replace("\"offline\"", "\"online\""), "s.jsonl:3: scenario: unknown 'online'"},
            {row("a", "").replace("\"offline\"", "\"server\""), "s.jsonl:3: qps: a server row needs its arrival rate"},
            {row("a", "").replace("\"gpus\": 1", "\"gpus\": 2"), "s.jsonl:3: gpus: 2 is not tp x ep = 1"},
            {row("a", "").replace("\"kv_fraction\": 0.9", "\"kv_fraction\": 1.5"), "s.jsonl:3: kv_fraction: must be in (0, 1]"},
            {row("a", ", \"chunked_prefill\": \"yes\""), "s.jsonl:3: chunked_prefill: expected true or false"},
            {row("a", ", \"harness\": \"triton\""), "s.jsonl:3: harness: unknown 'triton' (known: none; named in "},
            {row("a", "").replace("\"requests\": 6", "\"requests\": 0"), "s.jsonl:3: requests: expected a whole number >= 1"},
            {row("a", "").replace(", " + SOURCE, ""), "s.jsonl:3: source: expected an object"},
            {row("a", "").replace("{\"throughput_tokens_per_s\": 1000}", "{\"throughput_tokens_per_s\": 1000, \"tpot_ms_mean\": 5, \"itl_ms_mean\": 5}"),
                "s.jsonl:3: measured: tpot_ms_mean (each request's mean, averaged) or itl_ms_mean (every gap pooled), not both"},
            {"{not json", "s.jsonl:3: not JSON"},
        };
        for (String[] c : cases) {
            TraceException e = assertThrows(TraceException.class, () -> ServingSet.read(file(c[0])), c[1]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
        TraceException dup = assertThrows(TraceException.class, () -> ServingSet.read(file(row("a", ""), row("a", ""))));
        assertTrue(dup.getMessage().contains("s.jsonl:4: duplicate id 'a'"), dup.getMessage());
    }

    /**
     * The harness runs a row as the request the row describes (offline, its lengths, engine limits and KV
     * fraction), and its errors are (predicted − measured) / measured, recomputed here by hand.
     */
    @Test
    void errorsAreRelativeToTheMeasurementAndTheRowRunsAsWritten() throws IOException {
        Path f = file(row("a", ""), row("b", "").replace("\"offline\"", "\"server\"").replace("\"requests\": 6",
                "\"requests\": 6, \"qps\": 50").replace("{\"throughput_tokens_per_s\": 1000}",
                "{\"throughput_tokens_per_s\": 100, \"ttft_ms_mean\": 20, \"tpot_ms_mean\": 5}"));
        List<ServingRow> rows = ServingSet.read(f);
        ServingReport rep = ServingValidation.run(rows, f.toString(), RooflineCostModel.INSTANCE, null);
        assertEquals(2, rep.rows().size());
        SystemSpec h = Systems.load("h100x1");
        SimulationResult direct = Simulator.simulate(SimulationRequest.builder("olmoe-1b-7b", "h100x1").offline().requests(6).lengths(64, 4)
                .maxBatch(4).tokenBudget(256).kvFraction(0.9).dtype("bf16").costModel(RooflineCostModel.INSTANCE).build(), h);
        ServingReport.Row a = rep.rows().get(0);
        assertTrue(a.predicted(), a.failure());
        assertEquals(direct.throughputTokensPerS(), a.throughput().getAsDouble(), 1e-9);
        assertEquals(100 * (direct.throughputTokensPerS() - 1000) / 1000, a.throughputErrorPct().getAsDouble(), 1e-9);
        assertTrue(a.ttftErrorPct().isEmpty() && a.tpotErrorPct().isEmpty(), "row a publishes throughput only");
        ServingReport.Row b = rep.rows().get(1);
        double e1 = a.throughputErrorPct().getAsDouble();
        double e2 = b.throughputErrorPct().getAsDouble();
        assertEquals((Math.abs(e1) + Math.abs(e2)) / 2, rep.mapePct(ServingReport.Row::throughputErrorPct).getAsDouble(), 1e-9);
        assertEquals((e1 + e2) / 2, rep.meanErrorPct(ServingReport.Row::throughputErrorPct).getAsDouble(), 1e-9);
        assertEquals(100 * (b.ttftMs().getAsDouble() - 20) / 20, rep.mapePct(ServingReport.Row::ttftErrorPct).getAsDouble() * Math.signum(
                b.ttftErrorPct().getAsDouble()), 1e-9);
        assertEquals(100 * (b.tpotMs().getAsDouble() - 5) / 5, b.tpotErrorPct().getAsDouble(), 1e-9);
        assertEquals(2L, rep.toJson().get("predicted"));
        assertEquals(Math.abs(e1), rep.only(ServingRow.Scenario.OFFLINE).mapePct(ServingReport.Row::throughputErrorPct).getAsDouble(), 1e-9);
        assertEquals(Math.abs(e2), rep.only(ServingRow.Scenario.SERVER).mapePct(ServingReport.Row::throughputErrorPct).getAsDouble(), 1e-9);
        assertTrue(((Map<?, ?>) rep.toJson().get("by_scenario")).keySet().containsAll(List.of("offline", "server")));
    }

    /**
     * The two ways a row publishes its time per output token, each compared with the prediction of its own definition. A run of
     * two requests, one of 2 tokens whose gap is 10 ms and one of 11 tokens whose 10 gaps are 20 ms: each request's TPOT
     * averaged is (10 + 20) / 2 = 15 ms, every gap pooled is (10 + 10 x 20) / 11 = 19.09 ms. A row publishing a mean ITL of 20 ms
     * is then 4.5% under (19.09 against 20), one publishing a mean TPOT of 20 ms 25% under.
     */
    @Test
    void aMeanItlIsComparedWithTheGapsPooledAndAMeanTpotWithTheRequestsMean() {
        double pooled = (10 + 10 * 20) / 11.0;
        ServingRow.Source src = new ServingRow.Source("u", "t", "d");
        ServingRow itl = new ServingRow("i", ServingRow.Scenario.SERVER, "trtllm", "", "llama-3-8b", "bf16", "h100x1", 1, 1, 2, 202, 214, 1, 0, 8,
                8192, 0.9, new ServingRow.Measured(100, java.util.OptionalDouble.empty(), java.util.OptionalDouble.empty(),
                        java.util.OptionalDouble.of(20)), src, "", "f", 1);
        ServingRow tpot = new ServingRow("t", ServingRow.Scenario.SERVER, "trtllm", "", "llama-3-8b", "bf16", "h100x1", 1, 1, 2, 202, 214, 1, 0, 8,
                8192, 0.9, new ServingRow.Measured(100, java.util.OptionalDouble.empty(), java.util.OptionalDouble.of(20)), src, "", "f", 1);
        java.util.function.Function<ServingRow, ServingReport.Row> predicted = r -> new ServingReport.Row(r, java.util.OptionalDouble.of(100),
                java.util.OptionalDouble.empty(), java.util.OptionalDouble.of(15), java.util.OptionalDouble.of(pooled), 0, 0, 0, "", 0, 0, 0, 0);
        assertEquals(100 * (pooled - 20) / 20, predicted.apply(itl).tpotErrorPct().getAsDouble(), 1e-9);
        assertEquals(-4.545, predicted.apply(itl).tpotErrorPct().getAsDouble(), 1e-3);
        assertEquals(-25, predicted.apply(tpot).tpotErrorPct().getAsDouble(), 1e-9);
        @SuppressWarnings("unchecked")
        Map<String, Object> json = (Map<String, Object>) ((List<?>) new ServingReport("s", "c", List.of(predicted.apply(itl))).toJson().get("rows")).get(0);
        assertEquals(20.0, ((Map<?, ?>) json.get("measured")).get("itl_ms_mean"));
        assertEquals(null, ((Map<?, ?>) json.get("measured")).get("tpot_ms_mean"));
        assertEquals(pooled, ((Map<?, ?>) json.get("predicted")).get("itl_ms_mean"));
        assertEquals(15.0, ((Map<?, ?>) json.get("predicted")).get("tpot_ms_mean"));
    }

    /** The online table publishes a mean ITL: its rows say so. */
    @Test
    void theOnlineTablesRowsPublishAMeanItl() {
        for (ServingRow r : ServingSet.read(ServingSet.published(Path.of("..")))) {
            boolean online = r.source().table().startsWith("Online Serving Measurements");
            assertEquals(online, r.measured().pooledGaps(), r.id());
            assertTrue(!online || r.measured().tpotMsMean().isEmpty() && r.measured().itlMsMean().isPresent(), r.id());
        }
    }

    @Test
    void aRowThatCannotRunIsReportedNotFatal() throws IOException {
        // tp x ep = 2 on a 1-device system
        Path f = file(row("a", "").replace("\"gpus\": 1, \"tp\": 1", "\"gpus\": 2, \"tp\": 2"));
        ServingReport rep = ServingValidation.run(ServingSet.read(f), f.toString(), RooflineCostModel.INSTANCE, null);
        assertFalse(rep.rows().get(0).predicted());
        assertTrue(rep.rows().get(0).failure().contains("tp x ep = 2 but system h100x1 has 1 devices"), rep.rows().get(0).failure());
        assertTrue(rep.mapePct(ServingReport.Row::throughputErrorPct).isEmpty());
    }
}
