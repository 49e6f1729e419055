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

    boolean decoding() {
        return prefilled == prefillTarget;
    }
}
