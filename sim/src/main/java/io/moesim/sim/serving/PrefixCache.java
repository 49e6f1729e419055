package io.moesim.sim.serving;

import io.moesim.sim.SimulationException;
import java.util.List;

/**
 * Prefix caching as a token hit rate (vLLM reports its prefix-cache hit rate in tokens): the first
 * ⌊R · L_in⌋ prompt tokens of every request (at most L_in − 1, since the last prompt token is always
 * computed to sample the first output token) are found in the cache. Their prefill is skipped (the
 * computed chunk still attends to them), and their KV blocks are shared: the longest cached prefix is
 * resident once and held out of the KV capacity, and no request holds KV of its own for its hit
 * tokens. The model is a shared system prompt or few-shot header every request starts with.
 */
public final class PrefixCache {
    private PrefixCache() {
    }

    /** The hit rate, checked to lie in [0, 1). */
    public static double check(double hit) {
        if (!(hit >= 0 && hit < 1)) {
            throw new IllegalArgumentException("prefix-hit rate must be in [0, 1), got " + hit);
        }
        return hit;
    }

    /** Prompt tokens of a request of {@code in} tokens found in the cache at hit rate {@code hit}. */
    public static long hitTokens(long in, double hit) {
        return Math.max(0, Math.min((long) Math.floor(hit * in), in - 1));
    }

    /** Marks every sequence's cached prefix; returns the resident shared prefix (the longest one), in tokens. */
    static long apply(List<Sequence> all, double hit) {
        long resident = 0;
        if (hit > 0) {
            for (Sequence s : all) {
                s.sharePrefix(hitTokens(s.in, hit));
                resident = Math.max(resident, s.shared);
            }
        }
        return resident;
    }

    /** KV capacity left to requests beside the resident shared prefix. */
    static long capacityLeft(long capacity, long resident) {
        if (resident >= capacity) {
            throw new SimulationException(0, "prefix cache", "the shared prefix of " + resident + " tokens fills the KV cache of "
                    + capacity + " tokens");
        }
        return capacity - resident;
    }
}
