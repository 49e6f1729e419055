package io.moesim.sim.serving;

/**
 * The quantised shape of an iteration, the key of the graph/plan/execution cache: the number of
 * decodes and their mean context, the number of prefill chunks and their mean length.
 *
 * <p>Using the mean decode context is exact for the KV bytes decode attention reads (Σ kv = n ·
 * mean); for prefill, attention FLOPs are quadratic in the chunk, so the mean chunk slightly
 * underestimates a batch of unequal chunks. Both means are then rounded to {@code bits} significant
 * bits (see {@link #quantise}): a relative error of at most 2^−bits (3.1% at the default 5 bits,
 * 1.6% at 6), while consecutive decode iterations, whose mean context grows by one token, keep
 * hitting the same entry for about mean/2^bits iterations.
 *
 * <p>{@code decodeQuery} is the query tokens of each decode: 1 for a plain step, k + 1 for a
 * speculative verifier pass, whose {@code decodeContext} then counts the k proposed tokens too.
 */
public record BatchSignature(int decodes, long decodeContext, int prefills, long prefillLength, long prefillContext, int decodeQuery) {

    public BatchSignature {
        if (decodeQuery < 1) {
            throw new IllegalArgumentException("batch signature: decode query tokens must be >= 1, got " + decodeQuery);
        }
    }

    /** A signature whose decodes are plain steps (one query token each). */
    public BatchSignature(int decodes, long decodeContext, int prefills, long prefillLength, long prefillContext) {
        this(decodes, decodeContext, prefills, prefillLength, prefillContext, 1);
    }

    /** A signature whose prefill chunks are whole prompts. */
    public BatchSignature(int decodes, long decodeContext, int prefills, long prefillLength) {
        this(decodes, decodeContext, prefills, prefillLength, prefillLength);
    }

    static BatchSignature of(Batch b, int bits) {
        return of(b, bits, 0);
    }

    /**
     * The signature of {@code b} with each decode verifying {@code k} proposed tokens (k + 1 query
     * tokens, k more keys each); k = 0 is a plain iteration.
     */
    static BatchSignature of(Batch b, int bits, int k) {
        int nd = b.decodes.size();
        int np = b.prefills.size();
        long kv = nd == 0 ? 0 : quantise(Math.round((double) b.decodeContext() / nd) + k, bits);
        long pl = np == 0 ? 0 : quantise(Math.round((double) b.prefillTokens() / np), bits);
        long pc = np == 0 ? 0 : quantise(Math.round((double) b.prefillContext() / np), bits);
        pl = Math.max(pl, np == 0 ? 0 : 1);
        // chunked prefill: a chunk attends to its prompt's earlier chunks too (never fewer keys than itself)
        return new BatchSignature(nd, Math.max(kv, nd == 0 ? 0 : k + 1), np, pl, Math.max(pc, pl), nd == 0 ? 1 : k + 1);
    }

    /**
     * Rounds {@code x} to the nearest value with {@code bits} significant bits: values below 2^bits
     * stay exact, larger ones move by at most half a step of 2^(⌊log2 x⌋ − bits + 1).
     */
    public static long quantise(long x, int bits) {
        if (x < (1L << bits)) {
            return x;
        }
        int shift = 63 - Long.numberOfLeadingZeros(x) - bits + 1;
        long step = 1L << shift;
        return ((x + step / 2) >> shift) << shift;
    }

    /**
     * A mix of the fields for seeding the iteration's routing draw: the fields that say which tokens are routed (the
     * decodes, the prefill chunks and their length, the query tokens of a verifier pass), not the contexts, which route
     * no token. So signatures that differ only in context share their expert loads: the fast iteration model's corners
     * around a decode (n, c) at (n, c_lo) and (n, c_hi) carry the same routing as (n, c), and a decode iteration's cost
     * stays near affine in c even where the split of experts between xPU and PIM jumps from one draw to the next.
     */
    long mix(long seed) {
        long h = seed;
        h = h * 0x9E3779B97F4A7C15L + decodes;
        h = h * 0x9E3779B97F4A7C15L + prefills;
        h = h * 0x9E3779B97F4A7C15L + prefillLength;
        if (decodeQuery > 1) {
            h = h * 0x9E3779B97F4A7C15L + decodeQuery; // plain signatures keep their routing draws
        }
        return h ^ (h >>> 31);
    }
}
