package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** simulate --ep-mode: the ep.* keys, conservation of routed copies, one-line errors with exit 2. */
class WideEpCommandsTest {
    private static final String[] COMMON = {"simulate", "--model", "deepseek-v3", "--system", "h800x16", "--ep-mode", "ll", "--batch", "256",
        "--in", "1024", "--cost-model", "roofline"};
    private static final String[] PREFILL = {"simulate", "--model", "deepseek-v3", "--system", "h800x16", "--ep-mode", "normal", "--ep-phase", "prefill",
        "--batch", "32", "--in", "1000", "--cost-model", "roofline"};

    @Test
    void decodeOnTwoNodesWritesTheEpKeys(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("ep.json");
        CliRunner.Outcome o = CliRunner.run(concat(COMMON, "--eplb-slots", "16", "--micro-batches", "2", "--json", f.toString()));
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("DP 16 / EP 16 over 2 nodes, 16 per rank"), o.out());
        JsonNode j = new ObjectMapper().readTree(f.toFile());
        assertEquals("wide-ep", j.get("mode").asText());
        // 256 tokens x top-8 = 2048 copies out and back
        assertEquals(2048, j.get("ep.dispatched_copies").asLong());
        assertEquals(2048, j.get("ep.combined_copies").asLong());
        assertEquals(16, j.get("ep.redundant_slots").asInt());
        assertEquals(2, j.get("ep.nodes").asInt());
        assertTrue(j.get("ep.max_over_mean_load").asDouble() >= 1.0);
        double share = j.get("ep.dispatch_combine_share").asDouble();
        assertTrue(share >= 0 && share <= 1, "share " + share);
        // fp8 dispatch: 7168 bytes + 56 fp32 scales; bf16 combine
        assertEquals(7392, j.get("ep.dispatch_bytes_per_copy").asLong());
        assertEquals(14336, j.get("ep.combine_bytes_per_copy").asLong());
    }

    @Test
    void prefixHitsComputeTheRestAndCountInTheInputRate(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("p.json");
        CliRunner.Outcome o = CliRunner.run(concat(PREFILL, "--prefix-hit", "0.6", "--json", f.toString()));
        assertEquals(0, o.code(), o.err());
        JsonNode j = new ObjectMapper().readTree(f.toFile());
        // 2 prompts per rank, 400 of 1000 tokens computed each: 16 x 2 x 400 tokens, 8 copies each
        assertEquals(400, j.get("computed_prompt_tokens").asLong());
        assertEquals(12_800, j.get("ep.global_tokens").asLong());
        assertEquals(102_400, j.get("ep.dispatched_copies").asLong());
        double step = j.get("ep.step_ms").asDouble() / 1e3;
        // 32 prompts x 1000 tokens over the step and 2 nodes
        assertEquals(32 * 1000 / step / 2, j.get("ep.input_tokens_per_s_per_node_incl_hits").asDouble(), 1e-6);
        CliRunner.Outcome d = CliRunner.run(concat(COMMON, "--prefix-hit", "0.5"));
        assertEquals(2, d.code(), "prefix hits are a prefill figure: " + d.err());
    }

    @Test
    void mtpVerifiesKPlusOneRowsPerSequence(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.json");
        CliRunner.Outcome o = CliRunner.run(concat(COMMON, "--spec-k", "1", "--spec-accept", "0.85", "--json", f.toString()));
        assertEquals(0, o.code(), o.err());
        JsonNode j = new ObjectMapper().readTree(f.toFile());
        // 1 + 0.85 tokens per step; the verifier routes 256 x 2 rows x top-8
        assertEquals(1.85, j.get("ep.tokens_per_step_per_sequence").asDouble(), 1e-12);
        assertEquals(4096, j.get("ep.verify_dispatched_copies").asLong());
        double step = j.get("ep.step_ms").asDouble() / 1e3;
        assertEquals(j.get("ep.verify_ms").asDouble() + j.get("ep.propose_ms").asDouble(), j.get("ep.step_ms").asDouble(), 1e-9);
        assertEquals(256 * 1.85 / step / 2, j.get("ep.tokens_per_s_per_node").asDouble(), 1e-6);
        // the proposer is one MTP layer: a plain step over DeepSeek-V3's 61 layers
        assertEquals(j.get("ep.plain_step_ms").asDouble() / 61, j.get("ep.propose_ms").asDouble(), 1e-9);
        CliRunner.Outcome p = CliRunner.run(concat(PREFILL, "--spec-k", "1"));
        assertEquals(2, p.code(), "MTP is a decode figure: " + p.err());
    }

    @Test
    void aServingRunUnderWideEpWithDisaggregatedPools(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("s.json");
        String[] serve = {"simulate", "--model", "deepseek-v3", "--disagg", "h800x16:h800x16", "--dtype", "fp8e4m3", "--ep-mode", "normal:ll", "--qps", "50",
            "--requests", "24", "--in", "512", "--out", "6", "--cost-model", "roofline", "--json", f.toString()};
        JsonNode j = servedOnce(serve, f);
        assertEquals(16, j.get("config").get("decode_attn_dp").asInt());
        assertTrue(j.get("mfu").asDouble() > 0, "MFU from the iterations' FLOPs");
        assertTrue(j.get("ttft_ms").get("p50").asDouble() > 0 && j.get("tpot_ms").get("p50").asDouble() > 0);
        assertEquals(j.get("disaggregation").get("kv_bytes_sent").asLong(), j.get("disaggregation").get("kv_bytes_received").asLong());
        String[][] bad = {
            replace(serve, "normal:ll", "ll:normal:ll"),
            concat(serve, "--kv-fraction", "0.9"),
            concat(serve, "--spec-k", "1", "--spec-method", "draft:mixtral-8x7b"),
        };
        for (String[] a : bad) {
            exitsTwoInOneLine(a);
        }
    }

    /** Runs a serving run of 24 requests of 512 + 6 tokens under --ep-mode normal:ll; checks that every token was produced once. */
    private static JsonNode servedOnce(String[] serve, Path f) throws Exception {
        CliRunner.Outcome o = CliRunner.run(serve);
        assertEquals(0, o.code(), o.err());
        JsonNode j = new ObjectMapper().readTree(f.toFile());
        assertEquals(24 * 6, j.get("output_tokens").asLong(), "every request's tokens once");
        assertEquals(24 * 512, j.get("prompt_tokens").asLong());
        assertEquals("normal:ll", j.get("config").get("ep_mode").asText());
        return j;
    }

    /** Runs {@code a}, checks that it exits 2 with a one-line error, and returns the error. */
    private static String exitsTwoInOneLine(String[] a) {
        CliRunner.Outcome b = CliRunner.run(a);
        assertEquals(2, b.code(), String.join(" ", a) + ": " + b.err());
        assertEquals(1, b.err().strip().lines().count(), String.join(" ", a) + ": " + b.err());
        return b.err();
    }

    @Test
    void anAggregatedServingRunUnderWideEp(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("a.json");
        String[] serve = {"simulate", "--model", "deepseek-v3", "--system", "h800x16", "--dtype", "fp8e4m3", "--ep-mode", "auto", "--qps", "50",
            "--requests", "24", "--in", "512", "--out", "6", "--cost-model", "roofline", "--json", f.toString()};
        JsonNode j = servedOnce(serve, f); // auto: DeepEP's normal kernels for prefill, low-latency ones for decode
        assertEquals(16, j.get("config").get("attn_dp").asInt());
        assertEquals(16 * 2048, j.get("config").get("token_budget").asLong(), "the default budget without a framework, 2048, per DP rank");
        assertEquals(false, j.get("config").get("mixed_iterations").asBoolean());
        assertTrue(j.get("mfu").asDouble() > 0, "MFU from the iterations' FLOPs");
        // HBM bandwidth, dynamic energy, the roofline bound and link utilisation are all computed under wide EP
        assertEquals("", j.get("config").get("not_computed").asText(), j.get("config").toString());
        // link utilisation and link energy count the same dispatch/combine bytes (conservation): busy share x time x
        // devices x the link's rate gives each kind's bytes, and those bytes at the links' per-byte energies the link energy
        io.moesim.hw.SystemSpec h800 = io.moesim.hw.Systems.load("h800x16");
        io.moesim.sim.energy.EnergyConstants c = io.moesim.sim.energy.EnergyConstants.defaults();
        io.moesim.hw.LinkSpec nvlink = h800.intraNodeLink();
        io.moesim.hw.LinkSpec ib = h800.interNodeLink().orElseThrow();
        double seconds = j.get("simulated_s").asDouble();
        double intraBytes = j.get("link_utilization").get("intra_node").asDouble() * seconds * 16
                * nvlink.bandwidthPerDeviceGBps() * 1e9 * nvlink.bandwidthFraction();
        double interBytes = j.get("link_utilization").get("inter_node").asDouble() * seconds * 16
                * ib.bandwidthPerDeviceGBps() * 1e9 * ib.bandwidthFraction();
        assertTrue(intraBytes > 0 && interBytes > 0, intraBytes + " / " + interBytes + " bytes: two nodes use both links");
        double linkJ = (intraBytes * nvlink.energyPjPerByte().orElse(c.intraLinkPjPerByte()) + interBytes * ib.energyPjPerByte().orElse(c.interLinkPjPerByte()))
                * 1e-12;
        assertEquals(j.get("energy_j").get("link").asDouble(), linkJ, 1e-6 * linkJ, "link energy from the utilisation's bytes");
        assertTrue(j.get("hbm_bw_util").asDouble() > 0 && j.get("hbm_bw_util").asDouble() < 1, j.get("hbm_bw_util").toString());
        JsonNode e = j.get("energy_j");
        assertTrue(e.get("dram").asDouble() > 0 && e.get("logic").asDouble() > 0 && e.get("link").asDouble() > 0, e.toString());
        assertTrue(j.get("roofline_bound_s").asDouble() > 0 && j.get("roofline_bound_s").asDouble() <= j.get("simulated_s").asDouble(),
                j.get("roofline_bound_s") + " vs " + j.get("simulated_s"));
        String[][] refused = {
            concat(serve, "--offload", "host"),
            concat(serve, "--kv-fraction", "0.9"),
            concat(serve, "--spec-k", "1", "--spec-method", "draft:mixtral-8x7b"),
            concat(serve, "--trace", dir.resolve("t.json").toString()),
            concat(serve, "--tp", "8"),
        };
        String[] named = {"--offload", "--kv-fraction", "--spec-method", "--trace", "--tp"};
        for (int i = 0; i < refused.length; i++) {
            assertTrue(exitsTwoInOneLine(refused[i]).contains(named[i]), named[i]);
        }
        // 'off' keeps one pool of --disagg on its compiler layout: an aggregated instance, or both pools off, is refused
        String[] small = {"simulate", "--model", "olmoe-1b-7b", "--qps", "5", "--requests", "4", "--cost-model", "roofline"};
        assertTrue(exitsTwoInOneLine(concat(small, "--system", "h100x4", "--ep-mode", "off:ll")).contains("--ep-mode"));
        assertTrue(exitsTwoInOneLine(concat(small, "--disagg", "h100x4:h100x4", "--ep-mode", "off:off")).contains("--ep-mode"));
        // no timeline or HTML report of a wide-EP or disaggregated run yet: refused in one line naming the flags
        String report = dir.resolve("rep").toString();
        for (String[] a : new String[][] {concat(serve, "--report", report), concat(small, "--disagg", "h100x4:h100x4", "--ep-mode", "normal:ll",
            "--report", report), concat(small, "--disagg", "h100x4:h100x4", "--ep-mode", "normal:ll", "--trace", dir.resolve("d.json").toString()),
            {"simulate", "--model", "olmoe-1b-7b", "--system", "h100x4", "--ep-mode", "ll", "--report", report}}) {
            String err = exitsTwoInOneLine(a);
            assertTrue(err.contains("--trace and --report"), err);
        }
    }

    @Test
    void oneRequestsTtftIsThePrefillStepAndItsTpotTheDecodeStepOfOnePerRank(@TempDir Path dir) throws Exception {
        // one request on 16 ranks: the busiest rank holds it, each other rank is priced alike (one per rank: --batch 16);
        // no queue, no engine work under the roofline cost model; the decode context 513 rounds to 512 (5 significant bits)
        String[] base = {"simulate", "--model", "deepseek-v3", "--system", "h800x16", "--dtype", "fp8e4m3", "--cost-model", "roofline"};
        Path f = dir.resolve("one.json");
        CliRunner.Outcome o = CliRunner.run(concat(base, "--ep-mode", "normal:ll", "--qps", "1", "--requests", "1", "--in", "512", "--out", "2",
                "--json", f.toString()));
        assertEquals(0, o.code(), o.err());
        JsonNode j = new ObjectMapper().readTree(f.toFile());
        double prefill = stepMs(CliRunner.run(concat(base, "--ep-mode", "normal", "--ep-phase", "prefill", "--batch", "16", "--in", "512")));
        double decode = stepMs(CliRunner.run(concat(base, "--ep-mode", "ll", "--ep-phase", "decode", "--batch", "16", "--in", "512")));
        assertEquals(prefill, j.get("ttft_ms").get("p50").asDouble(), 0.0005, "TTFT = the prefill step (printed to 3 decimals)");
        assertEquals(decode, j.get("tpot_ms").get("p50").asDouble(), 0.0005, "TPOT = the decode step of one sequence per rank");
        assertEquals(2, j.get("iterations").asLong());
    }

    private static double stepMs(CliRunner.Outcome o) {
        assertEquals(0, o.code(), o.err());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("step\\s+([0-9.]+) ms").matcher(o.out());
        assertTrue(m.find(), o.out());
        return Double.parseDouble(m.group(1));
    }

    @Test
    void badInputIsOneLineAndExitTwo() {
        String[][] bad = {
            concat(COMMON, "--ep-phase", "mixed"),
            {"simulate", "--model", "deepseek-v3", "--system", "h800x16", "--ep-mode", "fast", "--batch", "256"},
            {"simulate", "--model", "deepseek-v3", "--system", "h800x16", "--ep-mode", "ll", "--batch", "100", "--cost-model", "roofline"},
            concat(COMMON, "--eplb-slots", "5"),
            concat(COMMON, "--attn-dp", "8", "--moe-ep", "16"),
            {"simulate", "--model", "deepseek-v3", "--system", "h800x16", "--ep-mode", "ll", "--moe-ep", "32", "--batch", "256", "--cost-model", "roofline"},
        };
        for (String[] a : bad) {
            CliRunner.Outcome o = CliRunner.run(a);
            assertEquals(2, o.code(), String.join(" ", a) + ": " + o.err());
            assertEquals(1, o.err().strip().lines().count(), String.join(" ", a) + ": " + o.err());
        }
    }

    private static String[] replace(String[] a, String from, String to) {
        String[] r = a.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] = r[i].equals(from) ? to : r[i];
        }
        return r;
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
