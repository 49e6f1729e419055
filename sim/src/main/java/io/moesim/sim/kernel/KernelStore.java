package io.moesim.sim.kernel;

import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A persistent store of kernel estimates across runs, written in batches: estimates a run makes are
 * kept in memory and written as one <em>pack</em> file per shard when {@link #flush} is called (the CLI
 * calls it when a command ends, a sweep after each point) or when many are pending. A pack is written
 * to a temporary name in its folder and renamed into place atomically, never changed afterwards, and
 * named by process id, time and a counter, so concurrent runs (a sweep's workers, several CLI calls)
 * never share a file being written and a reader sees a whole pack or none.
 *
 * <p>Shards: an estimate's signature is in two parts, the op (op and operand types) and the specs (the
 * processor's and the memory's full spec text); it goes to the shard named by the fingerprint of the
 * specs, so a run reads only the packs of the specs it asks about, each shard once, on its first
 * lookup. A pack holds each specs text once (a table) and its entries refer to it, so a store of
 * 60,000 estimates is megabytes, not the hundreds of megabytes one file per estimate took. A shard
 * of more than {@value #COMPACT_AT} packs is merged into one when it is read (the merged pack is
 * written first, then the packs it holds are removed; a concurrent reader that misses one simply
 * simulates again).
 *
 * <p>The key is the estimate's full signature text, checked on every read: a fingerprint collision
 * or an entry from another signature is a miss, never a wrong answer. Packs live under a folder named
 * by {@link #FORMAT} and the {@code build} id the caller gives (the CLI gives its jar's size and time),
 * so estimates made by another build of the kernel models are never served. A pack that cannot be
 * read or is not whole, or an entry that cannot be parsed, is reported through {@code warn} and
 * ignored. Writes that fail are reported once and the store goes on read-only. Never prints:
 * {@code warn} is the caller's.
 */
public final class KernelStore {
    /** The file format; part of the folder name. */
    public static final String FORMAT = "v2";
    /** Environment variable: a folder, or {@code off} to turn the store off. */
    public static final String ENV = "MOESIM_KERNEL_CACHE";
    private static final String MAGIC = "moesim-kernel-pack\t" + FORMAT;
    /** A shard with more packs than this is merged into one when read. */
    static final int COMPACT_AT = 16;
    /** Pending estimates of one shard written at once, whatever the caller's flushes. */
    static final int FLUSH_AT = 8192;
    private static final long PID = ProcessHandle.current().pid();
    private static final AtomicLong NONCE = new AtomicLong();

    private final Path dir;
    private final Consumer<String> warn;
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private volatile boolean writable = true;
    private final it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap<Shard> shards = new it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap<>();

    /**
     * An estimate read or made, with its signature's two parts (the specs text shared within a shard). One read
     * from a pack keeps its figures' text until it is asked for: a run uses few of the thousands of estimates its
     * shards hold, and parsing every decimal figure of them was most of a warm run's store time (issue 16).
     */
    private static final class Stored {
        final String op;
        final String specs;
        private String text;
        private OpEstimate estimate;

        Stored(String op, String specs, OpEstimate estimate) {
            this.op = op;
            this.specs = specs;
            this.estimate = estimate;
        }

        Stored(String op, String specs, String text) {
            this.op = op;
            this.specs = specs;
            this.text = text;
        }

        /** The estimate, parsed on first use; IllegalArgumentException when its text is not one. */
        OpEstimate estimate() {
            if (estimate == null) {
                estimate = parse(text);
                text = null;
            }
            return estimate;
        }

        /** The figures as a pack line holds them. */
        String text() {
            return estimate != null ? format(estimate) : text;
        }
    }

    /** One shard: its estimates (read lazily, once) and those made here and not yet written. */
    private static final class Shard {
        final long id;
        final Long2ObjectOpenHashMap<Stored> map = new Long2ObjectOpenHashMap<>();
        final Map<String, String> texts = new HashMap<>();
        final List<Long> pending = new ArrayList<>();
        boolean loaded;

        Shard(long id) {
            this.id = id;
        }

        String shared(String text) {
            String t = texts.putIfAbsent(text, text);
            return t == null ? text : t;
        }

        // the caller's specs instance last seen and its shared text: a run asks with the same few instances, and a
        // lookup then costs a reference comparison, not a comparison of kilobytes of spec text (issue 16)
        private String lastText;
        private String lastShared;

        String canonical(String text) {
            if (text != lastText) {
                lastShared = shared(text);
                lastText = text;
            }
            return lastShared;
        }
    }

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

    private static String hex(long v) {
        String h = Long.toHexString(v);
        return "0".repeat(16 - h.length()) + h;
    }

    private Shard shard(String specs) {
        return shard(KernelCache.fingerprint(specs));
    }

    /** The shard of the specs whose fingerprint ({@link KernelCache#fingerprint}) is {@code id}, read on first use. */
    private Shard shard(long id) {
        Shard s = shards.get(id);
        if (s == null) {
            s = new Shard(id);
            shards.put(id, s);
        }
        if (!s.loaded) {
            s.loaded = true;
            read(s);
        }
        return s;
    }

    /**
     * The stored estimate of the signature {@code op}|{@code specs} (the op and its operand types;
     * the processor's and memory's spec texts), whose fingerprint is {@code key}, if there is one.
     */
    public synchronized Optional<OpEstimate> load(long key, String op, String specs) {
        return load(key, op, specs, KernelCache.fingerprint(specs));
    }

    /** As {@link #load(long, String, String)}, with the specs' fingerprint computed once by the caller. */
    public synchronized Optional<OpEstimate> load(long key, String op, String specs, long specsFingerprint) {
        Shard s = shard(specsFingerprint);
        Stored st = s.map.get(key);
        if (st == null || !st.op.equals(op) || st.specs != s.canonical(specs)) {
            misses.incrementAndGet();
            return Optional.empty(); // none, or another signature with the same fingerprint
        }
        OpEstimate e;
        try {
            e = st.estimate();
        } catch (RuntimeException ex) {
            // its figures passed the read's check but are no estimate: dropped, so a fresh one is stored
            warn.accept("kernel cache: an entry under " + shardFolder(s.id) + " is corrupt (" + ex.getMessage() + "), ignored");
            s.map.remove(key);
            misses.incrementAndGet();
            return Optional.empty();
        }
        hits.incrementAndGet();
        return Optional.of(e);
    }

    /**
     * Keeps an estimate, to be written at the next {@link #flush} (estimates with non-finite figures,
     * or a tab or line break in a name, are not stored).
     */
    public synchronized void save(long key, String op, String specs, OpEstimate e) {
        save(key, op, specs, KernelCache.fingerprint(specs), e);
    }

    /** As {@link #save(long, String, String, OpEstimate)}, with the specs' fingerprint computed once by the caller. */
    public synchronized void save(long key, String op, String specs, long specsFingerprint, OpEstimate e) {
        if (!storable(e)) {
            return;
        }
        Shard s = shard(specsFingerprint);
        if (s.map.containsKey(key)) {
            return; // this signature (or a colliding one) is stored already
        }
        s.map.put(key, new Stored(op, s.canonical(specs), e));
        s.pending.add(key);
        if (s.pending.size() >= FLUSH_AT) {
            write(s);
        }
    }

    /** Writes the estimates kept since the last flush, one pack per shard. */
    public synchronized void flush() {
        List<Long> ids = new ArrayList<>(shards.keySet());
        java.util.Collections.sort(ids);
        for (long id : ids) {
            write(shards.get(id));
        }
    }

    /** Estimates kept and not yet written. */
    public synchronized int pending() {
        int n = 0;
        for (Shard s : shards.values()) {
            n += s.pending.size();
        }
        return n;
    }

    private Path shardFolder(long id) {
        return dir.resolve(hex(id));
    }

    private void write(Shard s) {
        if (s.pending.isEmpty()) {
            return;
        }
        List<Long> keys = new ArrayList<>(s.pending);
        s.pending.clear();
        if (!writable) {
            return;
        }
        Path f = shardFolder(s.id).resolve("p-" + PID + "-" + System.nanoTime() + "-" + NONCE.incrementAndGet() + ".pack");
        try {
            io.moesim.ir.io.AtomicFiles.writeCacheEntry(f, pack(s, keys));
        } catch (io.moesim.ir.MoesimException ex) {
            writable = false;
            warn.accept("kernel cache: cannot write under " + dir + " (" + ex.getMessage() + "); estimates are not stored this run");
        }
    }

    /** The text of a pack of {@code keys}' entries. */
    private static String pack(Shard s, List<Long> keys) {
        StringBuilder b = new StringBuilder(keys.size() * 320 + 4096);
        b.append(MAGIC).append('\n');
        Map<String, Integer> table = new HashMap<>();
        for (long k : keys) {
            String specs = s.map.get(k).specs;
            if (!table.containsKey(specs)) {
                b.append("T\t").append(table.size()).append('\t').append(escape(specs)).append('\n');
                table.put(specs, table.size());
            }
        }
        for (long k : keys) {
            Stored st = s.map.get(k);
            b.append("E\t").append(hex(k)).append('\t').append(table.get(st.specs)).append('\t').append(escape(st.op))
                    .append("\nV\t").append(st.text()).append('\n');
        }
        b.append("end\n");
        return b.toString();
    }

    /** Reads a shard's packs into its map, merging them into one when there are many. */
    private void read(Shard s) {
        Path folder = shardFolder(s.id);
        List<Path> packs = new ArrayList<>();
        try (java.nio.file.DirectoryStream<Path> ds = Files.newDirectoryStream(folder, "*.pack")) {
            for (Path p : ds) {
                packs.add(p);
            }
        } catch (NoSuchFileException | java.nio.file.NotDirectoryException e) {
            return;
        } catch (IOException e) {
            warn.accept("kernel cache: cannot list " + folder + " (" + e.getMessage() + "), ignored");
            return;
        }
        java.util.Collections.sort(packs);
        List<Path> whole = new ArrayList<>();
        for (Path p : packs) {
            if (readPack(s, p)) {
                whole.add(p);
            }
        }
        if (whole.size() > COMPACT_AT && writable) {
            List<Long> all = new ArrayList<>(s.map.keySet());
            java.util.Collections.sort(all);
            Path merged = folder.resolve("p-" + PID + "-" + System.nanoTime() + "-" + NONCE.incrementAndGet() + ".pack");
            try {
                io.moesim.ir.io.AtomicFiles.writeCacheEntry(merged, pack(s, all));
                for (Path p : whole) {
                    Files.deleteIfExists(p);
                }
            } catch (io.moesim.ir.MoesimException | IOException ex) {
                warn.accept("kernel cache: cannot merge the packs under " + folder + " (" + ex.getMessage() + ")");
            }
        }
    }

    /** Reads one pack; false when it could not be read or is not whole (then nothing of it is used). */
    private boolean readPack(Shard s, Path f) {
        String text;
        try {
            text = Files.readString(f, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return false; // merged away by another run meanwhile
        } catch (IOException e) {
            warn.accept("kernel cache: cannot read " + f + " (" + e.getMessage() + "), ignored");
            return false;
        }
        if (!text.startsWith(MAGIC + "\n") || !text.endsWith("\nend\n")) {
            warn.accept("kernel cache: " + f + " is not a whole " + MAGIC + " pack, ignored");
            return false;
        }
        String[] lines = text.split("\n", -1);
        List<String> table = new ArrayList<>();
        int corrupt = 0;
        for (int i = 1; i < lines.length - 2; i++) {
            String line = lines[i];
            try {
                if (line.startsWith("T\t")) {
                    int tab = line.indexOf('\t', 2);
                    if (Integer.parseInt(line.substring(2, tab)) != table.size()) {
                        throw new IllegalArgumentException("table entries out of order");
                    }
                    table.add(s.shared(unescape(line.substring(tab + 1))));
                } else if (line.startsWith("E\t") && i + 1 < lines.length - 2 && lines[i + 1].startsWith("V\t")) {
                    i++;
                    String[] f1 = line.split("\t", -1);
                    if (f1.length != 4) {
                        throw new IllegalArgumentException("expected 4 fields, found " + f1.length);
                    }
                    long key = Long.parseUnsignedLong(f1[1], 16);
                    String specs = table.get(Integer.parseInt(f1[2]));
                    String op = unescape(f1[3]);
                    // an entry is served only for a signature equal to its op and specs, so a key or shard
                    // that does not match them can make a miss, never a wrong answer
                    String figures = lines[i].substring(2);
                    checkFigures(figures);
                    Stored before = s.map.get(key);
                    // the first pack's entry wins, unless it is one whose figures do not parse (a later pack then
                    // holds the estimate made when it was found so)
                    if (before == null || !parses(before)) {
                        s.map.put(key, new Stored(op, specs, figures));
                    }
                } else {
                    throw new IllegalArgumentException("unexpected line");
                }
            } catch (RuntimeException e) {
                corrupt++;
                if (corrupt == 1) {
                    warn.accept("kernel cache: " + f + " line " + (i + 1) + " is corrupt (" + e.getMessage() + "), ignored");
                }
            }
        }
        return corrupt == 0;
    }

    public long hits() {
        return hits.get();
    }

    public long misses() {
        return misses.get();
    }

    private static boolean storable(OpEstimate e) {
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

    /** The inverse of {@link #escape}. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                b.append(c);
                continue;
            }
            if (++i >= s.length()) {
                throw new IllegalArgumentException("a lone backslash at the end");
            }
            b.append(switch (s.charAt(i)) {
                case '\\' -> '\\';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case 't' -> '\t';
                default -> throw new IllegalArgumentException("bad escape \\" + s.charAt(i));
            });
        }
        return b.toString();
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

    private static boolean parses(Stored st) {
        try {
            st.estimate();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Which of {@link #format}'s 22 fields are numbers (the others: names, and the flag last). */
    private static final boolean[] NUMERIC = {false, true, true, true, true, true, true, true, false, false, true, true, true, true, true, true,
        true, false, true, true, true, false};

    /**
     * A check of an entry's figures as {@link #format} writes them, without parsing them: 22 fields, each number
     * non-empty and made of digits, '.', 'E' and '-' only (as Double.toString and Long.toString write finite
     * values), the flag true or false. A damaged line is caught at read, as a full parse would.
     */
    static void checkFigures(String line) {
        int field = 0;
        int start = 0;
        for (int i = 0; i <= line.length(); i++) {
            if (i < line.length() && line.charAt(i) != '\t') {
                if (field < NUMERIC.length && NUMERIC[field]) {
                    char c = line.charAt(i);
                    if (!(c >= '0' && c <= '9' || c == '.' || c == 'E' || c == '-')) {
                        throw new IllegalArgumentException("bad figure in field " + (field + 1));
                    }
                }
                continue;
            }
            if (field >= NUMERIC.length) {
                throw new IllegalArgumentException("expected 22 fields, found more");
            }
            if (NUMERIC[field] && i == start) {
                throw new IllegalArgumentException("empty figure in field " + (field + 1));
            }
            if (field == 21 && !line.startsWith("true", start) && !line.startsWith("false", start)) {
                throw new IllegalArgumentException("bad flag");
            }
            field++;
            start = i + 1;
        }
        if (field != 22) {
            throw new IllegalArgumentException("expected 22 fields, found " + field);
        }
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
