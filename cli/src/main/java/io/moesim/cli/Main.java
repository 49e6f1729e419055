package io.moesim.cli;

import io.moesim.ir.MoesimException;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code moesim} command. Exit codes: 0 success; 1 an internal error (a bug: please report it);
 * 2 bad input (unknown model, malformed file, impossible shapes, bad options), with one line on
 * stderr naming the file, line or key; 3 a backend that is not available here (no GPU).
 */
@Command(name = "moesim", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Compiler and cycle-level simulator for Mixture-of-Experts accelerators.", ""},
        subcommands = {CommandLine.HelpCommand.class})
public final class Main implements Runnable {
    public static final int EXIT_OK = 0;
    public static final int EXIT_INTERNAL = 1;
    public static final int EXIT_BAD_INPUT = 2;
    public static final int EXIT_UNAVAILABLE = 3;

    @Option(names = "--stacktrace", hidden = true, description = "Print the full stack trace of an internal error.")
    boolean stacktrace;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line and returns the exit code (tests call this instead of {@link #main}). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            // start-up: a lone --version needs no command tree (picocli's model of it is most of the time)
            out.println(Version.text());
            out.flush();
            return EXIT_OK;
        }
        CommandLine cl = commandLine(Commands.forArgs(args));
        cl.setOut(out);
        cl.setErr(err);
        // --stacktrace is accepted anywhere on the line, before or after the subcommand
        boolean trace = java.util.Arrays.asList(args).contains("--stacktrace");
        args = java.util.Arrays.stream(args).filter(a -> !a.equals("--stacktrace")).toArray(String[]::new);
        cl.setExecutionExceptionHandler((ex, line, parsed) -> handle(ex, line.getErr(), trace));
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter e = ex.getCommandLine().getErr();
            e.println("moesim: " + ex.getMessage());
            e.println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more information.");
            return EXIT_BAD_INPUT;
        });
        int code;
        try {
            code = cl.execute(args);
        } finally {
            KernelStores.flush();
        }
        out.flush();
        err.flush();
        return code;
    }

    static CommandLine commandLine() {
        return commandLine(Commands.all());
    }

    private static CommandLine commandLine(java.util.List<Object> subcommands) {
        CommandLine cl = new CommandLine(new Main());
        for (Object sub : subcommands) {
            cl.addSubcommand(sub);
        }
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.getHelpSectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_COMMAND_LIST, Main::commandList);
        return cl;
    }

    /** The top-level command list: each command's first whole sentence (not its first line, cut mid-sentence). */
    static String commandList(CommandLine.Help help) {
        java.util.Map<String, CommandLine.Help> subs = help.subcommands();
        if (subs.isEmpty()) {
            return "";
        }
        int nameWidth = subs.keySet().stream().mapToInt(String::length).max().orElse(0) + 2;
        int width = Math.max(60, help.commandSpec().usageMessage().width());
        StringBuilder b = new StringBuilder();
        for (java.util.Map.Entry<String, CommandLine.Help> e : subs.entrySet()) {
            CommandLine.Model.UsageMessageSpec u = e.getValue().commandSpec().usageMessage();
            String sentence = firstSentence(String.join(" ", u.header().length > 0 ? u.header() : u.description()));
            List<String> lines = wrap(sentence, width - nameWidth - 2);
            for (int i = 0; i < lines.size(); i++) {
                b.append("  ").append(String.format("%-" + nameWidth + "s", i == 0 ? e.getKey() : "")).append(lines.get(i)).append('\n');
            }
        }
        return b.toString();
    }

    static String firstSentence(String text) {
        String t = text.replaceAll("\\s+", " ").strip();
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '.' && (i + 1 == t.length() || t.charAt(i + 1) == ' ') && !(i >= 3 && t.startsWith("e.g", i - 3))
                    && !(i >= 2 && t.startsWith("vs", i - 2))) {
                return t.substring(0, i + 1);
            }
        }
        return t;
    }

    private static List<String> wrap(String s, int width) {
        List<String> out = new java.util.ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String w : s.split(" ")) {
            if (line.length() > 0 && line.length() + 1 + w.length() > width) {
                out.add(line.toString());
                line.setLength(0);
            }
            if (line.length() > 0) {
                line.append(' ');
            }
            line.append(w);
        }
        if (line.length() > 0) {
            out.add(line.toString());
        }
        return out;
    }

    static int handle(Exception ex, PrintWriter err, boolean trace) {
        Throwable t = ex;
        if (t instanceof MoesimException m) {
            err.println("moesim: " + oneLine(m.getMessage()));
            return m instanceof UnavailableException ? EXIT_UNAVAILABLE : EXIT_BAD_INPUT;
        }
        if (t instanceof java.io.UncheckedIOException || t instanceof java.io.IOException) {
            err.println("moesim: " + oneLine(String.valueOf(t.getMessage())));
            return EXIT_BAD_INPUT;
        }
        if (t instanceof ArithmeticException a && a.getMessage() != null && a.getMessage().contains("overflow")) {
            // exact arithmetic refused a size, count or time too large for 64 bits: the input is out of range
            err.println("moesim: the input is too large: a size, count or time overflows 64-bit arithmetic (" + a.getMessage()
                    + "); use smaller shapes, counts or durations");
            if (trace) {
                t.printStackTrace(err);
            }
            return EXIT_BAD_INPUT;
        }
        err.println("moesim: internal error: " + t + (trace ? "" : " (run with --stacktrace for details, and please report it)"));
        if (trace) {
            t.printStackTrace(err);
        }
        return EXIT_INTERNAL;
    }

    private static String oneLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** Version from the build (filtered resource). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {text()};
        }

        static String text() {
            java.util.Properties p = new java.util.Properties();
            try (var in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            } catch (java.io.IOException e) {
                // no version resource: "dev"
            }
            return "moesim " + p.getProperty("version", "dev") + " (Java " + System.getProperty("java.version") + ")";
        }
    }
}
