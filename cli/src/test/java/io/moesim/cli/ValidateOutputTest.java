package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What validate prints on the built-in published measurements fits a 120-column terminal. */
class ValidateOutputTest {
    @Test
    void noLineIsWiderThan120() {
        CliRunner.Outcome o = CliRunner.run("validate");
        assertEquals(0, o.code(), o.err());
        String widest = o.out().lines().max(Comparator.comparingInt(String::length)).orElse("");
        assertTrue(widest.length() <= 120, widest.length() + " characters: " + widest);
        assertTrue(o.out().contains("ref: GPU; source") && o.out().contains("MAPE overall"), o.out());
        assertTrue(o.out().lines().count() > 100, "every row is printed");
    }

    /** Signed errors line up: "+0.4" is a number like "-24.2", right-aligned under error_pct. */
    @Test
    void residualsBelongToTheDatabaseProtocol() {
        // --residuals writes the rows the --database protocol scores: alone it is refused in one line, exit code 2
        CliRunner.Outcome o = CliRunner.run("validate", "--residuals", "rows.tsv");
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("--residuals writes the rows the --database protocol scores: give it with --database"), o.err());
        assertEquals(1, o.err().strip().lines().count(), o.err());
        assertTrue(!java.nio.file.Files.exists(java.nio.file.Path.of("rows.tsv")), "nothing written");
    }

    @Test
    void signedNumbersAreRightAligned() {
        String t = new TextTable(List.of("error_pct", "ref")).row("-24.2", "[1]").row("+0.4", "[1]").render();
        List<String> lines = t.lines().toList();
        assertEquals("    -24.2  [1]", lines.get(2));
        assertEquals("     +0.4  [1]", lines.get(3));
    }

    @Test
    void wrapKeepsWordsAndIndentsContinuations() {
        String w = ValidateCommand.wrap("[1] " + "word ".repeat(60).trim(), "    ");
        List<String> lines = w.lines().toList();
        assertTrue(lines.size() > 1);
        lines.forEach(l -> assertTrue(l.length() <= 120, l));
        lines.subList(1, lines.size()).forEach(l -> assertTrue(l.startsWith("    word"), l));
        assertEquals(("[1] " + "word ".repeat(60).trim()).replace(" ", ""), w.replace("\n", "").replace(" ", ""));
    }
}
