package io.moesim.ir.model;

import java.util.Locale;

/** What one serving iteration computes. */
public enum Phase {
    /** Whole prompts: every token of each sequence at once. */
    PREFILL,
    /** One new token per sequence against its KV cache. */
    DECODE,
    /** Prefill chunks and decodes in one batch, as continuous batching forms them. */
    MIXED;

    public static Phase parse(String s) {
        try {
            return valueOf(s.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ModelException("unknown phase '" + s + "' (expected prefill, decode or mixed)");
        }
    }

    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }
}
