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
 *       call's tokens M are at most the experts E of the layer on this GPU, else 64 x 64 x 32 (GROUP_SIZE_M 8). Where the
 *       framework ships a tuned config for the block on the GPU ({@link TritonMoeConfigs}: vLLM's configs folder), the config's
 *       tile for the batch size nearest M instead ({@link #tile(String, DeviceSpec, long, int, long)}).</li>
 *   <li>{@link #CUTLASS_SM90_AUTOTUNED}: TensorRT-LLM's CUTLASS fused MoE on Hopper, its grouped GEMMs run with the weights as
 *       the tile's 128 rows and the tokens as its columns (cutlass_heuristic.cpp, {@code get_candidate_tiles_sm90}, GROUPED_GEMM:
 *       CtaShape128x16x128B, 128x32x128B, 128x64x128B, 128x128x128B), the tactic chosen per shape by TensorRT-LLM's autotuner:
 *       each expert's rows padded to the finest token tile, 16 (a tuned tactic wastes at most that), K in steps of 128 bytes
 *       (64 bf16 weights).</li>
 * </ul>
 */
public enum MoeTileRule implements KernelRule {
    TRITON_DEFAULT("triton-default", "Triton fused_moe_kernel on its default config, get_default_config in github.com/sgl-project/sglang "
            + "python/sglang/srt/layers/moe/fused_moe_triton/fused_moe_triton_config.py and github.com/vllm-project/vllm "
            + "vllm/model_executor/layers/fused_moe/fused_moe.py: BLOCK_SIZE_M 16 (16x32x64) when the tokens M <= the local experts E, "
            + "else 64 (64x64x32); each expert's rows padded to BLOCK_SIZE_M; where the framework ships a tuned config file for the "
            + "block on the GPU (frameworks/triton-moe-configs.tsv), that file's tile for the batch size nearest M"),
    CUTLASS_SM90_AUTOTUNED("cutlass-moe-sm90-autotuned", "TensorRT-LLM CUTLASS fused MoE on sm90, github.com/NVIDIA/TensorRT-LLM "
            + "cpp/tensorrt_llm/kernels/cutlass_kernels/cutlass_heuristic.cpp (get_candidate_tiles_sm90, GROUPED_GEMM: 128 weight rows x "
            + "16, 32, 64 or 128 tokens x 128 bytes of K), the tactic picked by TensorRT-LLM's autotuner: each expert's rows padded to "
            + "16, K steps of 64 bf16");

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
     * default config where no tuned file names the shape; TensorRT-LLM: its CUTLASS MoE, autotuned), else none.
     */
    public static Optional<MoeTileRule> forFramework(String framework) {
        return switch (framework) {
            case "sglang", "vllm" -> Optional.of(TRITON_DEFAULT);
            case "trtllm" -> Optional.of(CUTLASS_SM90_AUTOTUNED);
            default -> Optional.empty();
        };
    }

    /**
     * Whether the rule's kernel runs a block whose experts are {@code n} wide on the GPU with unaligned rows. Triton
     * specialises a kernel's integer arguments on their divisibility by 16 (github.com/triton-lang/triton
     * python/src/specialize.cc; {@code do_not_specialize_on_alignment} in {@code triton.jit} turns it off) and vectorises a
     * load only where it can prove its addresses aligned; fused_moe_kernel takes N, K and the strides as such arguments, and
     * the down GEMM's K, its activations' row stride and its weights' row stride are all the width. With a width not a
     * multiple of 16 (Gemma-4-26B-A4B's 704 / 8 = 88, Nemotron-3-Nano's 1856 / 16 = 116) that GEMM loads its operands in
     * narrow pieces. TensorRT-LLM's CUTLASS kernels take no such path (every width in its tables is a multiple of 16).
     */
    public boolean unalignedWidth(long n) {
        return this == TRITON_DEFAULT && n % TRITON_ALIGNMENT != 0;
    }

    /** The divisibility Triton specialises integer arguments on (elements of a width or stride). */
    static final int TRITON_ALIGNMENT = 16;

    /** The rows an expert's load is padded to (BLOCK_SIZE_M) in a call over {@code tokens} tokens whose experts on this GPU number {@code localExperts}. */
    public int blockM(long tokens, int localExperts) {
        return switch (this) {
            case TRITON_DEFAULT -> tokens <= localExperts ? 16 : 64;
            case CUTLASS_SM90_AUTOTUNED -> 16;
        };
    }

    /** The K depth of one step of that call's CTAs (BLOCK_SIZE_K). */
    public int blockK(long tokens, int localExperts) {
        return switch (this) {
            case TRITON_DEFAULT -> tokens <= localExperts ? 64 : 32;
            case CUTLASS_SM90_AUTOTUNED -> 64;
        };
    }

    /** The tile a call runs on: its rows (BLOCK_SIZE_M, each expert's load padded to them) and its K step (BLOCK_SIZE_K). */
    public record Tile(int blockM, int blockK) {
    }

    /** The rule's own tile for a call over {@code tokens} tokens whose experts on this GPU number {@code localExperts}. */
    public Tile tile(long tokens, int localExperts) {
        return new Tile(blockM(tokens, localExperts), blockK(tokens, localExperts));
    }

    /**
     * The tile a call of {@code tokens} tokens runs on as the framework runs it on the device, for a block of
     * {@code localExperts} experts {@code n} wide on the GPU: Triton's fused_moe on the tuned config the framework ships for
     * the block ({@link TritonMoeConfigs}) where it ships one, else the rule's own tile.
     */
    public Tile tile(String framework, DeviceSpec device, long tokens, int localExperts, long n) {
        if (this == TRITON_DEFAULT) {
            Optional<Tile> tuned = TritonMoeConfigs.tile(framework, device, localExperts, n, tokens);
            if (tuned.isPresent()) {
                return tuned.get();
            }
        }
        return tile(tokens, localExperts);
    }

    /** The K steps one CTA of each GEMM walks, the two GEMMs one after the other: gate and up over {@code hidden}, down over {@code ffn}. */
    public long kSteps(long tokens, int localExperts, long hidden, long ffn) {
        return kSteps(tile(tokens, localExperts), hidden, ffn);
    }

    /** ... on a tile. */
    public static long kSteps(Tile t, long hidden, long ffn) {
        return steps(hidden, t.blockK()) + steps(ffn, t.blockK());
    }

    /** ... of one grouped GEMM over {@code k}. */
    public long kSteps(long tokens, int localExperts, long k) {
        return steps(k, blockK(tokens, localExperts));
    }

    /** Whole K steps of {@code blockK} over {@code k} (a part step counts whole). */
    private static long steps(long k, int blockK) {
        return (k + blockK - 1) / blockK;
    }

    /** The rows the grouped GEMMs compute: each expert's assignments ({@code loads}) rounded up to {@link #blockM}. */
    public long paddedRows(long[] loads, long tokens) {
        return paddedToBlock(loads, blockM(tokens, loads.length));
    }

    /** ... rounded up to {@code blockM}. */
    public static long paddedToBlock(long[] loads, long blockM) {
        long rows = 0;
        for (long x : loads) {
            rows += (x + blockM - 1) / blockM * blockM;
        }
        return rows;
    }
}
