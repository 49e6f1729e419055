package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --residual on graph and simulate: the graph changes, the JSON says so, a bad value is one line and exit 2. */
class LadderResidualCommandsTest {

    @Test
    void graphTakesTheFlagAndABadValueIsOneLine(@TempDir Path dir) throws Exception {
        CliRunner.Outcome s = CliRunner.run("graph", "--model", "llama-3-70b", "-o", dir.resolve("s.moeir").toString());
        CliRunner.Outcome l = CliRunner.run("graph", "--model", "llama-3-70b", "--residual", "ladder", "-o", dir.resolve("l.moeir").toString());
        assertEquals(0, s.code(), s.err());
        assertEquals(0, l.code(), l.err());
        assertNotEquals(Files.readString(dir.resolve("s.moeir")), Files.readString(dir.resolve("l.moeir")));
        CliRunner.Outcome bad = CliRunner.run("graph", "--model", "llama-3-70b", "--residual", "parallel", "-o", dir.resolve("b.moeir").toString());
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("--residual: expected standard or ladder, got 'parallel'"), bad.err());
        assertEquals(1, bad.err().strip().lines().count(), bad.err());
    }

    @Test
    void simulateEchoesTheLadderAndIsFasterAtTp8(@TempDir Path dir) throws Exception {
        String[] common = {"simulate", "--model", "llama-3-70b", "--system", "h100x8", "--tp", "8", "--batch", "8", "--requests", "8", "--input-len", "256",
            "--output-len", "16"};
        CliRunner.Outcome s = CliRunner.run(concat(common, "--json", dir.resolve("s.json").toString()));
        CliRunner.Outcome l = CliRunner.run(concat(common, "--residual", "ladder", "--json", dir.resolve("l.json").toString()));
        assertEquals(0, s.code(), s.err());
        assertEquals(0, l.code(), l.err());
        String sj = Files.readString(dir.resolve("s.json"));
        String lj = Files.readString(dir.resolve("l.json"));
        assertFalse(sj.contains("\"residual\""), "standard: no new key");
        assertTrue(lj.contains("\"residual\":\"ladder\"") || lj.contains("\"residual\" : \"ladder\""), lj.substring(0, Math.min(400, lj.length())));
        assertTrue(makespan(lj) < makespan(sj), makespan(lj) + " vs " + makespan(sj));
    }

    private static double makespan(String json) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"simulated_s\"\\s*:\\s*([0-9.eE+-]+)").matcher(json);
        assertTrue(m.find(), "no simulated_s in " + json.substring(0, Math.min(300, json.length())));
        return Double.parseDouble(m.group(1));
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
