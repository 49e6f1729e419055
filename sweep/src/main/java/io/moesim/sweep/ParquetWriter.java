package io.moesim.sweep;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A minimal Parquet writer for result tables: one row group, one uncompressed PLAIN data page per
 * column, definition levels for optional columns. A sweep's table is small (one row per point), so
 * nothing more is needed; writing it here keeps Hadoop and parquet-mr (tens of MB) out of the CLI,
 * and gives the same bytes for the same rows. Checked against Spark's reader in the tests.
 */
public final class ParquetWriter {
    private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);
    // Parquet's enums (parquet.thrift).
    private static final int INT64 = 2;
    private static final int DOUBLE = 5;
    private static final int BYTE_ARRAY = 6;
    private static final int REQUIRED = 0;
    private static final int OPTIONAL = 1;
    private static final int UTF8 = 0;
    private static final int PLAIN = 0;
    private static final int RLE = 3;
    private static final int UNCOMPRESSED = 0;
    private static final int DATA_PAGE = 0;

    private ParquetWriter() {
    }

    public static byte[] write(ResultTable t) {
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(MAGIC);
        int n = t.rows().size();
        List<ResultTable.Column> cols = t.columns();
        long[] offsets = new long[cols.size()];
        long[] sizes = new long[cols.size()];
        for (int c = 0; c < cols.size(); c++) {
            byte[] page = page(t, c);
            ThriftCompact h = new ThriftCompact();
            h.i32(1, DATA_PAGE);
            h.i32(2, page.length);
            h.i32(3, page.length);
            h.structBegin(5);
            h.i32(1, n);
            h.i32(2, PLAIN);
            h.i32(3, RLE);
            h.i32(4, RLE);
            h.structEnd();
            h.stop();
            byte[] header = h.bytes();
            offsets[c] = file.size();
            sizes[c] = header.length + page.length;
            file.writeBytes(header);
            file.writeBytes(page);
        }
        byte[] footer = footer(t, offsets, sizes);
        file.writeBytes(footer);
        file.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(footer.length).array());
        file.writeBytes(MAGIC);
        return file.toByteArray();
    }

    private static byte[] page(ResultTable t, int c) {
        ResultTable.Column col = t.columns().get(c);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (col.optional()) {
            byte[] levels = definitionLevels(t, c);
            out.writeBytes(le32(levels.length));
            out.writeBytes(levels);
        }
        ByteBuffer eight = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        for (List<Object> row : t.rows()) {
            Object v = row.get(c);
            if (v == null) {
                continue; // absent values are only in the definition levels
            }
            switch (col.kind()) {
                case LONG -> out.writeBytes(eight.clear().putLong((Long) v).array());
                case DOUBLE -> out.writeBytes(eight.clear().putDouble((Double) v).array());
                case STRING -> {
                    byte[] b = ((String) v).getBytes(StandardCharsets.UTF_8);
                    out.writeBytes(le32(b.length));
                    out.writeBytes(b);
                }
            }
        }
        return out.toByteArray();
    }

    /** Levels 0 (null) / 1 (present) as RLE runs of the RLE/bit-packed hybrid, bit width 1. */
    private static byte[] definitionLevels(ResultTable t, int c) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        int n = t.rows().size();
        while (i < n) {
            boolean present = t.rows().get(i).get(c) != null;
            int j = i;
            while (j < n && (t.rows().get(j).get(c) != null) == present) {
                j++;
            }
            long header = (long) (j - i) << 1; // low bit 0: an RLE run
            while ((header & ~0x7FL) != 0) {
                out.write((int) ((header & 0x7F) | 0x80));
                header >>>= 7;
            }
            out.write((int) header);
            out.write(present ? 1 : 0);
            i = j;
        }
        return out.toByteArray();
    }

    private static byte[] footer(ResultTable t, long[] offsets, long[] sizes) {
        List<ResultTable.Column> cols = t.columns();
        ThriftCompact f = new ThriftCompact();
        f.i32(1, 1);
        f.list(2, ThriftCompact.STRUCT, cols.size() + 1);
        f.structBegin(0);
        f.string(4, "schema");
        f.i32(5, cols.size());
        f.structEnd();
        for (ResultTable.Column col : cols) {
            f.structBegin(0);
            f.i32(1, physical(col.kind()));
            f.i32(3, col.optional() ? OPTIONAL : REQUIRED);
            f.string(4, col.name());
            if (col.kind() == ResultTable.Kind.STRING) {
                f.i32(6, UTF8);
            }
            f.structEnd();
        }
        f.i64(3, t.rows().size());
        f.list(4, ThriftCompact.STRUCT, 1);
        f.structBegin(0);
        f.list(1, ThriftCompact.STRUCT, cols.size());
        long total = 0;
        for (int c = 0; c < cols.size(); c++) {
            ResultTable.Column col = cols.get(c);
            f.structBegin(0);
            f.i64(2, offsets[c]);
            f.structBegin(3);
            f.i32(1, physical(col.kind()));
            f.list(2, ThriftCompact.I32, 2);
            f.rawI32(PLAIN);
            f.rawI32(RLE);
            f.list(3, ThriftCompact.BINARY, 1);
            f.rawString(col.name());
            f.i32(4, UNCOMPRESSED);
            f.i64(5, t.rows().size());
            f.i64(6, sizes[c]);
            f.i64(7, sizes[c]);
            f.i64(9, offsets[c]);
            f.structEnd();
            f.structEnd();
            total += sizes[c];
        }
        f.i64(2, total);
        f.i64(3, t.rows().size());
        f.structEnd();
        f.string(6, "moesim sweep");
        f.stop();
        return f.bytes();
    }

    private static int physical(ResultTable.Kind k) {
        return switch (k) {
            case LONG -> INT64;
            case DOUBLE -> DOUBLE;
            case STRING -> BYTE_ARRAY;
        };
    }

    private static byte[] le32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }
}
