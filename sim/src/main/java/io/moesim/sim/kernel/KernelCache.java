package io.moesim.sim.kernel;

import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;

/**
 * Memo of estimates by (op signature, processor spec): a 64-bit fingerprint of the signature text
 * keys a primitive hash map; the entry keeps the text, so a fingerprint collision is detected
 * (and simply not cached) rather than answered wrongly. Thread-safe.
 */
public final class KernelCache {
    private record Entry(String signature, OpEstimate estimate) {
    }

    private final Long2ObjectOpenHashMap<Entry> map = new Long2ObjectOpenHashMap<>();
    private long hits;
    private long misses;

    /** FNV-1a 64 over the signature's chars. */
    public static long fingerprint(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }

    public synchronized OpEstimate get(long key, String signature) {
        Entry e = map.get(key);
        if (e != null && e.signature.equals(signature)) {
            hits++;
            return e.estimate;
        }
        misses++;
        return null;
    }

    /** A hit answered by a memo in front of this one (counted here, so hits cover every repeat). */
    synchronized void recordHit() {
        hits++;
    }

    public synchronized void put(long key, String signature, OpEstimate estimate) {
        Entry e = map.get(key);
        if (e == null) {
            map.put(key, new Entry(signature, estimate));
        }
    }

    public synchronized long hits() {
        return hits;
    }

    public synchronized long misses() {
        return misses;
    }

    public synchronized int size() {
        return map.size();
    }
}
