package io.moesim.validation.database;


/**
 * The database's calibration/test split, fixed before any result was looked at: a row is a test row
 * when the FNV-1a hash of {@code moesim-database-split-v1|op} falls in the lowest 3 of 10 buckets. It
 * depends on the op's shape only, not on the GPU or the framework, so a shape held back on H100 is
 * held back on H200 and in every framework too (no fit sees it anywhere).
 */
public enum DbSplit {
    CALIBRATION, TEST;

    public static final String SEED = "moesim-database-split-v1";

    public static DbSplit of(String opText) {
        return Long.remainderUnsigned(fnv1a(SEED + "|" + opText), 10) < 3 ? TEST : CALIBRATION;
    }

    static long fnv1a(String s) {
        return io.moesim.validation.trace.Split.fnv1a(s);
    }
}
