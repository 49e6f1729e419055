package io.moesim.sim.kernel;

import it.unimi.dsi.fastutil.longs.Long2ObjectOpenHashMap;

/**
 * Memo of estimates by signature, in two parts: the op (op and operand types) and the specs (the
 * processor's and memory's full spec text). A 64-bit key made of their fingerprints ({@link #key})
 * keys a primitive hash map; the entry keeps both texts, so a key collision is detected (and simply
 * not cached) rather than answered wrongly. Thread-safe.
 */
public final class KernelCache {
    private record Entry(String op, String specs, OpEstimate estimate) {
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

    /**
     * The key of a signature from its op text and the fingerprint of its specs text (computed once per
     * specs by the caller), so a lookup hashes the op's few dozen chars, not the kilobytes of spec text.
     */
    public static long key(String op, long specsFingerprint) {
        return fingerprint(op) * 0x9E3779B97F4A7C15L ^ specsFingerprint;
    }

    public synchronized OpEstimate get(long key, String op, String specs) {
        Entry e = map.get(key);
        if (e != null && e.op.equals(op) && e.specs.equals(specs)) {
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

    public synchronized void put(long key, String op, String specs, OpEstimate estimate) {
        Entry e = map.get(key);
        if (e == null) {
            map.put(key, new Entry(op, specs, estimate));
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
