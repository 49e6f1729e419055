package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --overlap fused on simulate (weak-scaling keys in the JSON) and moe-scaling (per overlap; bad input one line, exit 2). */
class FusedMoeCommandsTest {

    @Test
    void moeScalingPrintsEveryOverlapAndFusedScalesBest() {
        CliRunner.Outcome o = CliRunner.run("moe-scaling", "--model", "deepseek-v3", "--system", "h100x4", "--tokens-per-gpu", "256", "--json");
        assertEquals(0, o.code(), o.err());
        double fused = eff(o.out(), "fused");
        double layer = eff(o.out(), "layer");
        assertTrue(fused > layer && fused <= 1.0, fused + " vs " + layer);
        CliRunner.Outcome bad = CliRunner.run("moe-scaling", "--model", "llama-3-70b", "--system", "h100x4");
        assertEquals(2, bad.code(), bad.err());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());
        assertTrue(bad.err().contains("has no MoE layers"), bad.err());
    }

    private static double eff(String json, String overlap) {
        Matcher m = Pattern.compile("\"overlap\"\\s*:\\s*\"" + overlap + "\".*?\"weak_scaling_efficiency\"\\s*:\\s*([0-9.eE+-]+)", Pattern.DOTALL).matcher(json);
        assertTrue(m.find(), json);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void simulateFusedReportsWeakScalingInTheRunMetrics(@TempDir Path dir) throws Exception {
        String[] common = {"simulate", "--model", "qwen3-30b-a3b", "--system", "h100x4", "--batch", "8", "--requests", "8", "--input-len", "128",
            "--output-len", "4"};
        CliRunner.Outcome l = CliRunner.run(concat(common, "--json", dir.resolve("l.json").toString()));
        CliRunner.Outcome f = CliRunner.run(concat(common, "--overlap", "fused", "--json", dir.resolve("f.json").toString(), "--report",
                dir.resolve("rep").toString()));
        assertEquals(0, l.code(), l.err());
        assertEquals(0, f.code(), f.err());
        assertFalse(Files.readString(dir.resolve("l.json")).contains("moe_weak_scaling"), "other overlaps: no new key");
        String fj = Files.readString(dir.resolve("f.json"));
        assertTrue(fj.contains("\"moe_weak_scaling_efficiency\""), fj.substring(0, Math.min(600, fj.length())));
        assertTrue(fj.contains("\"moe_weak_scaling_efficiency_separate\""));
        assertTrue(f.out().contains("MoE weak scaling T(2)/T(4)"), f.out());
        String html = Files.readString(dir.resolve("rep").resolve("index.html"));
        assertTrue(html.contains("MoE weak scaling (FlashMoE)"), "the HTML report's run table names the figure");
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
