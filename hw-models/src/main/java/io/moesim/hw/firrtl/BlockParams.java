package io.moesim.hw.firrtl;

/** Parameters of one exportable hardware block; validated when constructed. */
public sealed interface BlockParams permits MacArrayParams, PimGemmParams, SequencerParams {

    /** The block's CLI name: {@code mac-array}, {@code pim-gemm} or {@code sequencer}. */
    String block();

    /** Throws a {@link FirrtlException} naming {@code block.param} unless {@code lo <= value <= hi}. */
    static void checkRange(String block, String param, long value, long lo, long hi) {
        if (value < lo || value > hi) {
            throw new FirrtlException(block + "." + param, "must be in [" + lo + ", " + hi + "], got " + value);
        }
    }
}
