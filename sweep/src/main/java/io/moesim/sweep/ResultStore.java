package io.moesim.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moesim.ir.io.AtomicFiles;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The crash-safe store of a sweep's results: one small JSON file per finished point under
 * {@code OUT/points/}, each written to a temporary name, fsynced, atomically renamed, and the folder
 * fsynced. A rename is all or nothing, so after a kill -9 at any instant a point's file is either
 * whole or absent; no recovery parser is needed (as it would be for an append-only log with a torn
 * last record), concurrent writers need no coordination, and resuming is listing a folder.
 * The cost, an inode per point, is small next to a simulation per point.
 *
 * <p>{@code OUT/sweep.json} holds the spec's fingerprint: a different spec is refused. An OS file
 * lock on {@code OUT/.lock} (released by the kernel when a process dies) refuses a second live run.
 */
public final class ResultStore implements AutoCloseable {
    public static final String MANIFEST = "sweep.json";
    public static final String POINTS = "points";
    private static final String TMP = AtomicFiles.TEMP_PREFIX;
    private static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path out;
    private final Path points;
    private final FileChannel lockChannel;
    private final FileLock lock;

    private ResultStore(Path out, FileChannel lockChannel, FileLock lock) {
        this.out = out;
        this.points = out.resolve(POINTS);
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Opens OUT for this spec: creates it, or checks that it holds results of the same spec. */
    public static ResultStore open(Path out, SweepSpec spec, int pointCount) {
        try {
            if (Files.exists(out) && !Files.isDirectory(out)) {
                throw new SweepException(out + ": not a folder");
            }
            Files.createDirectories(out);
            Path manifest = out.resolve(MANIFEST);
            if (!Files.exists(manifest)) {
                try (DirectoryStream<Path> ds = Files.newDirectoryStream(out)) {
                    for (Path p : ds) {
                        String n = p.getFileName().toString();
                        if (!n.equals(".lock") && !n.startsWith(TMP)) {
                            throw new SweepException(out + ": the folder is not empty and holds no " + MANIFEST
                                    + ", so it is not a sweep's output; give an empty or new folder");
                        }
                    }
                }
            }
            FileChannel ch = FileChannel.open(out.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null;
            }
            if (lock == null) {
                ch.close();
                throw new SweepException(out + ": another sweep is writing into this folder right now");
            }
            ResultStore store = new ResultStore(out, ch, lock);
            try {
                store.checkOrWriteManifest(manifest, spec, pointCount);
                Files.createDirectories(store.points);
                store.removeTemporaries(store.points);
                store.removeTemporaries(out);
            } catch (RuntimeException | IOException e) {
                store.close();
                throw e;
            }
            return store;
        } catch (IOException e) {
            throw new SweepException(out + ": cannot open the result store: " + e.getMessage(), e);
        }
    }

    private void checkOrWriteManifest(Path manifest, SweepSpec spec, int pointCount) throws IOException {
        String fp = spec.fingerprint();
        if (Files.exists(manifest)) {
            JsonNode m;
            try {
                m = JSON.readTree(Files.readString(manifest, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new SweepException(manifest + ": unreadable (" + e.getMessage() + "); give a new output folder");
            }
            String had = m.path("fingerprint").asText("");
            if (!had.equals(fp)) {
                throw new SweepException(out + " holds results of a different sweep spec (" + m.path("spec").asText("?")
                        + ", fingerprint " + abbreviate(had) + "; this spec " + spec.file() + " has " + abbreviate(fp)
                        + "); give a new output folder, or the same spec to resume");
            }
            return;
        }
        ObjectNode m = JSON.createObjectNode();
        m.put("format", FORMAT);
        m.put("name", spec.name());
        m.put("spec", spec.file());
        m.put("fingerprint", fp);
        m.put("points", pointCount);
        writeAtomically(out, MANIFEST, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(m));
    }

    private static String abbreviate(String fp) {
        return fp.length() > 12 ? fp.substring(0, 12) : fp;
    }

    private void removeTemporaries(Path dir) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, TMP + "*")) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Stores one finished point durably; safe to call from several threads. */
    public void write(PointResult r) {
        try {
            writeAtomically(points, fileName(r.index(), r.id()), JSON.writeValueAsBytes(toJson(r)));
        } catch (IOException e) {
            throw new SweepException(points + ": cannot store point " + r.index() + ": " + e.getMessage(), e);
        }
    }

    /** Every stored result, by index. Points not in {@code expected} (cannot happen under one fingerprint) are refused. */
    public Map<Integer, PointResult> readAll(List<SweepPoint> expected) {
        Map<Integer, PointResult> out = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(points, "*.json")) {
            for (Path p : ds) {
                PointResult r = fromJson(p);
                SweepPoint want = r.index() >= 0 && r.index() < expected.size() ? expected.get(r.index()) : null;
                if (want == null || !want.id().equals(r.id()) || !p.getFileName().toString().equals(fileName(r.index(), r.id()))) {
                    throw new SweepException(p + ": not a point of this sweep; remove it or give a new output folder");
                }
                out.put(r.index(), r);
            }
        } catch (IOException e) {
            throw new SweepException(points + ": cannot list stored points: " + e.getMessage(), e);
        }
        return out;
    }

    /** Writes a whole file under {@code dir} by the temporary-fsync-rename steps of {@link AtomicFiles}. */
    public static void writeAtomically(Path dir, String name, byte[] bytes) throws IOException {
        AtomicFiles.write(dir.resolve(name), bytes);
    }

    private static String fileName(int index, String id) {
        return String.format("%07d-%s.json", index, id);
    }

    private static ObjectNode toJson(PointResult r) {
        ObjectNode n = JSON.createObjectNode();
        n.put("index", r.index());
        n.put("id", r.id());
        ObjectNode axes = n.putObject("axes");
        r.axes().forEach((k, v) -> {
            if (v instanceof Long l) {
                axes.put(k, l);
            } else if (v instanceof Double d) {
                axes.put(k, d);
            } else if (v instanceof Boolean b) {
                axes.put(k, b);
            } else {
                axes.put(k, (String) v);
            }
        });
        ObjectNode metrics = n.putObject("metrics");
        // JSON has no NaN or infinity: those go as strings, everything else as exact doubles.
        r.metrics().forEach((k, v) -> {
            if (Double.isFinite(v)) {
                metrics.put(k, v);
            } else {
                metrics.put(k, v.toString());
            }
        });
        if (r.error() != null) {
            n.put("error", r.error());
        }
        return n;
    }

    private static PointResult fromJson(Path p) {
        try {
            JsonNode n = JSON.readTree(Files.readAllBytes(p));
            Map<String, Object> axes = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.get("axes").fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                axes.put(e.getKey(), v.isIntegralNumber() ? (Object) v.longValue() : v.isNumber() ? (Object) v.doubleValue()
                        : v.isBoolean() ? (Object) v.booleanValue() : v.textValue());
            }
            Map<String, Double> metrics = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = n.get("metrics").fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                JsonNode v = e.getValue();
                metrics.put(e.getKey(), v.isTextual() ? Double.valueOf(v.textValue()) : v.doubleValue());
            }
            String error = n.hasNonNull("error") ? n.get("error").textValue() : null;
            return new PointResult(n.get("index").intValue(), n.get("id").textValue(), axes, metrics, error);
        } catch (IOException | RuntimeException e) {
            throw new SweepException(p + ": unreadable stored point (" + e.getMessage() + "); remove it to recompute it");
        }
    }

    public Path folder() {
        return out;
    }

    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException e) {
            // The kernel drops the lock with the channel anyway.
        }
        try {
            lockChannel.close();
        } catch (IOException e) {
            // Nothing to keep: the results are already durable.
        }
    }
}
