package io.moesim.reports;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Debian's chromium, run headless with no network, a fresh profile and console logging on stderr. */
final class HeadlessChromium {
    /** What one run printed: the page's DOM (or nothing) and chromium's own log. */
    record Run(String stdout, String stderr) {
        /** Console messages and load failures; chromium's own D-Bus and GPU noise is not the page's. */
        List<String> pageProblems() {
            return stderr.lines().filter(l -> l.contains(":CONSOLE") || l.contains("Uncaught") || l.contains("Failed to load")
                    || l.contains("net::ERR_")).toList();
        }
    }

    private final Path executable;

    private HeadlessChromium(Path executable) {
        this.executable = executable;
    }

    static Optional<HeadlessChromium> find() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            for (String name : List.of("chromium", "chromium-browser")) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) {
                    return Optional.of(new HeadlessChromium(p));
                }
            }
        }
        return Optional.empty();
    }

    Run dumpDom(Path page, Path work) throws IOException, InterruptedException {
        return run(work, List.of("--dump-dom", "--virtual-time-budget=5000", page.toUri().toString()));
    }

    Run screenshot(Path page, Path png, Path work) throws IOException, InterruptedException {
        return run(work, List.of("--screenshot=" + png.toAbsolutePath(), "--window-size=1280,2000", "--hide-scrollbars",
                "--virtual-time-budget=5000", page.toUri().toString()));
    }

    private Run run(Path work, List<String> extra) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory(work, "profile");
        List<String> cmd = new ArrayList<>(List.of(executable.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-extensions", "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0"));
        cmd.addAll(extra);
        Path out = work.resolve("chromium.out");
        Path err = work.resolve("chromium.err");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!p.waitFor(90, TimeUnit.SECONDS)) {
                throw new IllegalStateException("chromium did not finish in 90 s: " + String.join(" ", cmd));
            }
        } finally {
            p.destroyForcibly();
            p.descendants().forEach(ProcessHandle::destroyForcibly);
        }
        Run r = new Run(Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        deleteTree(profile);
        return r;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
