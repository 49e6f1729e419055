package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 15 at the command line: each listed hang, crash and silently accepted input is now exit 0 or one line and exit 2. */
@Tag("slow")
class HardeningCommandsTest {
    @TempDir
    Path tmp;

    private static String bad(String... args) {
        CliRunner.Outcome o = Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CliRunner.run(args));
        assertEquals(2, o.code(), String.join(" ", args) + ": " + o.err() + o.out());
        assertFalse(o.err().contains("\tat "), o.err());
        java.util.List<String> lines = o.err().lines().filter(l -> !l.startsWith("Try '") && !l.startsWith(Progress.PREFIX)).toList();
        assertEquals(1, lines.size(), o.err());
        assertTrue(lines.get(0).startsWith("moesim: "), o.err());
        return lines.get(0);
    }

    private static CliRunner.Outcome ok(String... args) {
        CliRunner.Outcome o = Assertions.assertTimeoutPreemptively(Duration.ofSeconds(60), () -> CliRunner.run(args));
        assertEquals(0, o.code(), String.join(" ", args) + ": " + o.err());
        return o;
    }

    @Test
    void formerHangsFinishOrAreRefused() {
        ok("graph", "--model", "mixtral-8x7b", "--phase", "decode", "--batch", "64", "--kv-len", "128", "--routing", "zipf:50");
        assertTrue(bad("target", "show", "h100", "--set", "memory.tRFC_ns=5000").contains("memory.tRFC_ns: must be < tREFI_ns"));
        assertTrue(bad("op", "matmul", "m=4096", "n=4096", "k=4096", "--target", "h100", "--set", "memory.tRFC_ns=3900").contains("tRFC"));
        assertTrue(bad("target", "show", "h100", "--set", "memory.data_rate_Gbps=1e308").contains("memory.data_rate_Gbps"));
        // just below tREFI: accepted before, and the DRAM model never finished; 100 ns between refreshes still runs
        assertTrue(bad("op", "matmul", "m=4096", "n=4096", "k=4096", "--target", "h100", "--set", "memory.tRFC_ns=3850").contains("row cycles"));
        ok("op", "matmul", "m=4096", "n=4096", "k=4096", "--target", "h100", "--set", "memory.tRFC_ns=3800");
    }

    @Test
    void formerInternalErrorsAreBadInput() {
        assertTrue(bad("op", "matmul", "m=4000000000", "n=4000000000", "k=4000000000", "--target", "h100").contains("overflow"));
        String[] sim = {"simulate", "--model", "mixtral-8x7b", "--system", "h100x4", "--requests", "4", "--in", "16", "--out", "2",
            "--cost-model", "roofline"};
        assertTrue(bad(concat(sim, "--qps", "Infinity")).contains("--qps"));
        assertTrue(bad(concat(sim, "--dtype", "fp4")).contains("--dtype"));
        // 4 requests at 1e-7 requests/s arrive about 10^7 s apart: beyond the picosecond clock (2^63 ps / 4 = 26 days)
        assertTrue(bad(concat(sim, "--qps", "1e-7")).contains("picosecond clock"));
        assertTrue(bad("sweep", "--spec", "x.yaml", "--parallelism", "-1").contains("--parallelism"));
        assertTrue(bad("demo", "--in", "-5").contains("--in"));
    }

    @Test
    void formerlySilentInputIsRefused() throws Exception {
        assertTrue(bad("demo", "--waves", "0").contains("--waves"));
        assertTrue(bad("simulate", "--model", "mixtral-8x7b", "--system", "h100x4", "--trace-iterations", "-1").contains("--trace-iterations"));
        assertTrue(bad("export-firrtl", "--block", "mac-array", "--target", "h100", "-o", "/dev/full").contains("/dev/full: cannot write"));
        String spec = "name: s\nbase:\n  model: mixtral-8x7b\n  system: h100x4\n  workload:\n    requests: 0\n    input_len: 16\n"
                + "    output_len: 2\naxes:\n  batch: [1]\n";
        Path s = tmp.resolve("s.yaml");
        Files.writeString(s, spec);
        assertTrue(bad("sweep", "--spec", s.toString(), "--out", tmp.resolve("o").toString()).contains("failed"));
        assertTrue(Files.readString(tmp.resolve("o/results.csv")).contains("requests: must be > 0"));
        String row = "{\"op\": \"matmul m=64 n=64 k=64 dtype=bf16\", \"gpu\": \"H100\", \"target\": \"h100\", \"median_us\": 5, \"source\": \"t\"}";
        Path empty = tmp.resolve("empty.jsonl");
        Files.writeString(empty, "# only a comment\n");
        assertTrue(bad("validate", "--measurements", empty.toString()).contains("no measurements"));
        Path garbage = tmp.resolve("garbage.jsonl");
        Files.writeString(garbage, row + " trailing\n");
        assertTrue(bad("validate", "--measurements", garbage.toString()).contains("garbage.jsonl"));
        Path attr = tmp.resolve("attr.jsonl");
        Files.writeString(attr, row.replace("k=64 ", "k=64 kk=2 ") + "\n");
        assertTrue(bad("validate", "--measurements", attr.toString()).contains("unknown attribute 'kk'"));
    }

    @Test
    void stacktraceIsAcceptedAfterTheSubcommand() {
        CliRunner.Outcome o = CliRunner.run("targets", "--stacktrace");
        assertEquals(0, o.code(), o.err());
        assertEquals(CliRunner.run("targets").out(), o.out());
    }

    @Test
    void theLastSetOfAKeyIsBlamed() {
        String e = bad("target", "show", "h100", "--set", "memory.stacks=6", "--set", "memory.stacks=0");
        assertTrue(e.contains("--set memory.stacks=0") && !e.contains("--set memory.stacks=6"), e);
    }

    @Test
    void outputPathsAreCheckedBeforeTheWork() throws Exception {
        Path file = tmp.resolve("file");
        Files.writeString(file, "");
        long t0 = System.nanoTime();
        // the simulation would take seconds; the unwritable --json path is refused first
        String e = bad("simulate", "--model", "mixtral-8x7b", "--system", "h100x4", "--requests", "64", "--json", file.resolve("r.json").toString());
        assertTrue(e.contains(file.resolve("r.json").toString()), e);
        assertTrue((System.nanoTime() - t0) / 1e9 < 5, "refused after " + (System.nanoTime() - t0) / 1e9 + " s");
        assertTrue(bad("compare", "--model", "mixtral-8x7b", "--systems", "h100x4,nosuchsystem").contains("nosuchsystem"));
    }

    @Test
    void sequencerExportSaysOneShortLine() {
        CliRunner.Outcome o = ok("export-firrtl", "--block", "sequencer", "--target", "duplex", "-o", tmp.resolve("s.fir").toString());
        assertEquals(1, o.err().lines().count(), o.err());
        assertTrue(o.err().length() < 200, o.err());
    }

    @Test
    void bareMegabytesAreMebibytes() throws Exception {
        var m = new com.fasterxml.jackson.databind.ObjectMapper();
        long bare = m.readTree(ok("op", "memcpy", "bytes=256M", "--target", "h100", "--json").out()).get("bytes").asLong();
        long mib = m.readTree(ok("op", "memcpy", "bytes=256MiB", "--target", "h100", "--json").out()).get("bytes").asLong();
        long mb = m.readTree(ok("op", "memcpy", "bytes=256MB", "--target", "h100", "--json").out()).get("bytes").asLong();
        // memcpy's "bytes" counts the read and the write: compare the spellings with each other
        assertEquals(bare, mib);
        assertEquals((double) bare * 256_000_000L / (256L << 20), mb, 1.0);
        assertTrue(bare > mb);
    }

    @Test
    void topLevelHelpGivesWholeSentences() {
        String help = ok("--help").out();
        String list = help.substring(help.indexOf("Commands:") + "Commands:".length());
        StringBuilder entry = new StringBuilder();
        java.util.List<String> entries = new java.util.ArrayList<>();
        for (String line : list.lines().filter(l -> !l.isBlank()).toList()) {
            if (line.matches("  [a-z][a-z-]+ +\\S.*") && entry.length() > 0) {
                entries.add(entry.toString().strip());
                entry.setLength(0);
            }
            entry.append(' ').append(line.strip());
        }
        entries.add(entry.toString().strip());
        assertTrue(entries.size() > 10, entries.toString());
        for (String e : entries) {
            assertTrue(e.endsWith("."), "cut mid-sentence: " + e);
        }
    }

    @Test
    void tableColumnsCanBeCapped() {
        TextTable t = new TextTable(java.util.List.of("op", "source")).cap("source", 10);
        t.row("matmul", "a very long source citation that goes on");
        String out = t.render();
        assertTrue(out.contains("a very ...") && !out.contains("citation"), out);
        assertTrue(out.lines().allMatch(l -> l.length() <= "matmul".length() + 2 + 10), out);
    }

    private static String[] concat(String[] a, String... b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
