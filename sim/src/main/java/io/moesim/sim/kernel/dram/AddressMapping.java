package io.moesim.sim.kernel.dram;

import io.moesim.sim.kernel.KernelException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How a pseudo-channel-local byte address splits into row, rank, bank, bank group and column.
 * The burst offset (log2 of the access size) is always the least significant field; the others
 * follow in the order given, most significant first, e.g. the default
 * {@code row:rank:bank:column:bankgroup}: consecutive bursts rotate over the 4 bank groups (so
 * back-to-back reads obey tCCD_S, not tCCD_L), then walk the columns of one row in each, then move
 * to the next bank, rank and finally row.
 *
 * <p>Fields are mixed-radix digits, so counts need not be powers of two (a 12-high HBM3 stack has
 * 3 stack IDs): field = (burst index / stride) mod count, the stride being the product of the
 * counts of the less significant fields.
 *
 * <p>A field written {@code column/K} is the low digit of the column, K bursts, placed where it
 * stands; the {@code column} field then counts the rest (columns / K). {@code
 * row:rank:bank:column:bankgroup:column/2} keeps each 64 B (two bursts) in one row of one bank
 * group before moving to the next bank group: a 64 B access is one activation.
 *
 * <p>Named schemes are listed in {@link io.moesim.hw.MemoryController#MAPPINGS}.
 *
 * <p>Addresses reaching a pseudo-channel are already stripped of the bits that chose the
 * pseudo-channel and stack (the device interleaves PCs at a fixed granule above this mapping).
 */
public final class AddressMapping {

    /** One field of the address. */
    public enum Field { ROW, RANK, BANK, BANKGROUP, COLUMN, COLUMN_LOW }

    /** The field order of the default scheme (see {@link io.moesim.hw.MemoryController#DEFAULTS}). */
    public static final String DEFAULT = io.moesim.hw.MemoryController.DEFAULTS.mappingFields();
    /** The scheme moesim used before 64 B accesses stayed in one row; the dram-peers reference streams use it. */
    public static final String BG_INTERLEAVE_32 = io.moesim.hw.MemoryController.fieldsOf("bg-interleave-32");

    private final List<Field> msbFirst;
    private final long[] stride = new long[Field.values().length];
    private final long[] count = new long[Field.values().length];
    private final int burstShift;

    private final int columnLow;

    private AddressMapping(List<Field> msbFirst, int columnLow, int burstBytes, int columns, int bankGroups, int banksPerGroup,
            int ranks) {
        this.msbFirst = List.copyOf(msbFirst);
        this.columnLow = columnLow;
        this.burstShift = log2Exact(burstBytes, "burst bytes");
        if (columnLow > 1 && columns % columnLow != 0) {
            throw new KernelException("address mapping: column/" + columnLow + " does not divide the " + columns + " columns of a row");
        }
        long s = 1;
        for (int i = msbFirst.size() - 1; i >= 0; i--) {
            Field f = msbFirst.get(i);
            int n = switch (f) {
                case ROW -> Integer.MAX_VALUE; // unbounded: takes everything left
                case RANK -> ranks;
                case BANK -> banksPerGroup;
                case BANKGROUP -> bankGroups;
                case COLUMN -> columns / Math.max(1, columnLow);
                case COLUMN_LOW -> columnLow;
            };
            if (n <= 0) {
                throw new KernelException("address mapping: " + f.name().toLowerCase(Locale.ROOT) + " count must be > 0, got " + n);
            }
            stride[f.ordinal()] = s;
            count[f.ordinal()] = f == Field.ROW ? Long.MAX_VALUE : n;
            if (f != Field.ROW) {
                s = Math.multiplyExact(s, (long) n);
            }
        }
    }

    /**
     * Parses {@code row:rank:bank:column:bankgroup} (any order, each field once, row first, an
     * optional {@code column/K} low column digit) or a scheme name of
     * {@link io.moesim.hw.MemoryController#MAPPINGS}.
     */
    public static AddressMapping parse(String text, int burstBytes, int columns, int bankGroups, int banksPerGroup, int ranks) {
        text = io.moesim.hw.MemoryController.fieldsOf(text);
        List<Field> fields = new ArrayList<>();
        int columnLow = 0;
        for (String part : text.split(":")) {
            Field f;
            if (part.trim().startsWith("column/")) {
                try {
                    columnLow = Integer.parseInt(part.trim().substring("column/".length()));
                } catch (NumberFormatException e) {
                    columnLow = -1;
                }
                if (columnLow < 1 || fields.contains(Field.COLUMN_LOW)) {
                    throw new KernelException("address mapping '" + text + "': '" + part + "' needs one whole count of bursts, e.g. column/2");
                }
                fields.add(Field.COLUMN_LOW);
                continue;
            }
            try {
                f = Field.valueOf(part.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new KernelException("address mapping '" + text + "': unknown field '" + part + "' (expected row, rank, bank, bankgroup, column)");
            }
            if (fields.contains(f)) {
                throw new KernelException("address mapping '" + text + "': field '" + part + "' twice");
            }
            fields.add(f);
        }
        int needed = Field.values().length - (fields.contains(Field.COLUMN_LOW) ? 0 : 1);
        if (fields.size() != needed || fields.get(0) != Field.ROW) {
            throw new KernelException("address mapping '" + text + "': needs all of row, rank, bank, bankgroup, column, row first");
        }
        return new AddressMapping(fields, columnLow, burstBytes, columns, bankGroups, banksPerGroup, ranks);
    }

    public long field(long address, Field f) {
        if (f == Field.COLUMN && columnLow > 1) {
            return digit(address, Field.COLUMN) * columnLow + digit(address, Field.COLUMN_LOW);
        }
        return digit(address, f);
    }

    private long digit(long address, Field f) {
        long burst = address >>> burstShift;
        long digit = burst / stride[f.ordinal()];
        return f == Field.ROW ? digit : digit % count[f.ordinal()];
    }

    public int burstShift() {
        return burstShift;
    }

    public String text() {
        StringBuilder b = new StringBuilder();
        for (Field f : msbFirst) {
            if (b.length() > 0) {
                b.append(':');
            }
            b.append(f == Field.COLUMN_LOW ? "column/" + columnLow : f.name().toLowerCase(Locale.ROOT));
        }
        return b.toString();
    }

    private static int log2Exact(int v, String what) {
        if (v <= 0 || Integer.bitCount(v) != 1) {
            throw new KernelException("address mapping: " + what + " " + v + " is not a power of two");
        }
        return Integer.numberOfTrailingZeros(v);
    }
}
