package io.moesim.hw.firrtl;

/**
 * An output-stationary MAC array: {@code rows x cols} signed multiply-accumulate PEs with
 * {@code dataWidth}-bit operands and {@code accWidth}-bit accumulators (which wrap on overflow).
 */
public record MacArrayParams(int rows, int cols, int dataWidth, int accWidth) implements BlockParams {

    public static final String BLOCK = "mac-array";

    public MacArrayParams {
        BlockParams.checkRange(BLOCK, "rows", rows, 1, 256);
        BlockParams.checkRange(BLOCK, "cols", cols, 1, 256);
        BlockParams.checkRange(BLOCK, "dataWidth", dataWidth, 2, 64);
        // A product of two w-bit signed values needs 2w bits; a narrower accumulator loses every product.
        BlockParams.checkRange(BLOCK, "accWidth", accWidth, 2L * dataWidth, 256);
    }

    @Override
    public String block() {
        return BLOCK;
    }
}
