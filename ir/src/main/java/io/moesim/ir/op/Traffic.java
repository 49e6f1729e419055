package io.moesim.ir.op;

/**
 * Minimum DRAM traffic of one op execution, in bytes, split by what is moved: weights read once,
 * activations read and written once, KV cache read and written. Each byte is counted once: this
 * is the lower bound a perfect on-chip reuse achieves, the denominator of Op/B.
 */
public record Traffic(long weightBytes, long activationReadBytes, long activationWriteBytes, long kvReadBytes, long kvWriteBytes) {
    public static final Traffic ZERO = new Traffic(0, 0, 0, 0, 0);

    public Traffic {
        if (weightBytes < 0 || activationReadBytes < 0 || activationWriteBytes < 0 || kvReadBytes < 0 || kvWriteBytes < 0) {
            throw new ArithmeticException("negative traffic (a size overflowed)");
        }
    }

    public static Traffic activations(long read, long written) {
        return new Traffic(0, read, written, 0, 0);
    }

    public long total() {
        return Math.addExact(Math.addExact(Math.addExact(weightBytes, activationReadBytes), Math.addExact(activationWriteBytes, kvReadBytes)),
                kvWriteBytes);
    }

    public long activationBytes() {
        return activationReadBytes + activationWriteBytes;
    }

    public long kvBytes() {
        return kvReadBytes + kvWriteBytes;
    }

    public Traffic plus(Traffic o) {
        return new Traffic(Math.addExact(weightBytes, o.weightBytes), Math.addExact(activationReadBytes, o.activationReadBytes),
                Math.addExact(activationWriteBytes, o.activationWriteBytes), Math.addExact(kvReadBytes, o.kvReadBytes),
                Math.addExact(kvWriteBytes, o.kvWriteBytes));
    }

    public Traffic times(long n) {
        return new Traffic(Math.multiplyExact(weightBytes, n), Math.multiplyExact(activationReadBytes, n),
                Math.multiplyExact(activationWriteBytes, n), Math.multiplyExact(kvReadBytes, n), Math.multiplyExact(kvWriteBytes, n));
    }
}
