package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("slow")
class ModelCommandsTest {
    private static final ObjectMapper M = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void modelShowJsonHasPinnedKeys() throws Exception {
        CliRunner.Outcome o = CliRunner.run("model", "show", "mixtral-8x7b", "--json");
        assertEquals(0, o.code(), o.err());
        JsonNode j = M.readTree(o.out());
        for (String k : new String[] {"name", "layers", "hidden", "experts", "top_k", "params_total", "params_active"}) {
            assertTrue(j.has(k), "missing " + k);
        }
        assertEquals(32, j.get("layers").asInt());
        assertEquals(8, j.get("experts").asInt());
        // published: 46.7B total, 12.9B active (Mistral AI)
        assertEquals(46.7e9, j.get("params_total").asDouble(), 46.7e9 * 0.02);
        assertEquals(12.9e9, j.get("params_active").asDouble(), 12.9e9 * 0.02);
    }

    /** Qwen3-Next's config imports (its linear layers shown only for a hybrid model); DeepSeek-V3.2 shows its indexer. */
    @Test
    void modelShowHybridAndSparseFamilies() throws Exception {
        CliRunner.Outcome o = CliRunner.run("model", "show", "../ir/src/test/resources/hf/qwen3-next-80b-a3b.json", "--json");
        assertEquals(0, o.code(), o.err());
        JsonNode j = M.readTree(o.out());
        assertEquals(36, j.get("linear_attention_layers").asInt());
        assertEquals(32, j.get("linear_value_heads").asInt());
        assertTrue(j.get("attention_output_gate").asBoolean());
        assertEquals(79_674_286_848L, j.get("params_total").asLong());
        CliRunner.Outcome d = CliRunner.run("model", "show", "../ir/src/test/resources/hf/deepseek-v3.2.json", "--json");
        assertEquals(0, d.code(), d.err());
        JsonNode v = M.readTree(d.out());
        assertEquals(2048, v.get("index_topk").asInt());
        assertFalse(v.has("linear_attention_layers"));
        assertFalse(M.readTree(CliRunner.run("model", "show", "mixtral-8x7b", "--json").out()).has("index_topk"));
    }

    @Test
    void modelsListsTheZoo() {
        CliRunner.Outcome o = CliRunner.run("models");
        assertEquals(0, o.code(), o.err());
        for (String n : new String[] {"Mixtral-8x7B", "DeepSeek-V3", "Qwen3-30B-A3B", "GLaM", "Grok-1", "Llama-3-70B"}) {
            assertTrue(o.out().contains(n), n);
        }
    }

    @Test
    void graphThenCheckRoundTrips() throws Exception {
        Path f = tmp.resolve("g.moeir");
        CliRunner.Outcome g = CliRunner.run("graph", "--model", "qwen3-30b-a3b", "--phase", "mixed", "--batch", "16", "--seq", "128",
                "--kv-len", "512", "--routing", "zipf:1.2", "--seed", "7", "-o", f.toString());
        assertEquals(0, g.code(), g.err());
        CliRunner.Outcome c = CliRunner.run("check", f.toString());
        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().contains("verified OK"), c.out());
        assertTrue(c.out().contains("expert_ffn"), c.out());
        // the same options and seed print the same graph
        CliRunner.Outcome again = CliRunner.run("graph", "--model", "qwen3-30b-a3b", "--phase", "mixed", "--batch", "16", "--seq", "128",
                "--kv-len", "512", "--routing", "zipf:1.2", "--seed", "7");
        assertEquals(Files.readString(f), again.out());
    }

    @Test
    void badInputsAreOneLineExit2() throws Exception {
        Path bad = tmp.resolve("bad.moeir");
        Files.writeString(bad, "graph @g(%x: bf16[4,8]) {\n  %y = matmul(%x) {k=9, n=4, wdtype=bf16} : bf16[4,4]\n  return %y\n}\n");
        String[][] cases = {
            {"model", "show", "mixtral-9x9b"},
            {"graph", "--model", "nope"},
            {"graph", "--model", "mixtral", "--routing", "zipf:abc"},
            {"graph", "--model", "mixtral", "--phase", "train"},
            {"graph", "--model", "mixtral", "--batch", "0"},
            {"graph", "--model", "mixtral", "--dtype", "fp7"},
            {"check", bad.toString()},
            {"check", tmp.resolve("missing.moeir").toString()},
            {"model", "show", tmp.resolve("config.json").toString()},
        };
        String[] expect = {"unknown model 'mixtral-9x9b'", "unknown model 'nope'", "zipf", "unknown phase 'train'", "--batch", "fp7",
            "bad.moeir:2:", "no such file", "config.json"};
        for (int i = 0; i < cases.length; i++) {
            CliRunner.Outcome o = CliRunner.run(cases[i]);
            assertEquals(2, o.code(), String.join(" ", cases[i]) + " -> " + o.err());
            assertTrue(o.err().contains(expect[i]), String.join(" ", cases[i]) + " -> " + o.err());
            assertEquals(1, o.err().strip().split("\n").length, o.err());
            assertFalse(o.err().contains("Exception"), o.err());
        }
    }

    @Test
    void rooflinePlacesDuplexDecodeAsThePaper() throws Exception {
        CliRunner.Outcome o = CliRunner.run("roofline", "--model", "mixtral-8x7b", "--system", "duplex-x4", "--phase", "decode", "--batch", "64",
                "--json");
        assertEquals(0, o.code(), o.err());
        JsonNode j = M.readTree(o.out());
        int checked = 0;
        for (JsonNode op : j.get("ops")) {
            String kind = op.get("kind").asText();
            String best = op.get("best").asText();
            if (kind.equals("expert_ffn") || kind.equals("attention")) {
                assertEquals("logic_pim", best, kind);
                checked++;
            } else if (kind.equals("matmul")) {
                assertEquals("xpu", best, op.get("op").asText());
                checked++;
            }
        }
        assertTrue(checked >= 4);
    }

    @Test
    void demoRunsTheMainJob() throws Exception {
        Path out = tmp.resolve("demo-out");
        CliRunner.Outcome o = CliRunner.run("demo", "-o", out.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("expert_ffn"), o.out());
        assertTrue(o.out().contains("Op/B"), o.out());
        // the comparison table has every system at every batch, and the report is written
        for (String b : new String[] {"32", "64", "128"}) {
            assertTrue(o.out().lines().anyMatch(l -> l.trim().startsWith(b + " ") && l.contains("duplex-x4")), b);
        }
        assertTrue(Files.exists(out.resolve("index.html")));
        assertTrue(Files.exists(out.resolve("timeline.json")));
    }

    @Test
    void exportFirrtlWritesAHeaderedFile() throws Exception {
        Path f = tmp.resolve("pim.fir");
        CliRunner.Outcome o = CliRunner.run("export-firrtl", "--block", "pim-gemm", "--target", "duplex", "-o", f.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(Files.readString(f).startsWith("FIRRTL version 4."));
        Path g = tmp.resolve("none.fir");
        CliRunner.Outcome bad = CliRunner.run("export-firrtl", "--block", "pim-gemm", "--target", "h100", "-o", g.toString());
        assertEquals(2, bad.code());
        assertFalse(Files.exists(g), "nothing half-written");
    }
}
