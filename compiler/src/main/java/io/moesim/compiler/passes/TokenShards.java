package io.moesim.compiler.passes;

import it.unimi.dsi.fastutil.longs.LongList;

/**
 * Splits routed token copies among the token shards of expert parallelism. The copies of a batch,
 * sorted by expert, are cut into equal consecutive chunks, so both conservations hold exactly: every
 * shard holds T·k/S copies, and each expert's copies over all shards add up to its total.
 */
public final class TokenShards {
    private TokenShards() {
    }

    /** Per-expert copies held by shard {@code s} of {@code shards}. */
    public static long[] shard(LongList tokens, int shards, int s) {
        long total = 0;
        for (int i = 0; i < tokens.size(); i++) {
            total += tokens.getLong(i);
        }
        if (total % shards != 0) {
            throw new IllegalArgumentException("routed copies " + total + " do not split over " + shards + " shards");
        }
        long chunk = total / shards;
        long lo = s * chunk;
        long hi = lo + chunk;
        long[] out = new long[tokens.size()];
        long cum = 0;
        for (int e = 0; e < tokens.size(); e++) {
            long a = cum;
            long b = cum + tokens.getLong(e);
            out[e] = Math.max(0, Math.min(b, hi) - Math.max(a, lo));
            cum = b;
        }
        return out;
    }

    /** {@code total} split into {@code parts} near-equal parts, larger ones first. */
    public static long[] balanced(long total, int parts) {
        long[] out = new long[parts];
        long base = total / parts;
        long rem = total % parts;
        for (int i = 0; i < parts; i++) {
            out[i] = base + (i < rem ? 1 : 0);
        }
        return out;
    }
}
