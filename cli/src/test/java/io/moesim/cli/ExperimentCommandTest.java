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
    }

    @Test
    void anUnknownExperimentIsOneLine() {
        CliRunner.Outcome o = CliRunner.run("experiment", "no-such-experiment", "--out-dir", dir.resolve("o").toString());
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("no-such-experiment: no such file"), o.err());
        assertFalse(Files.exists(dir.resolve("o")));
    }
}
