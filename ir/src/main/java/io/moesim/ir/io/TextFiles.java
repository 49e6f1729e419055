package io.moesim.ir.io;

import io.moesim.ir.MoesimException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads input text files as UTF-8 with errors a user can act on: a missing file, a folder, an
 * unreadable file or bytes that are not UTF-8 name the file (and the byte offset of the first bad
 * byte), never "Input length = 1".
 */
public final class TextFiles {
    /** Inputs larger than this are refused before they are read (no input of moesim is near it). */
    public static final long MAX_BYTES = 1L << 30;

    private TextFiles() {
    }

    /** The whole file as a string; throws {@link MoesimException} naming the file on any problem. */
    public static String read(Path file) {
        byte[] bytes;
        try {
            if (Files.isDirectory(file)) {
                throw new MoesimException(file + ": is a folder, not a file");
            }
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new MoesimException(file + ": " + size + " bytes is too large an input (at most " + MAX_BYTES + ")");
            }
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new MoesimException(file + ": no such file", e);
        } catch (AccessDeniedException e) {
            throw new MoesimException(file + ": permission denied", e);
        } catch (IOException e) {
            throw new MoesimException(file + ": cannot read: " + e.getMessage(), e);
        }
        return decode(file.toString(), bytes);
    }

    /** Decodes UTF-8 strictly; a byte order mark of UTF-16 or UTF-32 is named as such. */
    public static String decode(String file, byte[] bytes) {
        if (bytes.length >= 2 && ((bytes[0] == (byte) 0xFE && bytes[1] == (byte) 0xFF) || (bytes[0] == (byte) 0xFF && bytes[1] == (byte) 0xFE))) {
            throw new MoesimException(file + ": is UTF-16 (byte order mark at byte 0); save it as UTF-8");
        }
        int start = bytes.length >= 3 && bytes[0] == (byte) 0xEF && bytes[1] == (byte) 0xBB && bytes[2] == (byte) 0xBF ? 3 : 0;
        CharsetDecoder d = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, start, bytes.length - start);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult r = d.decode(in, out, true);
        if (r.isError()) {
            throw new MoesimException(file + ": not UTF-8: invalid byte 0x" + String.format("%02X", bytes[in.position()] & 0xFF)
                    + " at byte offset " + in.position() + " (line " + line(bytes, in.position()) + "); save the file as UTF-8");
        }
        r = d.flush(out);
        if (r.isError()) {
            throw new MoesimException(file + ": not UTF-8 at its end (a truncated character)");
        }
        out.flip();
        String s = out.toString();
        if (s.indexOf('\0') >= 0) {
            int at = s.indexOf('\0');
            throw new MoesimException(file + ": a NUL character at character " + at + " (a binary file?)");
        }
        return s;
    }

    private static int line(byte[] b, int upTo) {
        int line = 1;
        for (int i = 0; i < upTo; i++) {
            if (b[i] == '\n') {
                line++;
            }
        }
        return line;
    }
}
