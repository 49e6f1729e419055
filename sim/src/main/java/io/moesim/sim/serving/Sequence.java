package io.moesim.sim.serving;

/** One request's progress through the server (mutable, owned by one serving loop). */
final class Sequence {
    final int id;
    final int in;
    final int out;
    long arrivalPs;
    /** Prompt to (re)compute: L_in, plus the tokens generated before a preemption (recompute policy). */
    long prefillTarget;
    long prefilled;
    long generated;
    long kvTokens;
    /**
     * Prompt tokens found in the prefix cache (shared KV blocks, resident once for all requests): they
     * count in {@code prefilled} and {@code kvTokens} (attention reads them) but not in the scheduler's KV use.
     */
    long shared;
    long firstTokenPs = -1;
    long lastTokenPs = -1;
    long finishPs = -1;

    Sequence(int id, long arrivalPs, int in, int out) {
        this.id = id;
        this.arrivalPs = arrivalPs;
        this.in = in;
        this.out = out;
        this.prefillTarget = in;
    }

    /** Marks the first {@code tokens} of the prompt as prefix-cache hits (at most L_in − 1: the last prompt token is always computed). */
    void sharePrefix(long tokens) {
        shared = Math.max(0, Math.min(tokens, in - 1L));
        prefilled = shared;
        kvTokens = shared;
    }

    /** Time to first token: arrival to the first generated token. */
    long ttftPs() {
        return firstTokenPs - arrivalPs;
    }

    /** End to end: arrival to the last token. */
    long e2ePs() {
        return finishPs - arrivalPs;
    }

    /** Time per output token after the first: (finish − first token) / (generated − 1); −1 with fewer than 2 tokens. */
    long tpotPs() {
        return generated >= 2 ? Math.round((finishPs - firstTokenPs) / (double) (generated - 1)) : -1;
    }

    boolean decoding() {
        return prefilled == prefillTarget;
    }
}
