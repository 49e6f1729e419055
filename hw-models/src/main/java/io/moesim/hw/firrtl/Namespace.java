package io.moesim.hw.firrtl;

import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;

/**
 * A set of taken identifiers that hands out fresh ones: the first request for {@code x} gets
 * {@code x}, later ones {@code x_1}, {@code x_2}, ... (skipping any already taken). Deterministic:
 * the names depend only on the order of requests.
 */
public final class Namespace {

    // name -> next suffix to try for that base; presence of a key means the name is taken.
    private final Object2IntOpenHashMap<String> next = new Object2IntOpenHashMap<>();

    public Namespace() {
        next.defaultReturnValue(-1);
    }

    /** True when {@code name} is already taken. */
    public boolean contains(String name) {
        return next.containsKey(name);
    }

    /** Returns a legal identifier derived from {@code base} that was not taken, and takes it. */
    public String fresh(String base) {
        String legal = Names.legalize(base);
        if (!next.containsKey(legal)) {
            next.put(legal, 1);
            return legal;
        }
        int n = next.getInt(legal);
        String candidate = legal + "_" + n;
        while (next.containsKey(candidate)) {
            n++;
            candidate = legal + "_" + n;
        }
        next.put(legal, n + 1);
        next.put(candidate, 1);
        return candidate;
    }
}
