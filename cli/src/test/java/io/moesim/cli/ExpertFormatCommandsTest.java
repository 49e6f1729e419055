package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExpertFormatCommandsTest {

    @Test
    void aBadFormatFileIsOneLineNamingFileAndLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("formats.txt");
        Files.writeString(f, "all int4\nlayer 2 int3\n");
        CliRunner.Outcome o = CliRunner.run("graph", "--model", "mixtral-8x7b", "--expert-formats", f.toString(), "-o", dir.resolve("g.moeir").toString());
        assertEquals(2, o.code(), o.out());
        assertTrue(o.err().contains("formats.txt:2: unknown weight format 'int3'"), o.err());
        assertEquals(1, o.err().strip().lines().count(), o.err());
    }

    @Test
    void aBadExpertLineIsOneLineNamingFileAndLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("experts.txt");
        Files.writeString(f, "all int4\nexpert 0-31 0-1 int8\nexpert 3 9-2 int8\n");
        CliRunner.Outcome o = CliRunner.run("compile", "--model", "mixtral-8x7b", "--system", "duplex-x4", "--batch", "16", "--expert-formats", f.toString(),
                "-o", dir.resolve("p.json").toString());
        assertEquals(2, o.code(), o.out());
        assertTrue(o.err().contains("experts.txt:3: expert range '9-2'"), o.err());
        assertEquals(1, o.err().strip().lines().count(), o.err());
        Files.writeString(f, "expert 0 8 int8\n");
        CliRunner.Outcome past = CliRunner.run("graph", "--model", "mixtral-8x7b", "--expert-formats", f.toString(), "-o", dir.resolve("g.moeir").toString());
        assertEquals(2, past.code(), past.out());
        assertTrue(past.err().contains("expert 8 of layer 0"), past.err());
    }

    @Test
    void conflictingOrBadFlagsAreRefused(@TempDir Path dir) {
        CliRunner.Outcome both = CliRunner.run("graph", "--model", "mixtral-8x7b", "--expert-dtype", "int4", "--expert-bits", "4", "-o",
                dir.resolve("g.moeir").toString());
        assertEquals(2, both.code());
        assertTrue(both.err().contains("give one of --expert-dtype"), both.err());
        CliRunner.Outcome bits = CliRunner.run("graph", "--model", "mixtral-8x7b", "--expert-bits", "40", "-o", dir.resolve("g.moeir").toString());
        assertEquals(2, bits.code());
        assertTrue(bits.err().contains("--expert-bits"), bits.err());
        CliRunner.Outcome dense = CliRunner.run("graph", "--model", "llama-3-70b", "--expert-dtype", "int4", "-o", dir.resolve("g.moeir").toString());
        assertEquals(2, dense.code(), dense.err());
    }

    @Test
    void compressedExpertsShrinkTheWeightsTheCompilerPlaces(@TempDir Path dir) {
        CliRunner.Outcome bf16 = CliRunner.run("compile", "--model", "mixtral-8x7b", "--system", "h100x4", "--batch", "16", "-o",
                dir.resolve("a.json").toString());
        CliRunner.Outcome int4 = CliRunner.run("compile", "--model", "mixtral-8x7b", "--system", "h100x4", "--batch", "16", "--expert-dtype", "int4",
                "-o", dir.resolve("b.json").toString());
        assertEquals(0, bf16.code(), bf16.err());
        assertEquals(0, int4.code(), int4.err());
        double a = weights(bf16.out());
        double b = weights(int4.out());
        // Mixtral-8x7B: 45.1 B routed expert parameters of 46.7 B; at int4 they take a quarter of their bf16 bytes
        assertTrue(b < a * 0.3 && b > a * 0.25, a + " vs " + b);
    }

    private static double weights(String out) {
        for (String line : out.split("\n")) {
            if (line.strip().startsWith("device 0") && line.contains("weights")) {
                String[] w = line.strip().split("\\s+");
                return Double.parseDouble(w[3]);
            }
        }
        throw new AssertionError("no weights line in\n" + out);
    }
}
