package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class OffloadCommandsTest {

    @Test
    void badOffloadFlagsAreOneLineErrors() {
        String[] base = {"simulate", "--model", "mixtral-8x7b", "--system", "h100x1", "--batch", "4", "--requests", "4", "--in", "16", "--out", "4"};
        String[][] cases = {
            {"--hbm-budget", "lots", "--hbm-budget: 'lots' is not a size"},
            {"--offload-policy", "mru", "--offload-policy: unknown offload policy 'mru'"},
            {"--offload", "floppy", "floppy"},
            {"--hbm-budget", "1GB", "does not hold"},
        };
        for (String[] c : cases) {
            String[] args = java.util.Arrays.copyOf(base, base.length + 2 + (c[0].equals("--offload-policy") ? 2 : 0));
            args[base.length] = c[0];
            args[base.length + 1] = c[1];
            if (c[0].equals("--offload-policy")) {
                args[base.length + 2] = "--hbm-budget";
                args[base.length + 3] = "40GB";
            }
            CliRunner.Outcome o = CliRunner.run(args);
            assertEquals(2, o.code(), c[0] + " " + c[1] + ": " + o.out() + o.err());
            assertTrue(o.err().contains(c[2]), o.err());
            assertEquals(1, o.err().strip().lines().count(), o.err());
        }
    }

    @Test
    void anOffloadedRunPrintsTheBoundAndWritesItsReport(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        CliRunner.Outcome o = CliRunner.run("simulate", "--model", "mixtral-8x7b", "--system", "h100x1", "--batch", "4", "--requests", "4", "--in",
                "16", "--out", "4", "--hbm-budget", "40GB", "--offload", "host", "--json", dir.resolve("r.json").toString(), "--report",
                dir.resolve("rep").toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("upper bound") && o.out().contains("offload         host tier, ondemand policy"), o.out());
        com.fasterxml.jackson.databind.JsonNode j = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("r.json").toFile());
        String json = j.toString();
        for (String k : new String[] {"upper_bound_tokens_per_s", "expert_hit_rate", "experts_offloaded_GB", "offload_stall_s"}) {
            assertTrue(json.contains("\"" + k + "\""), k + " in " + json);
        }
        assertTrue(java.nio.file.Files.exists(dir.resolve("rep").resolve("index.html")));
    }

    @Test
    void sizesAreDecimalOrBinary() {
        assertEquals(24_000_000_000L, OffloadFlags.size("24GB"));
        assertEquals(40L << 30, OffloadFlags.size("40GiB"));
        assertEquals(512_000_000L, OffloadFlags.size("512 MB"));
    }

    @Test
    void theCpuPolicyRunsColdExpertsOnTheHostAndNeedsItsFigures(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String[] base = {"simulate", "--model", "mixtral-8x7b", "--system", "h100x1", "--batch", "4", "--requests", "4", "--in", "16", "--out", "4",
            "--hbm-budget", "40GB"};
        CliRunner.Outcome od = CliRunner.run(concat(base, "--json", dir.resolve("o.json").toString()));
        CliRunner.Outcome cpu = CliRunner.run(concat(base, "--offload-policy", "cpu", "--json", dir.resolve("c.json").toString()));
        assertEquals(0, od.code(), od.err());
        assertEquals(0, cpu.code(), cpu.err());
        assertTrue(cpu.out().contains("expert runs on the host CPU"), cpu.out());
        String cj = java.nio.file.Files.readString(dir.resolve("c.json"));
        assertTrue(cj.contains("\"experts_on_cpu\""), cj.substring(0, Math.min(500, cj.length())));
        assertTrue(simulated(cj) <= simulated(java.nio.file.Files.readString(dir.resolve("o.json"))));
        CliRunner.Outcome bad = CliRunner.run(concat(base, "--offload", "nvme", "--offload-policy", "cpu"));
        assertEquals(2, bad.code(), bad.err());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());
        assertTrue(bad.err().contains("gives no host CPU figures"), bad.err());
    }

    private static double simulated(String json) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"simulated_s\"\\s*:\\s*([0-9.eE+-]+)").matcher(json);
        assertTrue(m.find());
        return Double.parseDouble(m.group(1));
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
