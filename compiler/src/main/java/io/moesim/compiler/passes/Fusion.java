package io.moesim.compiler.passes;

/**
 * One fusion of two nodes into one kernel.
 *
 * @param kind     {@link Kind#PROLOGUE}: the producer (a norm) runs inside the consumer's kernel, its
 *                 output never written to DRAM; {@link Kind#EPILOGUE}: the consumer (a residual add)
 *                 runs in the producer's (a matmul's) epilogue
 * @param producer path of the node whose result feeds the other
 * @param consumer path of the node that reads it
 */
public record Fusion(Kind kind, String producer, String consumer) {
    /** Where the fused node goes. */
    public enum Kind {
        PROLOGUE,
        EPILOGUE
    }

    /** The node the fused kernel is emitted as. */
    public String survivor() {
        return kind == Kind.PROLOGUE ? consumer : producer;
    }

    /** The node that disappears into the survivor. */
    public String absorbed() {
        return kind == Kind.PROLOGUE ? producer : consumer;
    }
}
