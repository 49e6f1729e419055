package io.moesim.validation.serving;

import io.moesim.ir.DType;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelStats;

/**
 * The engine limits {@code trtllm-bench} gives a run it builds from a dataset: its max batch size and max num tokens,
 * as its tuning heuristic computes them (github.com/NVIDIA/TensorRT-LLM {@code tensorrt_llm/bench/build/tuning.py},
 * {@code calc_engine_setting} and {@code finetune_setting}; called by {@code bench/build/build.py} with the dataset's
 * average input and output lengths when {@code --dataset} is given, as the performance overview's FP8 engines were built,
 * and by the PyTorch flow's {@code get_benchmark_engine_settings} when the run gives none). The throughput run takes them
 * from the engine ({@code get_settings_from_engine}) unless its command overrides them, which the overview's commands do not.
 *
 * <p>The heuristic: the KV cache is {@code kv_fraction} (0.95 by default) of the GPUs' memory less the weights
 * (parameters x bytes per element, FP8 1, else 2: in GB of 10^9 bytes in the first form of the file, in GiB once it has
 * its per-format byte table, {@link Form}), a token of it 2 x layers x max(TP, KV heads) x head dim x bytes per KV
 * element (FP8 runs quantise the KV cache too); the requests it holds at the average sequence length give a raw batch
 * (at most 4096) and a raw token budget, raw batch x (1 + ISL / OSL) (at most 32768); the batch is rounded up to 32
 * (at least 64) under 256, to 128 under 1024, else to 256; the budget up to 256 (at least 2048) under 4096, to 512 under
 * 8192, else to 1024.
 *
 * <p>The GPU's memory is NVML's total in GiB (the targets' {@code driver_total_MiB}: nvidia-smi prints 81,559 MiB for H100
 * and 143,771 MiB for H200, 79.6 and 140.4 GiB). The datasheet's figure read as GiB ({@code capacity_GB}: 80, 141) gives
 * every row of the published set the same limits: the rounding absorbs the difference (tested).
 */
public final class TrtllmBenchLimits {
    /** {@code calc_engine_setting}'s default share of the free memory for the KV cache. */
    public static final double KV_FRACTION = 0.95;

    private TrtllmBenchLimits() {
    }

    /** The two limits, as the engine is built with them. */
    public record Limits(int maxBatch, long maxNumTokens) {
    }

    /**
     * How the file sizes the weights. {@link #DECIMAL}: {@code param_count / 1000**3} x bytes per element, its first form
     * (FP8 or 2 bytes, no other format), taken as v0.17's: the per-format byte table came with NVFP4, and the v0.17 overview
     * has no FP4 row (the v0.17 source itself is not in the public copies read here). {@link #BINARY}: {@code param_count x
     * BYTES_PER_ELEM / 1024**3}, every later form, the v1.0 PyTorch flow's.
     */
    public enum Form {
        DECIMAL(1e9), BINARY(1L << 30);

        private final double bytesPerUnit;

        Form(double bytesPerUnit) {
            this.bytesPerUnit = bytesPerUnit;
        }

        /** The form of a TensorRT-LLM version's trtllm-bench: the first before v0.18, the later from it. */
        public static Form of(String version) {
            return version.startsWith("0.") && Integer.parseInt(version.split("\\.")[1]) < 18 ? DECIMAL : BINARY;
        }
    }

    /**
     * The limits for {@code model} served in {@code dtype} over {@code tp} x {@code pp} GPUs of {@code deviceMemoryGiB}
     * each, built for a dataset of average input {@code isl} and output {@code osl} tokens, the weights sized as {@code form}.
     */
    public static Limits of(ModelConfig model, DType dtype, int tp, int pp, double isl, double osl, double deviceMemoryGiB, Form form) {
        double bytes = dtype.bits() == 8 ? 1 : 2;
        double kvHeads = Math.max(tp, model.kvHeads());
        double gibPerToken = 2.0 * model.layers() * kvHeads * model.headDim() * bytes / (1L << 30);
        double engineGb = ModelStats.of(model).total() * bytes / form.bytesPerUnit;
        double kvGb = (deviceMemoryGiB * tp * pp - engineGb) * KV_FRACTION;
        double requests = kvGb / gibPerToken / (isl + osl);
        if (!(requests >= 1)) {
            throw new IllegalArgumentException(model.name() + " on " + tp * pp + " GPUs of " + deviceMemoryGiB
                    + " GiB leaves no KV cache for one request (trtllm-bench would refuse the build)");
        }
        double rawBatch = Math.min(requests, 4096) / pp;
        double rawTokens = Math.min(rawBatch * (1 + isl / osl), 32768);
        int batch = rawBatch < 256 ? Math.max(64, 32 * (int) Math.ceil(rawBatch / 32))
                : rawBatch < 1024 ? 128 * (int) Math.ceil(rawBatch / 128)
                : 256 * (int) Math.ceil(rawBatch / 256);
        long tokens = rawTokens < 4096 ? Math.max(2048, 256 * (long) Math.ceil(rawTokens / 256))
                : rawTokens < 8192 ? 512 * (long) Math.ceil(rawTokens / 512)
                : 1024 * (long) Math.ceil(rawTokens / 1024);
        return new Limits(batch, tokens);
    }
}
