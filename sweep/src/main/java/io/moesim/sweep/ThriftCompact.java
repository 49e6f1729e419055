package io.moesim.sweep;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/** The few parts of Thrift's compact protocol that a Parquet footer and page header need. */
final class ThriftCompact {
    static final int I32 = 5;
    static final int I64 = 6;
    static final int BINARY = 8;
    static final int LIST = 9;
    static final int STRUCT = 12;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final Deque<Integer> lastField = new ArrayDeque<>();
    private int last;

    void field(int type, int id) {
        int delta = id - last;
        if (delta > 0 && delta <= 15) {
            out.write((delta << 4) | type);
        } else {
            out.write(type);
            varint(zigzag(id));
        }
        last = id;
    }

    void i32(int id, int v) {
        field(I32, id);
        varint(zigzag(v));
    }

    void i64(int id, long v) {
        field(I64, id);
        varint(zigzag(v));
    }

    void string(int id, String s) {
        field(BINARY, id);
        rawString(s);
    }

    void rawString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        varint(b.length);
        out.writeBytes(b);
    }

    void rawI32(int v) {
        varint(zigzag(v));
    }

    /** A list field's header; the caller then writes {@code size} elements of {@code elemType}. */
    void list(int id, int elemType, int size) {
        field(LIST, id);
        listHeader(elemType, size);
    }

    void listHeader(int elemType, int size) {
        if (size < 15) {
            out.write((size << 4) | elemType);
        } else {
            out.write(0xF0 | elemType);
            varint(size);
        }
    }

    /** Opens a struct field; {@code id} 0 opens a list element. */
    void structBegin(int id) {
        if (id > 0) {
            field(STRUCT, id);
        }
        lastField.push(last);
        last = 0;
    }

    void structEnd() {
        out.write(0);
        last = lastField.pop();
    }

    /** Ends the top-level struct (it has no enclosing field to return to). */
    void stop() {
        out.write(0);
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    private static long zigzag(long n) {
        return (n << 1) ^ (n >> 63);
    }

    private void varint(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
