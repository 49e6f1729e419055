package io.moesim.validation.serving;

import io.moesim.validation.trace.Split;
import java.util.List;

/**
 * The serving set's calibration / held-back split, fixed before any serving result was looked at
 * (issue 12): a row is held back when the FNV-1a hash of {@code moesim-serving-split-v1|<row id>} has its top bit set
 * (the hash's best-mixed bit), so about half the rows are held back, by nothing but their id. Any figure fitted at serving level
 * (the {@code serving:} block of a framework profile) reads calibration rows only, through
 * {@link #calibration}; {@code validate --serving} reports the held-back rows beside them.
 */
public enum ServingSplit {
    CALIBRATION, HELD_BACK;

    public static final String SEED = "moesim-serving-split-v1";

    public static ServingSplit of(String rowId) {
        // the top bit: FNV-1a's low bit is only the parity of the characters' low bits
        return Split.fnv1a(SEED + "|" + rowId) < 0 ? HELD_BACK : CALIBRATION;
    }

    public static ServingSplit of(ServingRow row) {
        return of(row.id());
    }

    /** The rows a serving-level fit may read: the calibration rows, in order. */
    public static List<ServingRow> calibration(List<ServingRow> rows) {
        return rows.stream().filter(r -> of(r) == CALIBRATION).toList();
    }

    /** The held-back rows, in order. */
    public static List<ServingRow> heldBack(List<ServingRow> rows) {
        return rows.stream().filter(r -> of(r) == HELD_BACK).toList();
    }

    public String text() {
        return this == CALIBRATION ? "calibration" : "held_back";
    }
}
