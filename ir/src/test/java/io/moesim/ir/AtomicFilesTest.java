package io.moesim.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one writer of every output: whole or nothing, errors that name the file, no leftovers. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesAndReplacesWhole() throws Exception {
        Path f = dir.resolve("sub/out.json");
        AtomicFiles.write(f, "one");
        AtomicFiles.write(f, "two");
        assertEquals("two", Files.readString(f));
        assertEquals(List.of("sub"), names());
    }

    @Test
    void aFailingWriterLeavesTheOldFileAndNoTemporary() throws Exception {
        Path f = dir.resolve("t.json");
        AtomicFiles.write(f, "old");
        MoesimException e = assertThrows(MoesimException.class, () -> AtomicFiles.write(f, out -> {
            out.write("half".getBytes());
            throw new IOException("No space left on device");
        }));
        assertTrue(e.getMessage().startsWith(f + ": cannot write: No space left on device"), e.getMessage());
        assertEquals("old", Files.readString(f));
        assertEquals(List.of("t.json"), names());
        // a writer that fails with an unchecked error (the simulation behind a trace) leaves nothing either
        assertThrows(IllegalStateException.class, () -> AtomicFiles.write(dir.resolve("u.json"), out -> {
            out.write('x');
            throw new IllegalStateException("boom");
        }));
        assertEquals(List.of("t.json"), names());
    }

    @Test
    void aBodyThatClosesItsStreamStillWrites() throws Exception {
        Path f = dir.resolve("c.txt");
        AtomicFiles.write(f, out -> {
            out.write("abc".getBytes());
            out.close();
        });
        assertEquals("abc", Files.readString(f));
    }

    @Test
    void devFullIsAnError() {
        Path full = Path.of("/dev/full");
        if (Files.exists(full)) {
            MoesimException e = assertThrows(MoesimException.class, () -> AtomicFiles.write(full, "x".repeat(100_000)));
            assertTrue(e.getMessage().startsWith("/dev/full: cannot write"), e.getMessage());
        }
    }

    @Test
    void outputPathsAreCheckedBeforeWork() throws Exception {
        Path file = dir.resolve("f");
        Files.writeString(file, "");
        assertTrue(assertThrows(MoesimException.class, () -> AtomicFiles.checkWritable(dir)).getMessage().contains("is a folder"));
        assertTrue(assertThrows(MoesimException.class, () -> AtomicFiles.checkWritable(file.resolve("x.json"))).getMessage()
                .startsWith(file.resolve("x.json") + ": cannot create the folder"));
        AtomicFiles.checkWritable(dir.resolve("new/deeper/x.json"));
        assertTrue(Files.isDirectory(dir.resolve("new/deeper")));
    }
}
