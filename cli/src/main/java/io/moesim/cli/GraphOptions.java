package io.moesim.cli;

import io.moesim.ir.DType;
import io.moesim.ir.MoesimException;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.model.Phase;
import io.moesim.ir.model.Routing;
import picocli.CommandLine.Option;

/** The options that say which iteration graph to build; shared by graph, roofline, compile and simulate. */
final class GraphOptions {
    @Option(names = "--model", required = true, paramLabel = "NAME|PATH",
            description = "A zoo model (see 'moesim models') or a Hugging Face config.json (or its folder).")
    String model;

    @Option(names = "--phase", defaultValue = "decode", paramLabel = "PHASE",
            description = "prefill, decode or mixed (prefill chunks and decodes in one batch). Default: ${DEFAULT-VALUE}.")
    String phase;

    @Option(names = "--batch", defaultValue = "64", paramLabel = "B",
            description = "Sequences in the batch (decode sequences for mixed). Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--seq", defaultValue = "1024", paramLabel = "L",
            description = "Prompt (prefill) length in tokens. Default: ${DEFAULT-VALUE}.")
    long seq;

    @Option(names = "--kv-len", defaultValue = "1024", paramLabel = "S",
            description = "KV length of decoding sequences, the new token included. Default: ${DEFAULT-VALUE}.")
    long kvLen;

    @Option(names = "--prefill-batch", defaultValue = "1", paramLabel = "P",
            description = "Prefill sequences in a mixed batch. Default: ${DEFAULT-VALUE}.")
    int prefillBatch;

    @Option(names = "--dtype", paramLabel = "DTYPE", description = "Serving precision (bf16, fp16, fp8e4m3, ...). Default: the model's.")
    String dtype;

    @Option(names = "--routing", defaultValue = "uniform", paramLabel = "R",
            description = "Expert routing: uniform, zipf:S (seeded) or trace:FILE. Default: ${DEFAULT-VALUE}.")
    String routing;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Seed for seeded routings. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--expert-dtype", paramLabel = "FMT", description = ExpertFormatFlags.DTYPE_HELP)
    String expertDtype;

    @Option(names = "--expert-bits", paramLabel = "B", description = ExpertFormatFlags.BITS_HELP)
    Double expertBits;

    @Option(names = "--expert-formats", paramLabel = "FILE", description = ExpertFormatFlags.FILE_HELP)
    java.nio.file.Path expertFormats;

    @Option(names = "--kv-dtype", paramLabel = "DTYPE", description = "KV-cache dtype (fp8e4m3, int8, int4, ...). Default: the serving dtype.")
    String kvDtype;

    static final String RESIDUAL_HELP = "Residual stream: standard, or ladder (Ladder Residual: each attention/FFN reads the stream without the "
            + "previous module's output, so its tensor-parallel all-reduce overlaps the next module's compute; same ops and FLOPs). "
            + "Default: ${DEFAULT-VALUE}.";

    @Option(names = "--residual", defaultValue = "standard", paramLabel = "FORM", description = RESIDUAL_HELP)
    String residual;

    ModelConfig modelConfig() {
        ModelConfig m = ModelZoo.resolve(model).withResidual(io.moesim.ir.model.Residual.parse(residual));
        io.moesim.ir.model.ExpertQuant q = ExpertFormatFlags.parse(expertDtype, expertBits, expertFormats);
        m = q == null ? m : m.withExpertQuant(q);
        if (kvDtype != null) {
            try {
                m = m.withKvDtype(DType.parse(kvDtype));
            } catch (IllegalArgumentException e) {
                throw new MoesimException("--kv-dtype: " + e.getMessage());
            }
        }
        return m;
    }

    GraphRequest request() {
        ModelConfig m = modelConfig();
        Phase p = Phase.parse(phase);
        DType d;
        try {
            d = dtype == null ? null : DType.parse(dtype);
        } catch (IllegalArgumentException e) {
            throw new MoesimException("--dtype: " + e.getMessage());
        }
        if (batch <= 0) {
            throw new MoesimException("--batch must be > 0, got " + batch);
        }
        return new GraphRequest(m, p, batch, p == Phase.DECODE ? 1 : seq, p == Phase.PREFILL ? seq : kvLen,
                p == Phase.MIXED ? prefillBatch : 0, d, Routing.parse(routing), seed);
    }
}
