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

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
