package io.moesim.ir.io;

import io.moesim.ir.MoesimException;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one writer of every file moesim produces (plans, results, traces, reports, sweep points and
 * tables). A regular file is written whole or not at all: the bytes go to a temporary file beside
 * the target (same folder, so the rename stays on one file system; named {@value #TEMP_PREFIX}NAME-PID-N,
 * created with the usual permissions), are flushed to disk, the temporary is renamed over the target
 * atomically and the folder is flushed so the rename itself survives a crash. On any failure (a full
 * disk, a read-only folder) the temporary is removed, the old target is left as it was, and the error
 * names the target. A target that is not a regular file ({@code /dev/null}, {@code /dev/stdout}, a pipe)
 * is written in place, and a failed write to it is an error too ({@code /dev/full}).
 */
public final class AtomicFiles {
    /** Temporary files start with this; a store may remove leftovers with this prefix. */
    public static final String TEMP_PREFIX = ".tmp-";
    private static final AtomicLong NONCE = new AtomicLong();

    /** Writes the content of a file to a stream. */
    @FunctionalInterface
    public interface Body {
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    public static void write(Path target, String text) {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    public static void write(Path target, byte[] bytes) {
        write(target, out -> out.write(bytes));
    }

    /**
     * A cache entry: as {@link #write(Path, String)}, whole or not at all, but not flushed to disk
     * first. A crash may lose it (the cache recomputes it) but never leaves half of it, and a cache of
     * thousands of small files does not pay a disk flush per entry.
     */
    public static void writeCacheEntry(Path target, String text) {
        // a cache writes thousands of these per run: a temporary file, one write, one rename, and
        // the folder made only when the temporary file cannot be opened for want of it (the checks
        // of write(...) cost a dozen system calls per entry); the target is a hashed name in the
        // cache's own folder, never a device or a user's file
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Path tmp = dir.resolve(TEMP_PREFIX + abs.getFileName() + "-" + PID + "-" + NONCE.incrementAndGet());
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
        try {
            FileChannel opened;
            try {
                opened = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            } catch (NoSuchFileException e) {
                checkFolder(target, dir);
                opened = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            }
            try (FileChannel ch = opened) {
                while (bytes.hasRemaining()) {
                    ch.write(bytes);
                }
            }
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: the error below is what matters
            }
            throw new MoesimException(target + ": cannot write: " + reason(e), e);
        }
    }

    private static final long PID = ProcessHandle.current().pid();

    /**
     * Streams the content (a trace may be larger than memory should hold) through {@code body}; the file's bytes and
     * then the rename are flushed to disk.
     */
    public static void write(Path target, Body body) {
        Path abs = target.toAbsolutePath();
        if (Files.exists(abs) && !Files.isRegularFile(abs) && !Files.isDirectory(abs)) {
            writeInPlace(target, abs, body);
            return;
        }
        checkWritable(target);
        Path dir = abs.getParent();
        Path tmp = dir.resolve(TEMP_PREFIX + abs.getFileName() + "-" + PID + "-" + NONCE.incrementAndGet());
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                OutputStream os = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                body.writeTo(unclosable(os));
                os.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system cannot rename atomically", e);
            }
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            } catch (IOException e) {
                // some platforms cannot open a folder to flush it; the rename itself is still atomic there
            }
        } catch (IOException e) {
            throw new MoesimException(target + ": cannot write: " + reason(e), e);
        } catch (java.io.UncheckedIOException e) {
            throw new MoesimException(target + ": cannot write: " + reason(e.getCause()), e);
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // best effort: the target was written, or its error is already on its way
            }
        }
    }

    private static void writeInPlace(Path target, Path abs, Body body) {
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(abs, StandardOpenOption.WRITE), 1 << 16)) {
            body.writeTo(unclosable(os));
            os.flush();
        } catch (IOException e) {
            throw new MoesimException(target + ": cannot write: " + reason(e), e);
        } catch (java.io.UncheckedIOException e) {
            throw new MoesimException(target + ": cannot write: " + reason(e.getCause()), e);
        }
    }

    /** The body may close what it is given (a JSON generator does): the writer still flushes and renames. */
    private static OutputStream unclosable(OutputStream os) {
        return new java.io.FilterOutputStream(os) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.flush();
            }
        };
    }

    /**
     * Checks, before any work starts, that {@code target} can be written: it is not a folder, and its
     * folder exists (or can be created) and is writable. Creates the folder if needed.
     */
    public static void checkWritable(Path target) {
        Path abs = target.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            throw new MoesimException(target + ": is a folder; give a file name");
        }
        if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS) && !Files.isRegularFile(abs)) {
            if (!Files.isWritable(abs)) {
                throw new MoesimException(target + ": cannot write: permission denied");
            }
            return;
        }
        Path dir = abs.getParent();
        checkFolder(target, dir);
        if (Files.exists(abs) && !Files.isWritable(abs)) {
            throw new MoesimException(target + ": cannot write: permission denied");
        }
    }

    /** Checks (and creates) an output folder before any work starts. */
    public static void checkFolder(Path shown, Path dir) {
        Path abs = dir.toAbsolutePath();
        try {
            Files.createDirectories(abs);
        } catch (IOException e) {
            throw new MoesimException(shown + ": cannot create the folder " + abs + ": " + reason(e), e);
        }
        if (!Files.isWritable(abs)) {
            throw new MoesimException(shown + ": cannot write into the folder " + abs + ": permission denied");
        }
    }

    /** A short reason: the exception's own words without the path it repeats. */
    static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or folder";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof java.nio.file.FileAlreadyExistsException f) {
            return f.getFile() + " exists and is not a folder";
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        String m = e.getMessage();
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
