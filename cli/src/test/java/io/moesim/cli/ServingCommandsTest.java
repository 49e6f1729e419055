package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The serving-benchmark flags of simulate (--offline, --max-num-tokens, --kv-fraction, file: lengths) and validate --serving. */
@Tag("slow")
class ServingCommandsTest {
    private static final ObjectMapper M = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void offlineRunEchoesItsEngineLimitsAndReportsTpot() throws Exception {
        Path lengths = tmp.resolve("lengths.txt");
        Files.writeString(lengths, "# L_in L_out weight\n128 16 1\n256 8 1\n");
        Path out = tmp.resolve("r.json");
        CliRunner.Outcome o = CliRunner.run("simulate", "--model", "olmoe-1b-7b", "--system", "h100x4", "--offline", "--requests", "12",
                "--lengths", "file:" + lengths, "--max-batch", "6", "--max-num-tokens", "512", "--kv-fraction", "0.9", "--cost-model", "roofline",
                "--json", out.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("TPOT"), o.out());
        JsonNode j = M.readTree(out.toFile());
        JsonNode c = j.get("config");
        assertEquals("offline", c.get("mode").asText());
        assertEquals(6, c.get("max_batch").asInt());
        assertEquals(512, c.get("token_budget").asInt());
        assertEquals(0.9, c.get("kv_fraction").asDouble());
        assertEquals(12, j.get("requests").asInt());
        for (String p : new String[] {"p50", "p90", "p99", "mean", "count"}) {
            assertTrue(j.get("tpot_ms").has(p), "tpot_ms." + p);
        }
        assertEquals(12, j.get("tpot_ms").get("count").asInt(), "every request has L_out >= 2");
    }

    /** A lengths file whose second line is not a length. */
    private String badLengths() {
        Path f = tmp.resolve("bad-lengths.txt");
        try {
            Files.writeString(f, "128 16\nabc 5\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return f.toString();
    }

    @Test
    void badServingFlagsAreOneLineAndExit2() {
        String[][] cases = {
            {"--offline", "--batch", "8", "|--offline queues every request at t=0"},
            {"--max-num-tokens", "0", "|--max-num-tokens must be > 0"},
            {"--kv-fraction", "1.5", "|--kv-fraction must be in (0, 1]"},
            {"--lengths", "file:" + tmp.resolve("missing.txt"), "|no such file"},
            {"--lengths", badLengths(), "|--lengths: " + tmp.resolve("bad-lengths.txt") + ":2: expected a length >= 1, got 'abc'"},
        };
        for (String[] c : cases) {
            String[] args = new String[c.length - 1 + 10];
            String[] base = {"simulate", "--model", "olmoe-1b-7b", "--system", "h100x4", "--requests", "4", "--cost-model", "roofline"};
            System.arraycopy(base, 0, args, 0, base.length);
            System.arraycopy(c, 0, args, base.length, c.length - 1);
            args = java.util.Arrays.stream(args).filter(java.util.Objects::nonNull).toArray(String[]::new);
            CliRunner.Outcome o = CliRunner.run(args);
            String want = c[c.length - 1].substring(1);
            assertEquals(2, o.code(), String.join(" ", args) + ": " + o.err());
            assertTrue(o.err().contains(want), o.err());
            assertEquals(1, o.err().strip().lines().count(), o.err());
        }
    }

    /**
     * validate --serving on a one-row set: the row's prediction is what simulate predicts for the same
     * settings given as flags, and its error is (predicted − measured) / measured.
     */
    @Test
    void validateServingReRunsTheRowAsSimulateWould() throws Exception {
        Path set = tmp.resolve("set.jsonl");
        Files.writeString(set, "{\"id\": \"olmoe-offline\", \"scenario\": \"offline\", \"framework\": \"trtllm\", \"model\": \"olmoe-1b-7b\", "
                + "\"dtype\": \"bf16\", \"system\": \"h100x1\", \"tp\": 1, \"requests\": 8, \"in\": 64, \"out\": 4, \"max_batch\": 4, "
                + "\"max_num_tokens\": 256, \"kv_fraction\": 0.9, \"measured\": {\"throughput_tokens_per_s\": 2000}, "
                + "\"source\": {\"url\": \"https://example.org\", \"table\": \"test\", \"date\": \"2026\"}}\n");
        Path rep = tmp.resolve("rep.json");
        CliRunner.Outcome o = CliRunner.run("validate", "--serving", "--measurements", set.toString(), "--json", rep.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("serving MAPE: throughput"), o.out());
        JsonNode j = M.readTree(rep.toFile());
        JsonNode row = j.get("rows").get(0);
        double predicted = row.get("predicted").get("throughput_tokens_per_s").asDouble();
        assertEquals(100 * (predicted - 2000) / 2000, row.get("error_pct").get("throughput").asDouble(), 1e-9);
        assertEquals(Math.abs(row.get("error_pct").get("throughput").asDouble()), j.get("mape_pct").get("throughput").asDouble(), 1e-9);
        assertTrue(j.get("mape_pct").get("ttft").isNull(), "no TTFT published");
        Path sim = tmp.resolve("sim.json");
        CliRunner.Outcome s = CliRunner.run("simulate", "--model", "olmoe-1b-7b", "--system", "h100x1", "--tp", "1", "--ep", "1", "--dtype", "bf16",
                "--offline", "--requests", "8", "--in", "64", "--out", "4", "--max-batch", "4", "--max-num-tokens", "256", "--kv-fraction", "0.9",
                "--json", sim.toString());
        assertEquals(0, s.code(), s.err());
        assertEquals(M.readTree(sim.toFile()).get("throughput_tokens_per_s").asDouble(), predicted, 1e-9);
    }

    @Test
    void validateServingBadInput() throws Exception {
        Path set = tmp.resolve("bad.jsonl");
        Files.writeString(set, "{\"id\": \"x\"}\n");
        CliRunner.Outcome o = CliRunner.run("validate", "--serving", "--measurements", set.toString());
        assertEquals(2, o.code());
        assertTrue(o.err().contains("bad.jsonl:1: scenario: expected a non-empty string"), o.err());
        CliRunner.Outcome only = CliRunner.run("validate", "--only", "x");
        assertEquals(2, only.code());
        assertTrue(only.err().contains("--only selects serving rows"), only.err());
        CliRunner.Outcome fit = CliRunner.run("validate", "--fit-engine");
        assertEquals(2, fit.code());
        assertTrue(fit.err().contains("--fit-engine fits the serving engine's costs: give it with --serving"), fit.err());
        assertEquals(1, fit.err().strip().lines().count(), fit.err());
    }

    /**
     * --leave-gpu-out on the set's four vLLM rows (one H100 calibration row to fit on): the figures fitted without H200 are
     * printed and written, and H200's two rows are reported at them and at the committed figures.
     */
    @Test
    void validateServingLeavesAGpuOut() throws Exception {
        Path rep = tmp.resolve("lgo.json");
        CliRunner.Outcome o = CliRunner.run("validate", "--serving", "--only", "vllm-latency", "--leave-gpu-out", "h200", "--json", rep.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("# h200 left out: every serving figure fitted on the calibration rows of h100 alone"), o.out());
        assertTrue(o.out().contains("h200's rows at the committed figures"), o.out());
        JsonNode j = M.readTree(rep.toFile());
        assertEquals("h200", j.get("left_out_gpu").asText());
        assertEquals("h100", j.get("fit_gpus").get(0).asText());
        assertEquals(1, j.get("fitted").get("engines").get("vllm").get("rows").asInt());
        assertTrue(j.get("fitted").has("serving_clock_fraction"));
        assertEquals(2, j.get("report").get("rows").size());
        for (JsonNode r : j.get("report").get("rows")) {
            assertTrue(r.get("system").asText().startsWith("h200"), r.toString());
        }
        assertEquals(2, j.get("committed").get("count").asInt());
        assertTrue(j.get("fitted").get("serving_clock_fraction").asDouble() > 0 && j.get("fitted").get("serving_clock_fraction").asDouble() <= 1);
        CliRunner.Outcome bad = CliRunner.run("validate", "--leave-gpu-out", "h200");
        assertEquals(2, bad.code());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());
        assertTrue(bad.err().contains("give it with --serving"), bad.err());
        CliRunner.Outcome unknown = CliRunner.run("validate", "--serving", "--only", "vllm-latency", "--leave-gpu-out", "H300");
        assertEquals(2, unknown.code());
        assertEquals("moesim: --leave-gpu-out H300: the rows run on h100, h200, not h300", unknown.err().strip());
    }

    /** --profiles-out rewrites a profile from the database fit and keeps its serving: block, which that fit does not own. */
    @Test
    void profilesOutKeepsTheServingBlock() throws Exception {
        String committed = new String(getClass().getResourceAsStream("/frameworks/trtllm.yaml").readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        String block = ValidateCommand.servingBlock(committed);
        assertTrue(block.startsWith("# Serving-engine figures"), block);
        assertTrue(block.contains("\nserving:\n") && block.contains("guaranteed_no_evict"), block);
        assertTrue(!block.contains("classes:") && !block.contains("custom_all_reduce"), "only the serving block: " + block);
        assertEquals("", ValidateCommand.servingBlock("name: x\nclasses:\n  gemm: {}\n"));
        assertEquals("serving:\n  a: 1\n", ValidateCommand.servingBlock("name: x\nserving:\n  a: 1\n"));
    }

    /** The report gives calibration, held-back and all rows apart (by_split), each row its split; old keys stay. */
    @Test
    void validateServingReportsTheSplits() throws Exception {
        Path set = tmp.resolve("split.jsonl");
        StringBuilder sb = new StringBuilder();
        for (String id : new String[] {"row-a", "row-b", "row-c", "row-d"}) {
            sb.append("{\"id\": \"").append(id).append("\", \"scenario\": \"offline\", \"framework\": \"trtllm\", \"model\": \"olmoe-1b-7b\", ")
                    .append("\"dtype\": \"bf16\", \"system\": \"h100x1\", \"tp\": 1, \"requests\": 4, \"in\": 32, \"out\": 2, \"max_batch\": 4, ")
                    .append("\"max_num_tokens\": 256, \"measured\": {\"throughput_tokens_per_s\": 2000}, ")
                    .append("\"source\": {\"url\": \"https://example.org\", \"table\": \"test\", \"date\": \"2026\"}}\n");
        }
        Files.writeString(set, sb.toString());
        Path rep = tmp.resolve("split.json");
        CliRunner.Outcome o = CliRunner.run("validate", "--serving", "--measurements", set.toString(), "--json", rep.toString());
        assertEquals(0, o.code(), o.err());
        JsonNode j = M.readTree(rep.toFile());
        JsonNode by = j.get("by_split");
        int cal = by.has("calibration") ? by.get("calibration").get("count").asInt() : 0;
        int held = by.has("held_back") ? by.get("held_back").get("count").asInt() : 0;
        assertEquals(4, cal + held);
        assertEquals(4, by.get("all").get("count").asInt());
        assertEquals(j.get("mape_pct").get("throughput").asDouble(), by.get("all").get("mape_pct_throughput").asDouble(), 1e-9);
        for (JsonNode row : j.get("rows")) {
            String want = io.moesim.validation.serving.ServingSplit.of(row.get("id").asText()).text();
            assertEquals(want, row.get("split").asText());
        }
        assertTrue(j.has("by_scenario") && j.has("mean_error_pct"), "the keys that were there stay");
        // every row on one H100: by_gpu has that GPU alone, with every row, and the text prints no GPU lines
        assertEquals(1, j.get("by_gpu").size());
        assertEquals(4, j.get("by_gpu").get("h100").get("count").asInt());
        assertTrue(!o.out().contains("  gpu h100"), o.out());
    }
}
