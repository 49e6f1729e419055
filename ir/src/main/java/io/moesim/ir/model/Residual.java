package io.moesim.ir.model;

import io.moesim.ir.MoesimException;
import java.util.Locale;

/**
 * The form of a model's residual stream.
 *
 * <p>{@code STANDARD}: every attention/FFN module reads the residual stream with the previous
 * module's output already added (so, under tensor parallelism, after that output's all-reduce).
 *
 * <p>{@code LADDER} (Ladder Residual, Zhang et al. 2025): each module reads the residual stream
 * <em>without</em> the output of the module just before it; that output joins the stream one
 * module later. Block i's attention therefore does not wait for block i-1's FFN all-reduce, and
 * block i's FFN does not wait for block i's attention all-reduce: the communication leaves the
 * critical path by the dependencies alone. The ops (and their FLOPs and bytes) are the standard
 * ones; only which value each module reads changes (the model is a different, retrained
 * architecture — the paper trains it — so its outputs differ, its cost does not).
 */
public enum Residual {
    STANDARD, LADDER;

    /** {@code standard} or {@code ladder} (case-insensitive). */
    public static Residual parse(String s) {
        if (s != null) {
            for (Residual r : values()) {
                if (r.text().equals(s.trim().toLowerCase(Locale.ROOT))) {
                    return r;
                }
            }
        }
        throw new MoesimException("--residual: expected standard or ladder, got '" + s + "'");
    }

    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }
}
