package io.moesim.compiler.plan;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A streaming UTF-8 JSON writer in the layout of Jackson's default pretty printer (object entries one per line,
 * indented two spaces per enclosing object, {@code "key" : value}, arrays inline as {@code [ a, b ]}, empty
 * containers {@code { }} and {@code [ ]}, non-finite doubles as strings), written straight into a byte buffer.
 * A plan of 20,000 tasks is 16 MB of JSON; through Jackson's generator under the CLI's C1-only JIT it was a
 * quarter of a compile. {@code PlanJsonTest} holds it byte for byte against Jackson's own output.
 *
 * <p>Containers are tracked on a small stack; calls in a wrong order (a value where a key is due) are bugs of the
 * caller and fail fast.
 */
final class PrettyJsonWriter {
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEY_VALUE = " : ".getBytes(StandardCharsets.US_ASCII);
    private static final int MAX_DEPTH = 64;

    private final OutputStream out;
    private final byte[] buf;
    private int n;
    /** Per open container: whether it is an array, and how many entries it has so far. */
    private final boolean[] array = new boolean[MAX_DEPTH];
    private final int[] entries = new int[MAX_DEPTH];
    private int open;
    /** Open objects (arrays do not indent). */
    private int objects;
    /** A key was written and its value is due. */
    private boolean keyPending;
    /** Each key's bytes, quoted and with the separator, by the key's identity. */
    private final java.util.Map<String, byte[]> keys = new java.util.IdentityHashMap<>();

    PrettyJsonWriter(OutputStream out) {
        this.out = out;
        this.buf = new byte[1 << 16];
    }

    /**
     * A writer of a fragment that will sit inside {@code enclosingObjects} open objects (its indentation), with a
     * small buffer: a plan renders thousands of them.
     */
    PrettyJsonWriter(OutputStream out, int enclosingObjects) {
        this.out = out;
        this.buf = new byte[256];
        this.objects = enclosingObjects;
    }

    void beginObject() throws IOException {
        beforeValue();
        push(false);
        objects++;
        put((byte) '{');
    }

    void endObject() throws IOException {
        int count = pop(false);
        objects--;
        if (count > 0) {
            newline(objects);
        } else {
            put((byte) ' ');
        }
        put((byte) '}');
    }

    void beginArray() throws IOException {
        beforeValue();
        push(true);
        put((byte) '[');
    }

    void endArray() throws IOException {
        pop(true);
        put((byte) ' ');
        put((byte) ']');
    }

    /** The next entry's key in the open object. */
    void key(String name) throws IOException {
        if (open == 0 || array[open - 1] || keyPending) {
            throw new IllegalStateException("a key outside an object or after another key: " + name);
        }
        if (entries[open - 1]++ > 0) {
            put((byte) ',');
        }
        newline(objects);
        // keys are a few dozen literals written 20,000 times each: their bytes once
        byte[] k = keys.get(name);
        if (k == null) {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            PrettyJsonWriter w = new PrettyJsonWriter(bytes, 0);
            w.string(name);
            w.put(KEY_VALUE, 0, KEY_VALUE.length);
            w.flush();
            k = bytes.toByteArray();
            keys.put(name, k);
        }
        put(k, 0, k.length);
        keyPending = true;
    }

    void value(long v) throws IOException {
        beforeValue();
        number(v);
    }

    void value(double v) throws IOException {
        beforeValue();
        if (Double.isFinite(v)) {
            ascii(Double.toString(v));
        } else {
            string(Double.toString(v)); // Jackson's default: NaN and infinities quoted
        }
    }

    void value(boolean v) throws IOException {
        beforeValue();
        ascii(v ? "true" : "false");
    }

    /** A string value, or {@code null}. */
    void value(String v) throws IOException {
        beforeValue();
        if (v == null) {
            ascii("null");
        } else {
            string(v);
        }
    }

    /** A value written elsewhere by a writer of this layout at the same depth (a memoised fragment). */
    void rawValue(byte[] bytes) throws IOException {
        beforeValue();
        put(bytes, 0, bytes.length);
    }

    /** Writes out what is buffered (the stream itself is the caller's). */
    void flush() throws IOException {
        out.write(buf, 0, n);
        n = 0;
        out.flush();
    }

    void raw(char c) throws IOException {
        put((byte) c);
    }

    private void beforeValue() throws IOException {
        if (keyPending) {
            keyPending = false;
            return;
        }
        if (open == 0) {
            return;
        }
        if (!array[open - 1]) {
            throw new IllegalStateException("a value in an object without its key");
        }
        if (entries[open - 1]++ > 0) {
            put((byte) ',');
        }
        put((byte) ' ');
    }

    private void push(boolean isArray) {
        if (open == MAX_DEPTH) {
            throw new IllegalStateException("JSON nested deeper than " + MAX_DEPTH);
        }
        array[open] = isArray;
        entries[open] = 0;
        open++;
    }

    private int pop(boolean isArray) {
        if (open == 0 || array[open - 1] != isArray || keyPending) {
            throw new IllegalStateException("unbalanced " + (isArray ? "array" : "object") + " end");
        }
        return entries[--open];
    }

    private void newline(int level) throws IOException {
        put((byte) '\n');
        for (int i = 0; i < 2 * level; i++) {
            put((byte) ' ');
        }
    }

    private void number(long v) throws IOException {
        if (v == Long.MIN_VALUE) {
            ascii(Long.toString(v));
            return;
        }
        if (n + 20 > buf.length) {
            drain();
        }
        if (v < 0) {
            buf[n++] = '-';
            v = -v;
        }
        int start = n;
        do {
            buf[n++] = (byte) ('0' + (int) (v % 10));
            v /= 10;
        } while (v != 0);
        for (int i = start, j = n - 1; i < j; i++, j--) {
            byte t = buf[i];
            buf[i] = buf[j];
            buf[j] = t;
        }
    }

    private void ascii(String s) throws IOException {
        for (int i = 0; i < s.length(); i++) {
            put((byte) s.charAt(i));
        }
    }

    /** A quoted string: '"', '\\', control characters and surrogates escaped as Jackson does, other text as UTF-8. */
    private void string(String s) throws IOException {
        put((byte) '"');
        byte[] ascii = s.getBytes(StandardCharsets.UTF_8);
        if (ascii.length == s.length()) {
            // all ASCII (each char one byte): the bytes as they are unless one needs an escape
            int from = 0;
            for (int i = 0; i < ascii.length; i++) {
                byte b = ascii[i];
                if (b < 0x20 || b == '"' || b == '\\') {
                    put(ascii, from, i - from);
                    escapeOrPut((char) b);
                    from = i + 1;
                }
            }
            put(ascii, from, ascii.length - from);
            put((byte) '"');
            return;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                escapeOrPut(c);
            } else if (c < 0x800) {
                put((byte) (0xC0 | c >> 6));
                put((byte) (0x80 | c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                // Jackson escapes each half of a pair (and would refuse a lone half)
                put2('\\', 'u');
                put(HEX[c >> 12]);
                put(HEX[c >> 8 & 0xF]);
                put(HEX[c >> 4 & 0xF]);
                put(HEX[c & 0xF]);
            } else {
                put((byte) (0xE0 | c >> 12));
                put((byte) (0x80 | c >> 6 & 0x3F));
                put((byte) (0x80 | c & 0x3F));
            }
        }
        put((byte) '"');
    }

    private void escapeOrPut(char c) throws IOException {
        switch (c) {
            case '"' -> put2('\\', '"');
            case '\\' -> put2('\\', '\\');
            case '\n' -> put2('\\', 'n');
            case '\t' -> put2('\\', 't');
            case '\r' -> put2('\\', 'r');
            case '\b' -> put2('\\', 'b');
            case '\f' -> put2('\\', 'f');
            default -> {
                if (c < 0x20) {
                    put2('\\', 'u');
                    put((byte) '0');
                    put((byte) '0');
                    put(HEX[c >> 4]);
                    put(HEX[c & 0xF]);
                } else {
                    put((byte) c);
                }
            }
        }
    }

    private void put2(char a, char b) throws IOException {
        put((byte) a);
        put((byte) b);
    }

    private void put(byte b) throws IOException {
        if (n == buf.length) {
            drain();
        }
        buf[n++] = b;
    }

    private void put(byte[] b, int off, int len) throws IOException {
        if (len > buf.length - n) {
            drain();
            if (len > buf.length) {
                out.write(b, off, len);
                return;
            }
        }
        System.arraycopy(b, off, buf, n, len);
        n += len;
    }

    private void drain() throws IOException {
        out.write(buf, 0, n);
        n = 0;
    }
}
