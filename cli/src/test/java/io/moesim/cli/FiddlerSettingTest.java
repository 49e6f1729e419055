package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fiddler's setting (docs/compressed-and-offloaded-experts.md): uncompressed Mixtral-8x7B, one request at a time, a
 * 24 GB GPU budget, host DRAM of a two-socket Skylake-SP over PCIe 3.0 x16 (tiers/host-pcie3-skylake.yaml).
 */
class FiddlerSettingTest {
    /** One Mixtral expert: 3 matrices of 4096 x 14336 bf16 weights. */
    private static final double EXPERT_BYTES = 3.0 * 4096 * 14336 * 2;

    @Test
    void everyPolicyStaysUnderItsPrintedBoundAndTheCpuPolicyPaysForEveryExpertItReads(@TempDir Path dir) throws Exception {
        Map<String, JsonNode> runs = new HashMap<>();
        // the doc's what-if (the same tier with the CPU reading experts at 60 GB/s) runs as "cpu60"
        String whatIf = Path.of("..", "docs", "examples", "tier-fiddler-env1-cpu60.yaml").toString();
        for (String p : new String[] {"cpu", "ondemand", "lru", "cpu60"}) {
            Path json = dir.resolve(p + ".json");
            String tier = p.equals("cpu60") ? whatIf : "host-pcie3-skylake";
            String policy = p.equals("cpu60") ? "cpu" : p;
            CliRunner.Outcome o = CliRunner.run("simulate", "--model", "mixtral-8x7b", "--system", "h100x1", "--batch", "1", "--requests", "2",
                    "--in", "32", "--out", "64", "--hbm-budget", "24GB", "--offload", tier, "--offload-policy", policy, "--json",
                    json.toString());
            assertEquals(0, o.code(), o.err());
            assertTrue(o.out().contains("upper bound") && o.out().contains(" tier, " + policy + " policy"), o.out());
            JsonNode j = new ObjectMapper().readTree(json.toFile());
            double tps = j.get("throughput_tokens_per_s").asDouble();
            double bound = j.get("config").get("upper_bound_tokens_per_s").asDouble();
            assertTrue(tps > 0 && tps <= bound, p + ": simulated " + tps + " tok/s above its bound " + bound);
            runs.put(p, j);
        }
        JsonNode cpu = runs.get("cpu");
        // by hand: at one token an expert on the host CPU is bound by its DRAM, 352,321,536 B / 255.9 GB/s = 1.3768 ms,
        // and the CPU runs a layer's experts one after another, so the run lasts at least (runs x 1.3768 ms)
        int onCpu = cpu.get("config").get("experts_on_cpu").asInt();
        assertTrue(onCpu > 0, cpu.get("config").toString());
        double cpuSeconds = onCpu * EXPERT_BYTES / 255.9e9;
        assertTrue(cpu.get("simulated_s").asDouble() >= cpuSeconds,
                cpu.get("simulated_s").asDouble() + " s < " + cpuSeconds + " s of host-CPU expert reads");
        // Fiddler's claim in moesim's terms: running cold experts on the CPU beats fetching them over PCIe 3.0 at batch 1
        assertTrue(cpu.get("throughput_tokens_per_s").asDouble() > 5 * runs.get("ondemand").get("throughput_tokens_per_s").asDouble());
        assertTrue(cpu.get("throughput_tokens_per_s").asDouble() > 5 * runs.get("lru").get("throughput_tokens_per_s").asDouble());
        // a host CPU with less DRAM bandwidth never speeds the cpu policy up
        assertTrue(runs.get("cpu60").get("throughput_tokens_per_s").asDouble() < cpu.get("throughput_tokens_per_s").asDouble());
    }
}
