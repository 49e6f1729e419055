package io.moesim.hw.firrtl;

import java.util.List;

/** Entry point for {@code moesim export-firrtl --block NAME}: parameters in, FIRRTL text out. */
public final class FirrtlExport {

    /** The block names, in the order the CLI lists them. */
    public static final List<String> BLOCKS = List.of(MacArrayParams.BLOCK, PimGemmParams.BLOCK, SequencerParams.BLOCK);

    private FirrtlExport() {}

    /** The circuit of a block. */
    public static Circuit circuit(BlockParams params) {
        if (params instanceof MacArrayParams p) {
            return MacArrayGenerator.generate(p);
        } else if (params instanceof PimGemmParams p) {
            return PimGemmGenerator.generate(p);
        }
        return SequencerGenerator.generate((SequencerParams) params);
    }

    /** FIRRTL 4.0.0 text of a block. */
    public static String generate(BlockParams params) {
        return FirrtlWriter.write(circuit(params));
    }

    /** FIRRTL text of {@code block}, checking that the parameters are that block's. */
    public static String generate(String block, BlockParams params) {
        if (!BLOCKS.contains(block)) {
            throw new FirrtlException("export", "unknown block '" + block + "', expected one of " + BLOCKS);
        }
        if (!params.block().equals(block)) {
            throw new FirrtlException("export", "block '" + block + "' given parameters of '" + params.block() + "'");
        }
        return generate(params);
    }
}
