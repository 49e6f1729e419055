package io.moesim.sim.serving;

import java.util.ArrayList;
import java.util.List;

/** What one iteration computes: decodes (one token each) and prefill chunks. */
final class Batch {
    final List<Sequence> decodes = new ArrayList<>();
    final List<Sequence> prefills = new ArrayList<>();
    final List<Long> chunks = new ArrayList<>();

    boolean isEmpty() {
        return decodes.isEmpty() && prefills.isEmpty();
    }

    long prefillTokens() {
        long s = 0;
        for (long c : chunks) {
            s += c;
        }
        return s;
    }

    /** Σ over prefill chunks of the keys each attends to: the earlier chunks of its prompt plus itself. */
    long prefillContext() {
        long s = 0;
        for (int i = 0; i < prefills.size(); i++) {
            s += prefills.get(i).prefilled + chunks.get(i);
        }
        return s;
    }

    /** Σ over decodes of the context each attends to (its KV plus the new token). */
    long decodeContext() {
        long s = 0;
        for (Sequence q : decodes) {
            s += q.kvTokens + 1;
        }
        return s;
    }
}
