package io.moesim.sim.kernel.dram;

/**
 * The requests one pseudo-channel sees, one burst each, in arrival order. Generated on demand (a
 * long stream is never materialised): {@link #address} and {@link #write} are pure functions of
 * the index, so a run is deterministic.
 */
public interface RequestSource {

    /** Number of burst requests. */
    long size();

    /** Byte address (pseudo-channel local) of request i. */
    long address(long i);

    /** Whether request i writes. */
    boolean write(long i);

    /** A sequential read stream of {@code bursts} bursts from address 0. */
    static RequestSource sequential(long bursts, int burstBytes) {
        return new Sequential(bursts, burstBytes, false);
    }

    /** A sequential write stream. */
    static RequestSource sequentialWrites(long bursts, int burstBytes) {
        return new Sequential(bursts, burstBytes, true);
    }

    /**
     * Random reads: {@code accesses} accesses of {@code burstsPerAccess} consecutive bursts each,
     * at aligned addresses drawn uniformly from {@code spanBytes} with a seeded hash.
     */
    static RequestSource random(long accesses, int burstsPerAccess, int burstBytes, long spanBytes, long seed) {
        return new Random(accesses, burstsPerAccess, burstBytes, spanBytes, seed);
    }

    /** Reads of {@code burstsPerAccess} bursts every {@code strideBytes}. */
    static RequestSource strided(long accesses, int burstsPerAccess, int burstBytes, long strideBytes) {
        return new Strided(accesses, burstsPerAccess, burstBytes, strideBytes);
    }

    /**
     * A copy: reads a block of {@code blockBursts} from the source, then writes it to the
     * destination {@code dstOffset} bytes away, block after block, as a copy kernel's write-drain
     * batches.
     */
    static RequestSource copy(long bursts, int burstBytes, int blockBursts, long dstOffset) {
        return new Copy(bursts, burstBytes, blockBursts, dstOffset);
    }

    record Sequential(long bursts, int burstBytes, boolean writes) implements RequestSource {
        @Override public long size() { return bursts; }
        @Override public long address(long i) { return i * burstBytes; }
        @Override public boolean write(long i) { return writes; }
    }

    record Random(long accesses, int burstsPerAccess, int burstBytes, long spanBytes, long seed) implements RequestSource {
        @Override public long size() { return accesses * burstsPerAccess; }

        @Override public long address(long i) {
            long access = i / burstsPerAccess;
            long slots = Math.max(1, spanBytes / ((long) burstsPerAccess * burstBytes));
            long slot = Long.remainderUnsigned(mix(seed * 0x9E3779B97F4A7C15L + access), slots);
            return (slot * burstsPerAccess + i % burstsPerAccess) * burstBytes;
        }

        @Override public boolean write(long i) { return false; }

        private static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            return z ^ (z >>> 31);
        }
    }

    record Strided(long accesses, int burstsPerAccess, int burstBytes, long strideBytes) implements RequestSource {
        @Override public long size() { return accesses * burstsPerAccess; }
        @Override public long address(long i) { return (i / burstsPerAccess) * strideBytes + (i % burstsPerAccess) * burstBytes; }
        @Override public boolean write(long i) { return false; }
    }

    record Copy(long bursts, int burstBytes, int blockBursts, long dstOffset) implements RequestSource {
        @Override public long size() { return 2 * bursts; }

        @Override public long address(long i) {
            long block = i / (2L * blockBursts);
            long within = i % blockBursts;
            long burst = block * blockBursts + within;
            return write(i) ? dstOffset + burst * burstBytes : burst * burstBytes;
        }

        @Override public boolean write(long i) { return (i / blockBursts) % 2 == 1; }
    }
}
