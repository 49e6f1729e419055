package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code moesim reproduce duplex --quick} (a contract) writes the same document, byte for byte, as the reproduction did
 * before it ran the experiment file: the golden file was written by the earlier, hard-coded ReproduceCommand (commit
 * c14a00b), a second implementation. A killed run resumes: the second run evaluates nothing and writes the same bytes.
 * Regenerate with -Dgolden.update=true only when the figures change for a reason, and say which.
 */
@Tag("slow")
class ReproduceGoldenTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden/duplex-reproduction-quick.md");

    @TempDir
    Path dir;

    @Test
    void quickReproductionIsTheHardCodedOnesDocumentAndResumes() throws Exception {
        Path doc = dir.resolve("d.md");
        Path store = dir.resolve("store");
        CliRunner.Outcome o = CliRunner.run("reproduce", "duplex", "--quick", "-o", doc.toString(), "--out-dir", store.toString());
        assertEquals(0, o.code(), o.err());
        String text = Files.readString(doc, StandardCharsets.UTF_8);
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(GOLDEN, text, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(GOLDEN, StandardCharsets.UTF_8), text);

        Path again = dir.resolve("again.md");
        CliRunner.Outcome o2 = CliRunner.run("reproduce", "duplex", "--quick", "-o", again.toString(), "--out-dir", store.toString());
        assertEquals(0, o2.code(), o2.err());
        assertEquals(true, o2.out().contains("(26 resumed from"), o2.out());
        assertEquals(text, Files.readString(again, StandardCharsets.UTF_8));
    }
}
