package io.moesim.hw.firrtl;

/**
 * A Logic-PIM GEMM module (Duplex, MICRO 2024): {@code lanes} token lanes, each with
 * {@code bundleBits / dataWidth} multipliers fed by one bank-bundle read of weights per step, an
 * activation buffer of {@code bufferEntries} entries of {@code bundleBits} bits (split evenly
 * across lanes), and {@code accWidth}-bit accumulators. Integer (fixed-point) arithmetic.
 */
public record PimGemmParams(int lanes, int bundleBits, int dataWidth, int accWidth, int bufferEntries)
        implements BlockParams {

    public static final String BLOCK = "pim-gemm";

    public PimGemmParams {
        BlockParams.checkRange(BLOCK, "lanes", lanes, 1, 1024);
        BlockParams.checkRange(BLOCK, "dataWidth", dataWidth, 2, 64);
        BlockParams.checkRange(BLOCK, "bundleBits", bundleBits, dataWidth, 4096);
        if (bundleBits % dataWidth != 0) {
            throw new FirrtlException(BLOCK + ".bundleBits", "must be a multiple of dataWidth " + dataWidth
                    + ", got " + bundleBits);
        }
        int w = bundleBits / dataWidth;
        // The dot product of w pairs needs 2*dataWidth + ceil(log2 w) bits before accumulation.
        BlockParams.checkRange(BLOCK, "accWidth", accWidth, 2L * dataWidth + Exprs.log2Ceil(w), 256);
        BlockParams.checkRange(BLOCK, "bufferEntries", bufferEntries, lanes, 65_536);
        if (bufferEntries % lanes != 0) {
            throw new FirrtlException(BLOCK + ".bufferEntries", "must be a multiple of lanes " + lanes
                    + ", got " + bufferEntries);
        }
    }

    /**
     * From a spec's figures: {@code macs} multipliers per module, a {@code bundleBits} bank bundle,
     * {@code bufferBytes} of activation buffer. Duplex's Logic-PIM: 512 MACs, 512-bit bundle,
     * 16-bit data, 8 KB buffer gives 16 lanes of 32 multipliers and 128 buffer entries.
     */
    public static PimGemmParams fromFigures(int macs, int bundleBits, int dataWidth, int bufferBytes, int accWidth) {
        if (dataWidth < 1 || bundleBits % dataWidth != 0 || macs % (bundleBits / dataWidth) != 0) {
            throw new FirrtlException(BLOCK + ".macs", macs + " MACs is not a whole number of lanes of "
                    + bundleBits + "/" + dataWidth + " multipliers");
        }
        if ((8L * bufferBytes) % bundleBits != 0) {
            throw new FirrtlException(BLOCK + ".bufferBytes", bufferBytes + " bytes is not a whole number of "
                    + bundleBits + "-bit entries");
        }
        return new PimGemmParams(macs / (bundleBits / dataWidth), bundleBits, dataWidth, accWidth,
                (int) (8L * bufferBytes / bundleBits));
    }

    /** Weights (and multipliers per lane) per bank-bundle step. */
    public int weightsPerStep() {
        return bundleBits / dataWidth;
    }

    /** Activation buffer entries owned by each lane. */
    public int slotsPerLane() {
        return bufferEntries / lanes;
    }

    /** Multipliers in the module. */
    public int macs() {
        return lanes * weightsPerStep();
    }

    @Override
    public String block() {
        return BLOCK;
    }
}
