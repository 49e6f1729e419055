package io.moesim.hw;

import java.util.Optional;

/**
 * The tile a framework's bf16 fused MoE kernel runs its grouped expert GEMMs on, as the framework's code picks it, where
 * that is not the kernel model's fastest tile. Each expert's rows are padded to the tile's {@code BLOCK_SIZE_M}: the
 * matrix work a block does is its padded rows' ({@link #paddedRows}), whatever the rows it really holds.
 *
 * <ul>
 *   <li>{@link #TRITON_DEFAULT}: Triton's {@code fused_moe_kernel} on the configuration SGLang and vLLM fall back to where no
 *       tuned file names the shape ({@code get_default_config} in python/sglang/srt/layers/moe/fused_moe_triton/
 *       fused_moe_triton_config.py, github.com/sgl-project/sglang, and in vllm/model_executor/layers/fused_moe/fused_moe.py,
 *       github.com/vllm-project/vllm, whence SGLang's came): 16 x 32 x 64 (BLOCK_SIZE_M x N x K, GROUP_SIZE_M 1) when the
 *       call's tokens M are at most the experts E of the layer on this GPU, else 64 x 64 x 32 (GROUP_SIZE_M 8).</li>
 * </ul>
 */
public enum MoeTileRule implements KernelRule {
    TRITON_DEFAULT("triton-default", "Triton fused_moe_kernel on its default config, get_default_config in github.com/sgl-project/sglang "
            + "python/sglang/srt/layers/moe/fused_moe_triton/fused_moe_triton_config.py and github.com/vllm-project/vllm "
            + "vllm/model_executor/layers/fused_moe/fused_moe.py: BLOCK_SIZE_M 16 (16x32x64) when the tokens M <= the local experts E, "
            + "else 64 (64x64x32); each expert's rows padded to BLOCK_SIZE_M");

    private final String id;
    private final String source;

    MoeTileRule(String id, String source) {
        this.id = id;
        this.source = source;
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String source() {
        return source;
    }

    /**
     * The rule of a framework's bf16 fused MoE blocks where its code says which (SGLang and vLLM: Triton's fused_moe, on its
     * default config where no tuned file names the shape), else none (TensorRT-LLM: its CUTLASS MoE, autotuned).
     */
    public static Optional<MoeTileRule> forFramework(String framework) {
        return framework.equals("sglang") || framework.equals("vllm") ? Optional.of(TRITON_DEFAULT) : Optional.empty();
    }

    /** BLOCK_SIZE_M of a call over {@code tokens} tokens whose experts on this GPU number {@code localExperts}. */
    public int blockM(long tokens, int localExperts) {
        return tokens <= localExperts ? 16 : 64;
    }

    /** BLOCK_SIZE_K of that call. */
    public int blockK(long tokens, int localExperts) {
        return tokens <= localExperts ? 64 : 32;
    }

    /** The K steps one CTA of each GEMM walks, the two GEMMs one after the other: gate and up over {@code hidden}, down over {@code ffn}. */
    public long kSteps(long tokens, int localExperts, long hidden, long ffn) {
        long bk = blockK(tokens, localExperts);
        return (hidden + bk - 1) / bk + (ffn + bk - 1) / bk;
    }

    /** The rows the grouped GEMMs compute: each expert's assignments ({@code loads}) rounded up to {@link #blockM}. */
    public long paddedRows(long[] loads, long tokens) {
        long bm = blockM(tokens, loads.length);
        long rows = 0;
        for (long x : loads) {
            rows += (x + bm - 1) / bm * bm;
        }
        return rows;
    }
}
