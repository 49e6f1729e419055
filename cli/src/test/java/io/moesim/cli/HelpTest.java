package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class HelpTest {

    /** Every command and subcommand answers --help with its usage and exit code 0. */
    @Test
    void everyCommandHasHelp() {
        List<String[]> paths = new ArrayList<>();
        collect(Main.commandLine(), new ArrayList<>(), paths);
        assertTrue(paths.size() > 5, "expected several commands, got " + paths.size());
        for (String[] p : paths) {
            String[] args = java.util.Arrays.copyOf(p, p.length + 1);
            args[p.length] = "--help";
            CliRunner.Outcome o = CliRunner.run(args);
            assertEquals(0, o.code(), String.join(" ", args) + ": " + o.err());
            assertTrue(o.out().startsWith("Usage: moesim"), String.join(" ", args) + " printed: " + o.out());
        }
    }

    /** The clearer names stand beside the old ones and mean the same option (issue 14: --out and --json mean different things per command). */
    @Test
    void clearerNamesStandBesideTheOldOnes() {
        CommandLine cl = Main.commandLine();
        String[][] pairs = {
            {"simulate", "--out", "--output-len"}, {"simulate", "--in", "--input-len"}, {"simulate", "--json", "--json-file"},
            {"compare", "--json", "--json-file"}, {"validate", "--json", "--json-file"}, {"demo", "--out", "--output-len"},
            {"tune", "--out", "--output-len"}, {"tune", "--json", "--json-file"}, {"sweep", "--out", "--out-dir"},
        };
        for (String[] p : pairs) {
            var spec = cl.getSubcommands().get(p[0]).getCommandSpec();
            assertTrue(spec.findOption(p[1]) != null, p[0] + " " + p[1]);
            assertTrue(spec.findOption(p[1]) == spec.findOption(p[2]), p[0] + ": " + p[2] + " must be another name of " + p[1]);
        }
    }

    private static void collect(CommandLine cl, List<String> prefix, List<String[]> out) {
        for (var e : cl.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) {
                continue;
            }
            List<String> p = new ArrayList<>(prefix);
            p.add(e.getKey());
            out.add(p.toArray(new String[0]));
            collect(e.getValue(), p, out);
        }
    }

    @Test
    void versionAndTopLevelHelp() {
        CliRunner.Outcome v = CliRunner.run("--version");
        assertEquals(0, v.code());
        assertTrue(v.out().startsWith("moesim "), v.out());
        CliRunner.Outcome h = CliRunner.run("--help");
        assertEquals(0, h.code());
        assertTrue(h.out().contains("targets"), h.out());
    }

    /** Each command's summary in the top-level help is whole: it ends a sentence, not mid-word or with an ellipsis. */
    @Test
    void topLevelSummariesAreWholeSentences() {
        String out = CliRunner.run("--help").out();
        String commands = out.substring(out.indexOf("Commands:") + "Commands:".length());
        java.util.Map<String, StringBuilder> summaries = new java.util.LinkedHashMap<>();
        String current = null;
        for (String line : commands.split("\n")) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^  (\\S+)\\s+(.*)$").matcher(line);
            if (m.matches()) {
                current = m.group(1);
                summaries.put(current, new StringBuilder(m.group(2).trim()));
            } else if (current != null && !line.isBlank()) {
                summaries.get(current).append(' ').append(line.trim());
            }
        }
        assertTrue(summaries.size() > 10, summaries.keySet().toString());
        for (var e : summaries.entrySet()) {
            String s = e.getValue().toString();
            assertTrue(s.matches("[A-Z].*[.)]") && !s.endsWith("..."), e.getKey() + ": '" + s + "'");
            // picocli's summary is the first sentence of the description: none may stop at an abbreviation such as "e.g."
            assertTrue(!s.endsWith("e.g.") && !s.endsWith("i.e.") && !s.endsWith("vs."), e.getKey() + ": '" + s + "'");
        }
    }

    /** A bare '%' in a description makes picocli warn on stderr and print the text unformatted. */
    @Test
    void helpTextsFormatWithoutWarnings() {
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        List<String[]> paths = new ArrayList<>();
        collect(Main.commandLine(), new ArrayList<>(), paths);
        try {
            System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
            for (String[] p : paths) {
                String[] args = java.util.Arrays.copyOf(p, p.length + 1);
                args[p.length] = "--help";
                CliRunner.run(args);
            }
        } finally {
            System.setErr(saved);
        }
        assertTrue(!err.toString(java.nio.charset.StandardCharsets.UTF_8).contains("picocli WARN"), err.toString());
    }

    @Test
    void unknownOptionIsBadInput() {
        CliRunner.Outcome o = CliRunner.run("targets", "--bogus");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("--bogus"), o.err());
    }
}
