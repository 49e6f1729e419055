package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** simulate's deployment flags: --disagg and its pools, --kv-link, --prefix-hit, --spec-k, the SLA. */
class DeploymentCommandsTest {
    private static final ObjectMapper M = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void disaggregatedRunWithSpeculationAndPrefixCachingWritesItsSections() throws Exception {
        Path out = tmp.resolve("r.json");
        CliRunner.Outcome o = CliRunner.run("simulate", "--model", "olmoe-1b-7b", "--disagg", "h100x2:h100x2", "--prefill-pools", "1",
                "--decode-pools", "2", "--qps", "20", "--requests", "16", "--in", "256", "--out", "16", "--cost-model", "roofline",
                "--decode-parallel", "tp=1,pp=2", "--prefix-hit", "0.5", "--spec-k", "2", "--spec-accept", "0.8,0.6", "--sla-ttft-ms", "500", "--sla-tpot-ms", "50",
                "--json", out.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("pools") && o.out().contains("speculation") && o.out().contains("SLA"), o.out());
        JsonNode j = M.readTree(out.toFile());
        JsonNode d = j.get("disaggregation");
        assertEquals(2, d.get("decode_instances").asInt());
        assertEquals("nvlink4", d.get("kv_link").asText(), "6 H100s fit one node: NVLink");
        assertEquals(d.get("kv_bytes_sent").asLong(), d.get("kv_bytes_received").asLong());
        assertTrue(j.get("speculation").get("accepted_tokens").asLong() <= j.get("speculation").get("proposed_tokens").asLong());
        assertEquals(0.5, j.get("prefix_cache").get("hit_rate").asDouble());
        assertTrue(j.get("sla").has("goodput_requests_per_s"));
        assertEquals(16 * 16, j.get("output_tokens").asInt());
        assertEquals("h100x2:h100x2", j.get("config").get("disagg").asText());
        assertEquals(6, j.get("config").get("devices").asInt());
        assertEquals(2, j.get("config").get("decode_compile").get("attention_pp").asInt(), j.get("config").get("decode_compile").toString());
        assertEquals(1, j.get("config").get("decode_compile").get("attention_tp").asInt());
        assertEquals(2, j.get("config").get("prefill_compile").get("attention_tp").asInt(), "the prefill pool keeps the default: TP over its 2 devices");
    }

    @Test
    void aggregatedPrefixHitAndSlaAddSectionsToTheUsualResult() throws Exception {
        Path out = tmp.resolve("a.json");
        CliRunner.Outcome o = CliRunner.run("simulate", "--model", "olmoe-1b-7b", "--system", "h100x2", "--qps", "20", "--requests", "8",
                "--in", "256", "--out", "8", "--cost-model", "roofline", "--prefix-hit", "0.5", "--sla-ttft-ms", "500", "--json", out.toString());
        assertEquals(0, o.code(), o.err());
        JsonNode j = M.readTree(out.toFile());
        assertEquals(8 * 128, j.get("prompt_tokens").asInt(), "half of each 256-token prompt is a cache hit");
        assertTrue(j.get("sla").has("ttft_p90_met") && j.get("sla").has("goodput_requests_per_s"));
        assertEquals(0.5, j.get("config").get("prefix_hit").asDouble());
    }

    @Test
    void aggregatedSpeculationAddsItsSection() throws Exception {
        Path out = tmp.resolve("s.json");
        CliRunner.Outcome o = CliRunner.run("simulate", "--model", "olmoe-1b-7b", "--system", "h100x2", "--batch", "4", "--requests", "8",
                "--in", "64", "--out", "17", "--lengths", "fixed", "--cost-model", "roofline", "--spec-k", "3", "--spec-accept", "1",
                "--json", out.toString());
        assertEquals(0, o.code(), o.err());
        JsonNode j = M.readTree(out.toFile());
        assertEquals(8 * 17, j.get("output_tokens").asInt(), "every token once, none past L_out");
        JsonNode sp = j.get("speculation");
        // acceptance 1: the 16 tokens after the first come 4 per step: 4 steps per request, 3 accepted each
        assertEquals(8 * 4, sp.get("steps").asInt());
        assertEquals(8 * 4 * 3, sp.get("accepted_tokens").asInt());
        assertEquals(sp.get("proposed_tokens").asInt(), sp.get("accepted_tokens").asInt());
        assertEquals(4.0, sp.get("tokens_per_step").asDouble(), 1e-12);
        assertEquals("mtp k=3 acceptance=[1.0,1.0,1.0]", j.get("config").get("speculation").asText());
        assertTrue(o.out().contains("speculation     mtp k=3"), o.out());
        CliRunner.Outcome d = CliRunner.run("simulate", "--model", "olmoe-1b-7b", "--system", "h100x2", "--batch", "4", "--requests", "8",
                "--in", "64", "--out", "17", "--lengths", "fixed", "--cost-model", "roofline", "--spec-k", "2", "--spec-method", "draft:olmoe-1b-7b");
        assertEquals(0, d.code(), d.err());
        assertTrue(d.out().contains("speculation     draft k=2"), d.out());
    }

    @Test
    void badDeploymentFlagsAreOneLineAndExit2() {
        String[][] cases = {
            {"--system", "h100x2", "--disagg", "h100x2:h100x2", "|not both or neither"},
            {"--disagg", "h100x2", "|expected PREFILL_SYSTEM:DECODE_SYSTEM"},
            {"--disagg", "h100x2:nosuch", "|nosuch"},
            {"--system", "h100x2", "--decode-pools", "2", "|go with --disagg"},
            {"--disagg", "h100x2:h100x2", "--kv-link", "nosuch", "|nosuch"},
            {"--disagg", "h100x2:h100x2", "--kv-overlap", "sometimes", "|--kv-overlap"},
            {"--system", "h100x2", "--prefix-hit", "1", "|--prefix-hit must be in [0, 1)"},
            {"--disagg", "h100x2:h100x2", "--spec-k", "2", "--spec-accept", "0.5,x", "|not a number"},
            {"--disagg", "h100x2:h100x2", "--spec-k", "2", "--spec-accept", "0.5,0.4,0.3", "|one per proposed position"},
            {"--disagg", "h100x2:h100x2", "--spec-k", "2", "--spec-method", "draft:nosuch", "|nosuch"},
            {"--system", "h100x2", "--sla-ttft-ms", "-1", "|--sla-ttft-ms"},
            {"--disagg", "h100x2:h100x2", "--decode-parallel", "xx=2", "|--decode-parallel: expected K=N"},
            {"--disagg", "h100x2:h100x2", "--prefill-parallel", "tp=0", "|must be >= 1"},
            {"--system", "h100x2", "--prefill-parallel", "tp=2", "|go with --disagg"},
        };
        for (String[] c : cases) {
            String[] base = {"simulate", "--model", "olmoe-1b-7b", "--qps", "10", "--requests", "4", "--cost-model", "roofline"};
            String[] args = new String[base.length + c.length - 1];
            System.arraycopy(base, 0, args, 0, base.length);
            System.arraycopy(c, 0, args, base.length, c.length - 1);
            CliRunner.Outcome o = CliRunner.run(args);
            String want = c[c.length - 1].substring(1);
            assertEquals(2, o.code(), String.join(" ", args) + ": " + o.err());
            assertTrue(o.err().contains(want), String.join(" ", args) + ": " + o.err());
            assertEquals(1, o.err().strip().lines().count(), o.err());
        }
    }
}
