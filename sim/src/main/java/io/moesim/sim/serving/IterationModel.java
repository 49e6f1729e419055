package io.moesim.sim.serving;

import java.util.Locale;

/**
 * Where the serving loop gets an iteration's cost from: {@link IterationCache} (the exact path:
 * each distinct batch signature compiled and simulated event by event) or
 * {@link FastIterationModel} (interpolated between exactly simulated grid signatures), or
 * {@link WideEpIterationModel} (a wide-EP instance's step model).
 */
public sealed interface IterationModel permits IterationCache, FastIterationModel, OffloadIterationModel, WideEpIterationModel {

    /** The choice of {@code --iteration-model}. */
    enum Kind {
        EXACT, FAST;

        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** The cost of one iteration of this signature. */
    IterationOutcome get(BatchSignature s);

    /**
     * The event-level execution of this signature, for a trace (the fast path simulates the
     * signature exactly only when a trace asks for it).
     */
    IterationOutcome exact(BatchSignature s);

    String[] processorNames();

    /** Distinct signatures seen. */
    int size();

    /** Iterations answered from memory. */
    long hits();

    /** Iteration shapes compiled and simulated event by event. */
    long simulated();
}
