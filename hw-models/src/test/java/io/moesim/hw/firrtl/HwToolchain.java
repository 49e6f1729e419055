package io.moesim.hw.firrtl;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * The external tools of the FIRRTL flow tests: firtool (unpacked by Maven from
 * org.chipsalliance:llvm-firtool, path in system property {@code moesim.firtool}, else on PATH)
 * and Verilator with make and a C++ compiler. Missing tools skip the test with a printed reason.
 */
public final class HwToolchain {

    private HwToolchain() {}

    /** The firtool binary, or null with the reason in {@code why[0]}. */
    public static Path firtool(String[] why) {
        String prop = System.getProperty("moesim.firtool");
        List<Path> candidates = new ArrayList<>();
        if (prop != null && !prop.isBlank()) {
            candidates.add(Path.of(prop));
        }
        Path onPath = onPath("firtool");
        if (onPath != null) {
            candidates.add(onPath);
        }
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                // maven-dependency-plugin's unpack drops the exec bit.
                p.toFile().setExecutable(true);
                if (works(List.of(p.toString(), "--version"))) {
                    return p;
                }
            }
        }
        why[0] = "firtool not found or not runnable (looked at -Dmoesim.firtool=" + prop
                + " and PATH); it comes from org.chipsalliance:llvm-firtool (linux-x64 only)";
        return null;
    }

    /** Skips the calling test unless firtool, verilator, make and a C++ compiler all run. */
    public static Path requireTools() {
        String[] why = new String[1];
        Path firtool = firtool(why);
        String reason = null;
        if (firtool == null) {
            reason = why[0];
        } else if (!works(List.of("verilator", "--version"))) {
            reason = "verilator not on PATH (Debian: apt-get install -y verilator)";
        } else if (!works(List.of("make", "--version"))) {
            reason = "make not on PATH (Debian: apt-get install -y make)";
        } else if (!works(List.of("g++", "--version"))) {
            reason = "g++ not on PATH (Debian: apt-get install -y g++)";
        }
        if (reason != null) {
            System.err.println("SKIPPED FIRRTL tool-flow test: " + reason);
        }
        Assumptions.assumeTrue(reason == null, reason);
        return firtool;
    }

    /** A fresh scratch folder under the build folder (or the system temp folder). */
    public static Path scratch(String name) throws IOException {
        String base = System.getProperty("moesim.hw.scratch");
        Path root = base == null ? Files.createTempDirectory("moesim-firrtl") : Path.of(base);
        Path dir = root.resolve(name);
        if (Files.exists(dir)) {
            try (var walk = Files.walk(dir)) {
                walk.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(dir);
        return dir;
    }

    /** Runs a command in {@code dir}; returns stdout+stderr; throws with the output if it fails. */
    public static String run(Path dir, long timeoutSeconds, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + command);
        }
        String text = new String(out, StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError("failed (" + p.exitValue() + "): " + String.join(" ", command) + "\n" + text);
        }
        return text;
    }

    /** Writes FIRRTL, runs firtool to SystemVerilog, builds it with Verilator and a testbench; returns the binary. */
    public static Path build(Path firtool, Path dir, String top, String firrtl, String testbench)
            throws IOException, InterruptedException {
        Files.writeString(dir.resolve(top + ".fir"), firrtl, StandardCharsets.UTF_8);
        Files.writeString(dir.resolve("tb.cpp"), testbench, StandardCharsets.UTF_8);
        run(dir, 300, List.of(firtool.toString(), "--disable-all-randomization", top + ".fir", "-o", top + ".sv"));
        int jobs = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
        run(dir, 600, List.of("verilator", "--cc", "--exe", "--build", "-j", Integer.toString(jobs), "-Wno-fatal",
                "--top-module", top, "-Mdir", "obj", "-o", "sim", top + ".sv", "tb.cpp"));
        return dir.resolve("obj").resolve("sim");
    }

    private static boolean works(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Path onPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String d : path.split(File.pathSeparator)) {
            Path p = Path.of(d, exe);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
