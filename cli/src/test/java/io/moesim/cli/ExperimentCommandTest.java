package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code moesim experiment}: a bad file is one line naming file and key, exit 2, and nothing is written. */
@Tag("fast")
class ExperimentCommandTest {
    @TempDir
    Path dir;

    static final String GOOD = """
            experiment: one
            title: One point
            paper: "nobody"
            source: "nowhere"
            studies:
              - name: s
                title: S
                setups:
                  - name: m
                    base: {model: mixtral-8x7b, batch: 32, input_len: 512, output_len: 256, requests: 64, seed: 5}
                    roles:
                      duplex: {system: duplex-x4}
                    points: [{}]
            """;

    private void refused(String yaml, String expectedStart) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, yaml);
        Path out = dir.resolve("out");
        CliRunner.Outcome o = CliRunner.run("experiment", file.toString(), "--out-dir", out.toString());
        assertEquals(2, o.code(), o.err());
        String err = o.err().strip();
        assertFalse(err.contains("\n"), "one line: " + err);
        assertTrue(err.contains(file + ": " + expectedStart), err);
        assertFalse(Files.exists(out), "nothing written");
    }

    @Test
    void aBadFileIsOneLineExit2AndNothingWritten() throws Exception {
        refused(GOOD.replace("title: S", "title: S\n    colour: red"), "studies[0].colour: unknown key");
        refused(GOOD.replace("batch: 32", "batch: -32"), "studies[0].setups[0].base.batch: must be > 0");
        refused(GOOD.replace("{system: duplex-x4}", "{system: duplex-x4, placement: best}"), "studies[0].setups[0].roles.duplex.placement: unknown 'best'");
        refused(GOOD + "figures:\n  - {id: f, figure: F, paper: 2x}\n", "figures[0].source: missing");
        refused(GOOD.replace("{system: duplex-x4}", "{system: nosuch-x4}"), "studies[0].setups[0].roles.duplex.system: ");
        refused(GOOD.replace("model: mixtral-8x7b", "model: mixtral-9x7b"), "studies[0].setups[0].base.model: ");
        refused(GOOD.replace("{system: duplex-x4}", "{system: duplex-x4, nosuch.memory.hbm_bandwidth_GBps: 9}"),
                "points[0].nosuch.memory.hbm_bandwidth_GBps: a key path starts with");
        refused(GOOD + "analyses:\n  - {name: a, kind: decode_everything}\n", "analyses.a.kind: unknown kind 'decode_everything' (known: ");
        refused(GOOD + "analyses:\n  - {name: a, kind: serving_saturation, study: nosuch, metric: ttft_p50_ms, factor: 3.0}\n",
                "analyses.a.study: no study named 'nosuch'");
        refused(GOOD + "notes: [a, b]\n", "notes: expected a mapping of name to text");
        refused(GOOD + "notes: {setup: [a]}\n", "notes.setup: expected text");
        refused(GOOD + "notes: one-without-notes\n", "notes: no experiment named one-without-notes");
        refused(GOOD + "notes: duplex-quick\n", "notes: names duplex-quick, which has no notes of its own");
    }

    /**
     * {@code experiment} runs the analyses its file names and writes them to OUT/analyses.md. The saturation rule (the lowest
     * rate whose metric exceeds factor x its value at the lowest rate) gives, whatever the simulated latencies: with factor 0,
     * the lowest rate itself (every positive TTFT exceeds 0); with factor 1e9, none ("above" the highest rate).
     */
    @Test
    @Tag("slow")
    void theAnalysesTheFileNamesRun() throws Exception {
        Path file = dir.resolve("sat.yaml");
        Files.writeString(file, """
                experiment: sat
                title: Saturation
                paper: "nobody"
                source: "nowhere"
                studies:
                  - name: serving
                    title: Serving
                    setups:
                      - name: m
                        base: {model: mixtral-8x7b, input_len: 128, output_len: 8, requests: 8, seed: 1}
                        roles:
                          d: {system: duplex-x4}
                        axes: {qps: [1.0, 50.0]}
                analyses:
                  - {name: at_once, kind: serving_saturation, study: serving, metric: ttft_p50_ms, factor: 0.0}
                  - {name: never, kind: serving_saturation, study: serving, metric: ttft_p50_ms, factor: 1.0e9}
                """);
        Path out = dir.resolve("out");
        CliRunner.Outcome o = CliRunner.run("experiment", file.toString(), "--out-dir", out.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("analyses (at_once, never): " + out.resolve("analyses.md")), o.out());
        assertEquals("""
                # Saturation: analyses

                ## at_once (serving_saturation)

                - duplex-x4: saturates between 1.0 and 1.0 requests/s

                ## never (serving_saturation)

                - duplex-x4: saturates above 50.0 requests/s
                """, Files.readString(out.resolve("analyses.md")));
    }

    @Test
    void anUnknownExperimentIsOneLine() {
        CliRunner.Outcome o = CliRunner.run("experiment", "no-such-experiment", "--out-dir", dir.resolve("o").toString());
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("no-such-experiment: no such file"), o.err());
        assertFalse(Files.exists(dir.resolve("o")));
    }
}
