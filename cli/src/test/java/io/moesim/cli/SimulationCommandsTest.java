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

/** The pinned command lines and JSON keys of compile, op, simulate and compare (contracts with users' scripts). */
@Tag("slow")
class SimulationCommandsTest {
    private static final ObjectMapper M = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void compileWritesAPlanWithPinnedKeys() throws Exception {
        Path plan = tmp.resolve("plan.json");
        CliRunner.Outcome o = CliRunner.run("compile", "--model", "mixtral-8x7b", "--system", "duplex-x4", "--phase", "decode", "--batch", "64",
                "--cost-model", "roofline", "-o", plan.toString());
        assertEquals(0, o.code(), o.err());
        JsonNode j = M.readTree(plan.toFile());
        for (String k : new String[] {"schema_version", "system", "model", "tasks", "memory"}) {
            assertTrue(j.has(k), k);
        }
        JsonNode t = j.get("tasks").get(0);
        for (String k : new String[] {"id", "op", "processor", "device", "deps", "flops", "bytes"}) {
            assertTrue(t.has(k), "task key " + k);
        }
        assertEquals(4, j.get("memory").size());
        // deterministic: the same command writes the same bytes
        Path again = tmp.resolve("again.json");
        CliRunner.run("compile", "--model", "mixtral-8x7b", "--system", "duplex-x4", "--phase", "decode", "--batch", "64", "--cost-model", "roofline",
                "-o", again.toString());
        assertEquals(Files.readString(plan), Files.readString(again));
    }

    @Test
    void compileThatDoesNotFitIsExit2AndWritesNothing() {
        Path plan = tmp.resolve("no.json");
        CliRunner.Outcome o = CliRunner.run("compile", "--model", "deepseek-v3", "--system", "h100x4", "--phase", "decode", "--batch", "64",
                "--cost-model", "roofline", "-o", plan.toString());
        assertEquals(2, o.code(), o.out());
        assertTrue(o.err().contains("does not fit"), o.err());
        assertFalse(Files.exists(plan));
    }

    @Test
    void opJsonHasPinnedKeys() throws Exception {
        String[][] cases = {
            {"op", "matmul", "m=256", "n=4096", "k=4096", "dtype=bf16", "--target", "h100", "--json"},
            {"op", "attention", "batch=8", "heads=32", "kv_heads=8", "head_dim=128", "q_len=1", "kv_len=2048", "causal=true", "dtype=bf16",
                "--target", "duplex", "--json"},
            {"op", "memcpy", "bytes=64M", "--target", "mi300x", "--json"},
            {"op", "all-to-all", "bytes=16M", "devices=8", "--system", "mi300x8", "--json"},
        };
        for (String[] c : cases) {
            CliRunner.Outcome o = CliRunner.run(c);
            assertEquals(0, o.code(), String.join(" ", c) + ": " + o.err());
            JsonNode j = M.readTree(o.out());
            for (String k : new String[] {"latency_us", "flops", "bytes", "op_per_byte", "achieved_tflops", "achieved_GBps", "roofline_us", "bound",
                "processor"}) {
                assertTrue(j.has(k), String.join(" ", c) + " lacks " + k);
            }
            // the simulated time is never below the roofline bound
            assertTrue(j.get("latency_us").asDouble() >= j.get("roofline_us").asDouble() * (1 - 1e-9), o.out());
        }
    }

    /**
     * A collective under a framework profile: its framework time is as NCCL runs it (the built-in library's figures: a 64 MiB
     * shard all-gather on 8 GPUs is Simple's base plus 7 x 64 MiB at its share of 450 GB/s), beside the link model's
     * latency_us; ideal gives the link model again.
     */
    @Test
    void opCollectivesTakeTheFrameworksLibrary() throws Exception {
        CliRunner.Outcome o = CliRunner.run("op", "all-gather", "bytes=64M", "devices=8", "--system", "h100x8", "--framework", "vllm", "--json");
        assertEquals(0, o.code(), o.err());
        JsonNode j = M.readTree(o.out());
        io.moesim.hw.NcclModel n = io.moesim.hw.NcclModel.load("nccl");
        double want = n.simple().baseUs() + 7.0 * (64 << 20) / (n.simple().bandwidthFraction() * 450e3);
        assertEquals("vllm", j.get("framework").asText());
        assertEquals("nccl-simple", j.get("framework_algorithm").asText());
        assertEquals(want, j.get("framework_latency_us").asDouble(), 1e-3);
        JsonNode ideal = M.readTree(CliRunner.run("op", "all-gather", "bytes=64M", "devices=8", "--system", "h100x8", "--framework", "ideal", "--json").out());
        assertEquals(ideal.get("latency_us").asDouble(), ideal.get("framework_latency_us").asDouble(), 1e-9);
    }

    /**
     * {@code op --load sustained}: a compute-bound GEMM (2 x 16384^3 fp8 FLOP, about 6 ms on the matrix engines against well
     * under 1 ms of operand traffic) runs at the target's serving clock (the spec's clock times its serving clock fraction), so
     * its framework time less its quantise is the burst time's over the fraction, within 1%; the quantise before it, a
     * memory-bound kernel, is unchanged; the kernel model alone ({@code ideal}) keeps its clock, as a serving run does.
     */
    @Test
    void opUnderSustainedLoadRunsAtTheServingClock() throws Exception {
        String[] gemm = {"op", "matmul", "m=16384", "n=16384", "k=16384", "dtype=fp8e4m3", "--target", "h100", "--framework", "trtllm", "--json"};
        JsonNode burst = M.readTree(CliRunner.run(gemm).out());
        CliRunner.Outcome o = CliRunner.run(concat(gemm, "--load", "sustained"));
        assertEquals(0, o.code(), o.err());
        JsonNode loaded = M.readTree(o.out());
        double fraction = io.moesim.hw.Targets.load("h100").primary().servingClockFraction().orElseThrow();
        assertEquals("burst", burst.get("load").asText());
        assertEquals("sustained", loaded.get("load").asText());
        io.moesim.hw.ProcessorSpec gpu = io.moesim.hw.Targets.load("h100").primary();
        assertEquals(gpu.sustainedClockMHz().orElse(gpu.clockMHz()) * fraction, loaded.get("serving_clock_MHz").asDouble(), 1e-9);
        double gemmLoaded = loaded.get("framework_latency_us").asDouble() - loaded.get("framework_quantize_us").asDouble();
        double gemmBurst = burst.get("framework_latency_us").asDouble() - burst.get("framework_quantize_us").asDouble();
        assertEquals(1 / fraction, gemmLoaded / gemmBurst, 0.01 / fraction);
        assertEquals(burst.get("framework_quantize_us").asDouble(), loaded.get("framework_quantize_us").asDouble(), 1e-6 * burst.get("framework_quantize_us").asDouble());
        // the kernel model's own latency_us is the datasheet model's in both
        assertEquals(burst.get("latency_us").asDouble(), loaded.get("latency_us").asDouble(), 1e-9);
        String[] ideal = {"op", "matmul", "m=16384", "n=16384", "k=16384", "dtype=fp8e4m3", "--target", "h100", "--framework", "ideal", "--json"};
        JsonNode idealLoaded = M.readTree(CliRunner.run(concat(ideal, "--load", "sustained")).out());
        assertEquals("burst", idealLoaded.get("load").asText());
        assertEquals(M.readTree(CliRunner.run(ideal).out()).get("framework_latency_us").asDouble(), idealLoaded.get("framework_latency_us").asDouble(), 1e-9);
        CliRunner.Outcome bad = CliRunner.run(concat(gemm, "--load", "heavy"));
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--load must be burst or sustained, got 'heavy'"), bad.err());
    }

    @Test
    void opBadKeysAreExit2() {
        CliRunner.Outcome o = CliRunner.run("op", "matmul", "m=256", "n=4096", "dtype=bf16", "--target", "h100");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("k"), o.err());
        CliRunner.Outcome c = CliRunner.run("op", "all-reduce", "bytes=1M", "devices=8", "--target", "h100");
        assertEquals(2, c.code());
        assertTrue(c.err().contains("--system"), c.err());
    }

    @Test
    void simulateJsonHasPinnedKeysAndIsDeterministic() throws Exception {
        Path a = tmp.resolve("a.json");
        Path b = tmp.resolve("b.json");
        String[] args = {"simulate", "--model", "olmoe-1b-7b", "--system", "h100x4", "--batch", "8", "--requests", "16", "--in", "128", "--out", "32",
            "--lengths", "gaussian:0.2", "--seed", "3", "--cost-model", "roofline", "--json"};
        CliRunner.Outcome o = CliRunner.run(concat(args, a.toString()));
        assertEquals(0, o.code(), o.err());
        CliRunner.run(concat(args, b.toString()));
        JsonNode j = M.readTree(a.toFile());
        for (String k : new String[] {"throughput_tokens_per_s", "requests_per_s", "ttft_ms", "tbt_ms", "e2e_ms", "utilization", "energy_j_per_token",
            "sim_wall_s"}) {
            assertTrue(j.has(k), k);
        }
        for (String k : new String[] {"ttft_ms", "tbt_ms", "e2e_ms"}) {
            for (String p : new String[] {"p50", "p90", "p99"}) {
                assertTrue(j.get(k).has(p), k + "." + p);
            }
        }
        // byte-identical apart from the wall time
        assertEquals(withoutWall(Files.readString(a)), withoutWall(Files.readString(b)));
    }

    /**
     * {@code --poisson-gaps numpy}: the run's arrivals are numpy's seed-0 gaps, the first request at t = 0, so the 100th request
     * arrives at numpy's {@code np.random.seed(0); np.random.exponential(2.0, 99).sum()} = 183.72026956036 s (at 0.5 req/s) and
     * the run ends within a second after; it is echoed, and a default run echoes nothing. Without --qps, with a bad name or a
     * seed numpy refuses, it is exit 2 with one line naming the flag.
     */
    @Test
    void poissonGapsAreChosenEchoedAndChecked() throws Exception {
        Path a = tmp.resolve("pg.json");
        String[] args = {"simulate", "--model", "olmoe-1b-7b", "--system", "h100x4", "--qps", "0.5", "--requests", "100", "--in", "64", "--out", "4",
            "--seed", "0", "--cost-model", "roofline", "--poisson-gaps", "numpy"};
        CliRunner.Outcome o = CliRunner.run(concat(concat(args, "--json"), a.toString()));
        assertEquals(0, o.code(), o.err());
        JsonNode j = M.readTree(a.toFile());
        assertEquals("numpy", j.get("config").get("poisson_gaps").asText());
        double span = 183.72026956036;
        double simulated = j.get("simulated_s").asDouble();
        assertTrue(simulated >= span - 1e-6 && simulated < span + 1, simulated + " vs the last arrival at " + span);
        Path d = tmp.resolve("pg-default.json");
        assertEquals(0, CliRunner.run(concat(concat(java.util.Arrays.copyOf(args, args.length - 2), "--json"), d.toString())).code());
        assertTrue(M.readTree(d.toFile()).get("config").get("poisson_gaps") == null, "a run on moesim's own gaps echoes no key");
        for (String[] wrong : new String[][] {{"--batch", "4", "--poisson-gaps", "numpy"}, {"--offline", "--poisson-gaps", "moesim"},
            {"--qps", "1", "--poisson-gaps", "scipy"}, {"--qps", "1", "--poisson-gaps", "numpy", "--seed", "-1"}}) {
            String[] cmd = {"simulate", "--model", "olmoe-1b-7b", "--system", "h100x4", "--requests", "4", "--cost-model", "roofline"};
            for (String w : wrong) {
                cmd = concat(cmd, w);
            }
            CliRunner.Outcome bad = CliRunner.run(cmd);
            assertEquals(2, bad.code(), String.join(" ", wrong) + ": " + bad.err());
            assertTrue((bad.err().contains("--poisson-gaps") || bad.err().contains("--seed")) && bad.err().strip().lines().count() == 1,
                    bad.err());
        }
    }

    /** {@code --lengths lognormal:S} runs, is echoed as written, and a bad spread is one line naming the flag, exit 2. */
    @Test
    void logNormalLengthsAreEchoedAndABadSpreadIsExit2() throws Exception {
        Path a = tmp.resolve("ln.json");
        String[] args = {"simulate", "--model", "olmoe-1b-7b", "--system", "h100x4", "--batch", "8", "--requests", "16", "--in", "128", "--out", "32",
            "--seed", "3", "--cost-model", "roofline"};
        CliRunner.Outcome o = CliRunner.run(concat(concat(concat(concat(args, "--lengths"), "lognormal:0.45"), "--json"), a.toString()));
        assertEquals(0, o.code(), o.err());
        assertEquals("lognormal:0.45", M.readTree(a.toFile()).get("config").get("lengths").asText());
        CliRunner.Outcome bad = CliRunner.run(concat(concat(args, "--lengths"), "lognormal:wide"));
        assertEquals(2, bad.code());
        assertTrue(bad.err().startsWith("moesim: --lengths: ") && bad.err().contains("expected lognormal:SPREAD") && bad.err().strip().lines().count() == 1,
                bad.err());
    }

    @Test
    void iterationModelIsChosenEchoedAndChecked() throws Exception {
        String[] args = {"simulate", "--model", "olmoe-1b-7b", "--system", "h100x4", "--qps", "20", "--requests", "16", "--in", "128", "--out",
            "32", "--lengths", "gaussian:0.2", "--seed", "3", "--cost-model", "roofline"};
        Path exact = tmp.resolve("exact.json");
        Path fast = tmp.resolve("fast.json");
        assertEquals(0, CliRunner.run(concat(concat(args, "--json"), exact.toString())).code());
        CliRunner.Outcome o = CliRunner.run(concat(concat(concat(concat(args, "--iteration-model"), "fast"), "--json"), fast.toString()));
        assertEquals(0, o.code(), o.err());
        assertEquals("exact", M.readTree(exact.toFile()).get("config").get("iteration_model").asText(), "the default");
        JsonNode f = M.readTree(fast.toFile());
        assertEquals("fast", f.get("config").get("iteration_model").asText());
        assertTrue(f.get("caches").has("simulated"));
        assertEquals(M.readTree(exact.toFile()).get("output_tokens").asLong(), f.get("output_tokens").asLong());
        CliRunner.Outcome bad = CliRunner.run(concat(concat(args, "--iteration-model"), "quick"));
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--iteration-model"), bad.err());
    }

    @Test
    void compareRatiosAreToTheFirstSystem() throws Exception {
        Path out = tmp.resolve("c.json");
        CliRunner.Outcome o = CliRunner.run("compare", "--model", "olmoe-1b-7b", "--systems", "h100x4,duplex-x4", "--batch", "8", "--requests", "16",
                "--in", "128", "--out", "32", "--cost-model", "roofline", "--json", out.toString());
        assertEquals(0, o.code(), o.err());
        JsonNode rows = M.readTree(out.toFile()).get("rows");
        assertEquals(1.0, rows.get(0).get("throughput_ratio").asDouble(), 1e-12);
        double ratio = rows.get(1).get("throughput_tokens_per_s").asDouble() / rows.get(0).get("throughput_tokens_per_s").asDouble();
        assertEquals(ratio, rows.get(1).get("throughput_ratio").asDouble(), 1e-9);
    }

    private static String[] concat(String[] a, String... more) {
        String[] r = java.util.Arrays.copyOf(a, a.length + more.length);
        System.arraycopy(more, 0, r, a.length, more.length);
        return r;
    }

    private static String withoutWall(String json) {
        return json.replaceAll("\"sim_wall_s\"\\s*:\\s*[0-9.eE+-]+", "");
    }
}
