package io.moesim.cli;

import io.moesim.ir.MoesimException;
import io.moesim.ir.WeightFormat;
import io.moesim.ir.model.ExpertQuant;
import java.nio.file.Path;

/** {@code --expert-dtype}, {@code --expert-bits} and {@code --expert-formats}: compressed routed experts. */
final class ExpertFormatFlags {
    static final String DTYPE_HELP = "Store every routed expert's weights in FMT: int8, int4, nvfp4 (4.5 bits), mxfp4/fp4 (4.25), ternary (1.6), "
            + "int2, or a dtype; costs the decode on the processor that runs the expert. Default: the serving dtype.";
    static final String BITS_HELP = "Store every routed expert's weights at B bits per weight (e.g. 1.58, or 0.8 for a sub-1-bit codebook).";
    static final String FILE_HELP = "Expert formats per MoE layer and per expert from FILE: 'all FMT', 'layer L[-M] FMT' and "
            + "'expert L[-M] E[-F] FMT' lines (# comments).";

    private ExpertFormatFlags() {
    }

    /** The formats the flags give (at most one of them), or null for none. */
    static ExpertQuant parse(String dtype, Double bits, Path file) {
        int given = (dtype != null ? 1 : 0) + (bits != null ? 1 : 0) + (file != null ? 1 : 0);
        if (given > 1) {
            throw new MoesimException("give one of --expert-dtype, --expert-bits and --expert-formats");
        }
        try {
            if (dtype != null) {
                return ExpertQuant.uniform(WeightFormat.parse(dtype));
            }
            if (bits != null) {
                return ExpertQuant.uniform(WeightFormat.bits(bits));
            }
        } catch (IllegalArgumentException e) {
            throw new MoesimException((dtype != null ? "--expert-dtype: " : "--expert-bits: ") + e.getMessage());
        }
        return file == null ? null : ExpertQuant.read(file);
    }
}
