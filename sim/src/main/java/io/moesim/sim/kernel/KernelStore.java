package io.moesim.sim.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A persistent store of kernel estimates across runs: one small text file per key, so concurrent
 * runs (a sweep's workers, several CLI calls) never share a file being written; each file is written
 * to a temporary name in its folder and renamed into place atomically, so a reader sees a whole file
 * or none.
 *
 * <p>The key is the estimate's full signature text (op, operand types, the processor's and the
 * memory's full spec text), checked on every read: a fingerprint collision or a file from another
 * signature is a miss, never a wrong answer. Files live under a folder named by {@link #FORMAT} and
 * the {@code build} id the caller gives (the CLI gives its jar's size and time), so estimates made by
 * another build of the kernel models are never served. A file that cannot be read or parsed is
 * reported through {@code warn} and ignored (then overwritten by the fresh estimate). Writes that
 * fail are reported once and the store goes on read-only. Never prints: {@code warn} is the caller's.
 */
public final class KernelStore {
    /** The file format; part of the folder name. */
    public static final String FORMAT = "v1";
    /** Environment variable: a folder, or {@code off} to turn the store off. */
    public static final String ENV = "MOESIM_KERNEL_CACHE";
    private static final String MAGIC = "moesim-kernel-estimate\t" + FORMAT;

    private final Path dir;
    private final Consumer<String> warn;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private volatile boolean writable = true;

    /** The store this process's runners use when none is passed (set by the CLI at start; none in tests). */
    private static volatile KernelStore processDefault;

    /** A store in {@code root}/{@value #FORMAT}-{@code build}. */
    public KernelStore(Path root, String build, Consumer<String> warn) {
        this.dir = root.resolve(FORMAT + "-" + build.replaceAll("[^A-Za-z0-9._-]", "_"));
        this.warn = warn;
    }

    /**
     * The store the environment asks for: {@value #ENV} = a folder, or {@code off}; unset, the user's
     * cache folder ({@code $XDG_CACHE_HOME/moesim/kernels}, else {@code ~/.cache/moesim/kernels}).
     */
    public static Optional<KernelStore> fromEnvironment(Map<String, String> env, String userHome, String build, Consumer<String> warn) {
        String v = env.get(ENV);
        if (v != null && (v.isBlank() || v.strip().toLowerCase(Locale.ROOT).equals("off"))) {
            return Optional.empty();
        }
        Path root;
        if (v != null) {
            root = Path.of(v.strip());
        } else if (env.get("XDG_CACHE_HOME") != null && !env.get("XDG_CACHE_HOME").isBlank()) {
            root = Path.of(env.get("XDG_CACHE_HOME"), "moesim", "kernels");
        } else if (userHome != null) {
            root = Path.of(userHome, ".cache", "moesim", "kernels");
        } else {
            return Optional.empty();
        }
        return Optional.of(new KernelStore(root, build, warn));
    }

    /**
     * Makes {@code store} the one every kernel simulator made for a sweep point uses in this process
     * (a sweep, an experiment, a reproduction), so their points share the estimates {@code simulate}
     * persisted; {@code null} turns it off. Spark executors on other machines keep their own memo only.
     */
    public static void installProcessDefault(KernelStore store) {
        processDefault = store;
    }

    /** The store {@link #installProcessDefault} set, if any. */
    public static Optional<KernelStore> processDefault() {
        return Optional.ofNullable(processDefault);
    }

    public Path folder() {
        return dir;
    }

    private Path file(long key) {
        String h = Long.toHexString(key);
        String hex = "0".repeat(16 - h.length()) + h;
        return dir.resolve(hex.substring(0, 2)).resolve(hex + ".est");
    }

    /** The stored estimate of {@code signature}, if there is one. */
    public Optional<OpEstimate> load(long key, String signature) {
        Path f = file(key);
        String text;
        try {
            text = Files.readString(f, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            misses.incrementAndGet();
            return Optional.empty();
        } catch (IOException e) {
            warn.accept("kernel cache: cannot read " + f + " (" + e.getMessage() + "), ignored");
            misses.incrementAndGet();
            return Optional.empty();
        }
        try {
            String[] lines = text.split("\n", -1);
            if (lines.length != 5 || !lines[0].equals(MAGIC) || !lines[3].equals("end") || !lines[4].isEmpty()) {
                throw new IllegalArgumentException("not a whole " + MAGIC + " file");
            }
            if (!isEscapeOf(lines[1], signature)) {
                misses.incrementAndGet();
                return Optional.empty(); // another signature with the same fingerprint
            }
            OpEstimate e = parse(lines[2]);
            hits.incrementAndGet();
            return Optional.of(e);
        } catch (RuntimeException e) {
            warn.accept("kernel cache: " + f + " is corrupt (" + e.getMessage() + "), ignored");
            misses.incrementAndGet();
            return Optional.empty();
        }
    }

    /** Stores an estimate (estimates with non-finite figures, or a tab or line break in a name, are not stored). */
    public void save(long key, String signature, OpEstimate e) {
        if (!writable || !storable(signature, e)) {
            return;
        }
        Path f = file(key);
        try {
            io.moesim.ir.io.AtomicFiles.writeCacheEntry(f, MAGIC + "\n" + escape(signature) + "\n" + format(e) + "\nend\n");
        } catch (io.moesim.ir.MoesimException ex) {
            writable = false;
            warn.accept("kernel cache: cannot write under " + dir + " (" + ex.getMessage() + "); estimates are not stored this run");
        }
    }

    public long hits() {
        return hits.get();
    }

    public long misses() {
        return misses.get();
    }

    private static boolean storable(String signature, OpEstimate e) {
        OpEstimate.Breakdown b = e.breakdown();
        double[] d = {e.latencyUs(), e.opPerByte(), e.achievedTflops(), e.achievedGBps(), e.rooflineUs(), b.computeUs(), b.memoryUs(),
            b.launchUs(), b.fillDrainUs(), b.rowHitRate(), b.refreshShare(), b.clockMHz()};
        for (double x : d) {
            if (!Double.isFinite(x)) {
                return false;
            }
        }
        for (String s : new String[] {e.kind(), e.bound(), e.processor(), b.tile()}) {
            if (s == null || s.indexOf('\n') >= 0 || s.indexOf('\t') >= 0 || s.indexOf('\r') >= 0) {
                return false;
            }
        }
        return true;
    }

    /** The signature on one line (spec texts may hold line breaks): backslash escapes. */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** Whether {@code escaped} is {@link #escape}({@code s}), compared char by char without building it. */
    static boolean isEscapeOf(String escaped, String s) {
        int j = 0;
        int n = escaped.length();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            char e = switch (c) {
                case '\\' -> '\\';
                case '\n' -> 'n';
                case '\r' -> 'r';
                case '\t' -> 't';
                default -> 0;
            };
            if (e == 0) {
                if (j >= n || escaped.charAt(j) != c) {
                    return false;
                }
                j++;
            } else {
                if (j + 1 >= n || escaped.charAt(j) != '\\' || escaped.charAt(j + 1) != e) {
                    return false;
                }
                j += 2;
            }
        }
        return j == n;
    }

    static String format(OpEstimate e) {
        OpEstimate.Breakdown b = e.breakdown();
        return String.join("\t", e.kind(), Double.toString(e.latencyUs()), Long.toString(e.flops()), Long.toString(e.bytes()),
                Double.toString(e.opPerByte()), Double.toString(e.achievedTflops()), Double.toString(e.achievedGBps()),
                Double.toString(e.rooflineUs()), e.bound(), e.processor(), Double.toString(b.computeUs()), Double.toString(b.memoryUs()),
                Double.toString(b.launchUs()), Double.toString(b.fillDrainUs()), Long.toString(b.dramBytes()), Long.toString(b.waves()),
                Long.toString(b.tiles()), b.tile(), Double.toString(b.rowHitRate()), Double.toString(b.refreshShare()),
                Double.toString(b.clockMHz()), Boolean.toString(b.extrapolated()));
    }

    static OpEstimate parse(String line) {
        String[] f = line.split("\t", -1);
        if (f.length != 22) {
            throw new IllegalArgumentException("expected 22 fields, found " + f.length);
        }
        if (!f[21].equals("true") && !f[21].equals("false")) {
            throw new IllegalArgumentException("bad flag '" + f[21] + "'");
        }
        OpEstimate.Breakdown b = new OpEstimate.Breakdown(d(f[10]), d(f[11]), d(f[12]), d(f[13]), Long.parseLong(f[14]),
                Long.parseLong(f[15]), Long.parseLong(f[16]), f[17], d(f[18]), d(f[19]), d(f[20]), Boolean.parseBoolean(f[21]));
        return new OpEstimate(f[0], d(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), d(f[4]), d(f[5]), d(f[6]), d(f[7]), f[8], f[9], b);
    }

    private static double d(String s) {
        double v = Double.parseDouble(s);
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("non-finite figure " + s);
        }
        return v;
    }
}
