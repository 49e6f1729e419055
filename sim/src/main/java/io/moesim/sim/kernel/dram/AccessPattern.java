package io.moesim.sim.kernel.dram;

/**
 * How a kernel touches DRAM, as the device-level HBM model understands it. Each pattern is spread
 * evenly over every pseudo-channel of every stack (the device interleaves addresses over PCs at
 * {@link HbmModel#INTERLEAVE_BYTES}), so one pseudo-channel sees 1/PCs of it.
 */
public sealed interface AccessPattern {

    /** A short key for caches and reports. */
    String key();

    /** One long read stream (GEMM operands, weights, KV cache). */
    record SequentialRead() implements AccessPattern {
        @Override public String key() { return "seq-read"; }
    }

    /** Read a block, write it elsewhere, repeat: a device-to-device copy. */
    record Copy() implements AccessPattern {
        @Override public String key() { return "copy"; }
    }

    /** Independent accesses of {@code bytes} at random aligned addresses (embedding rows, gathers). */
    record Random(int bytes) implements AccessPattern {
        @Override public String key() { return "random-" + bytes; }
    }

    /** Accesses of {@code bytes} every {@code strideBytes} (strided rows of a tensor). */
    record Strided(int bytes, long strideBytes) implements AccessPattern {
        @Override public String key() { return "strided-" + bytes + "-" + strideBytes; }
    }

    AccessPattern SEQUENTIAL = new SequentialRead();
    AccessPattern COPY = new Copy();
}
