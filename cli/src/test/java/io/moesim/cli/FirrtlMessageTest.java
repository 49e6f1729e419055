package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** export-firrtl says what it wrote in one short line, never an object dump. */
class FirrtlMessageTest {
    @TempDir
    Path tmp;

    @Test
    void sequencerExportPrintsOneLine() throws Exception {
        Path f = tmp.resolve("seq.fir");
        CliRunner.Outcome o = CliRunner.run("export-firrtl", "--block", "sequencer", "--target", "duplex", "-o", f.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(Files.size(f) > 1000);
        assertEquals(1, o.err().lines().count(), o.err());
        assertTrue(o.err().length() <= 240 && o.err().startsWith("wrote " + f), o.err());
        CliRunner.Outcome toStdout = CliRunner.run("export-firrtl", "--block", "sequencer", "--target", "duplex");
        assertEquals(0, toStdout.code());
        assertEquals("", toStdout.err());
        assertTrue(toStdout.out().startsWith("FIRRTL version"), toStdout.out().substring(0, 40));
    }
}
