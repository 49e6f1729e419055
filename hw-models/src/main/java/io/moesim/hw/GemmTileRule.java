package io.moesim.hw;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A GEMM library's own CTA tile for an fp8 GEMM of M rows and N output columns, as the library's dispatch picks it
 * from the shape (not the fastest tile for the shape), run with no split of K: each output tile is one CTA that walks
 * all of K (CUTLASS 3 sm90 kernels under the {@code PersistentScheduler}, never split-K or stream-K). A framework
 * profile names the rule its fp8 linear layers run under ({@link FrameworkProfile.Fp8GemmTiles}).
 *
 * <ul>
 *   <li>{@link #VLLM_CUTLASS_SM90}: vLLM's {@code cutlass_scaled_mm} on Hopper
 *       (csrc/quantization/w8a8/cutlass/c3x/scaled_mm_sm90_fp8_dispatch.cuh, {@code cutlass_gemm_sm90_fp8_dispatch}):
 *       M in [1, 64] swaps A and B (the tile's 64 side runs along N, its 16 side along M; 64 x 64 for M in (16, 64]
 *       with N above 1280; K tile 256), M in (64, 128] 64 x 128, above 128 x 128 (K tile 128).</li>
 *   <li>{@link #SGLANG_CUTLASS_SM90}: SGLang's {@code fp8_scaled_mm} (sgl-kernel csrc/gemm/fp8_gemm_kernel.cu,
 *       {@code sm90_fp8_dispatch_shape}): M up to 256 64 x 64, above 128 x 128 (K tile 128).</li>
 *   <li>{@link #FLASHINFER_MOE_SM90_UNTUNED}: the grouped GEMMs of FlashInfer's CUTLASS fused MoE (TensorRT-LLM's MoE
 *       kernels) on Hopper with per-tensor fp8 experts, as they run where nothing has autotuned them (see the constant).</li>
 * </ul>
 */
public enum GemmTileRule implements KernelRule {
    VLLM_CUTLASS_SM90("vllm-cutlass-sm90", "vLLM cutlass_scaled_mm sm90 fp8 dispatch, github.com/vllm-project/vllm "
            + "csrc/quantization/w8a8/cutlass/c3x/scaled_mm_sm90_fp8_dispatch.cuh: M <= 64 swap A/B with 64x16x256 tiles (64x64x256 "
            + "for M > 16 and N > 1280), M <= 128 64x128x128, above 128x128x128; PersistentScheduler, no split-K"),
    SGLANG_CUTLASS_SM90("sglang-cutlass-sm90", "SGLang fp8_scaled_mm sm90 dispatch, github.com/sgl-project/sglang "
            + "sgl-kernel/csrc/gemm/fp8_gemm_kernel.cu (sm90_fp8_dispatch_shape): M <= 256 64x64x128, above 128x128x128; "
            + "PersistentScheduler, no split-K"),
    /**
     * FlashInfer's {@code cutlass_fused_moe} runs the tactic it is given and, given none (-1: no autotuner cache), the
     * first of its list for each GEMM ({@code FusedMoeRunner::setRunnerProfiles}, csrc/fused_moe/cutlass_backend/
     * flashinfer_cutlass_fused_moe_binding.cu: {@code mAllProfiles.front()}). On sm90 the list starts with the grouped
     * GEMM's smallest TMA warp-specialised tile, {@code CtaShape128x16x128B} with a 1x1x1 cluster
     * (cutlass_heuristic.cpp {@code get_candidate_tiles_sm90}, GROUPED_GEMM), not swapped: the list's swap-AB copies come
     * after every plain config ({@code getTmaWarpSpecializedConfigs}, moe_gemm_template_dispatch.h), and a plain config
     * puts an expert's tokens on the tile's M ({@code UnderlyingProblemShape(swap_ab ? gemm1_n : gemm_m, ...)},
     * cutlass_fused_moe_kernels.cuh, {@code gemm_m} the expert's tokens; the launcher's A operand the activations). So the
     * tile is 128 tokens by 16 weight rows, 128 fp8 elements of K a stage: an expert's tokens padded to 128 (a decode call's
     * CTAs do 128 rows' work for a few), each 16 weight rows a CTA of their own, and every 128 tokens of an expert re-read
     * its weight panel through L2. (Older copies of this code ran the GEMM transposed, weights on M, with no swap flag: the
     * same tactic there was 128 weight rows by 16 tokens.) vLLM's engine autotunes FlashInfer at start-up
     * ({@code flashinfer_autotune}, vllm/model_executor/warmup/kernel_warmup.py), a collector that times the layer on its
     * own does not: a harness figure of the kernel database, not of serving.
     */
    FLASHINFER_MOE_SM90_UNTUNED("flashinfer-cutlass-moe-sm90-untuned", "FlashInfer cutlass_fused_moe with no tactic given, "
            + "github.com/flashinfer-ai/flashinfer csrc/fused_moe/cutlass_backend/flashinfer_cutlass_fused_moe_binding.cu "
            + "(setRunnerProfiles: the first tactic) and cutlass_heuristic.cpp (get_candidate_tiles_sm90, GROUPED_GEMM: "
            + "CtaShape128x16x128B first, not swapped: swap-AB copies last in getTmaWarpSpecializedConfigs, and a plain config puts "
            + "the tokens on M, cutlass_fused_moe_kernels.cuh UnderlyingProblemShape(swap_ab ? gemm1_n : gemm_m, ...)): 128 tokens x 16 "
            + "weight rows x 128 K, no split-K");

    private final String id;
    private final String source;

    GemmTileRule(String id, String source) {
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

    /** The ids, for messages. */
    public static List<String> ids() {
        return KernelRule.ids(values());
    }

    public static Optional<GemmTileRule> of(String id) {
        return KernelRule.of(values(), id);
    }

    /** The GPUs these rules' kernels are built for: Hopper (sm90), the calibrated overlays included. */
    private static final java.util.Set<String> SM90 = java.util.Set.of("h100", "h200", "h800");

    /** Whether the device runs these sm90 kernels (elsewhere, e.g. vLLM on MI300X or B200, its library is another). */
    public static boolean runsOn(DeviceSpec d) {
        return SM90.contains(FrameworkProfiles.baseId(d));
    }

    /** The rule of a framework's fp8 linear layers where its code says which (vLLM, SGLang), else none. */
    public static Optional<GemmTileRule> forFramework(String framework) {
        return switch (framework) {
            case "vllm" -> Optional.of(VLLM_CUTLASS_SM90);
            case "sglang" -> Optional.of(SGLANG_CUTLASS_SM90);
            default -> Optional.empty();
        };
    }

    /**
     * The rule of a framework's fused fp8 MoE blocks in the kernel database's harness, where its collector's kernel is
     * known to run one (vLLM's per-tensor fp8 MoE: FlashInfer's CUTLASS MoE, {@code
     * vllm_modeloptfp8moe_flashinfer_cutlass_flashinferexperts}), else none.
     */
    public static Optional<GemmTileRule> forFrameworkMoe(String framework) {
        return framework.equals("vllm") ? Optional.of(FLASHINFER_MOE_SM90_UNTUNED) : Optional.empty();
    }

    /** Whether the rule is a fused MoE block's ({@code fp8_moe_tiles}), not a linear layer's ({@code fp8_gemm_tiles}). */
    public boolean moe() {
        return this == FLASHINFER_MOE_SM90_UNTUNED;
    }

    /** The ids of the rules of one kind ({@link #moe}), for messages. */
    public static List<String> ids(boolean moe) {
        return Arrays.stream(values()).filter(r -> r.moe() == moe).map(GemmTileRule::id).toList();
    }

    /** The CTA tile for M rows (tokens) and N columns (weight rows): {rows of M, columns of N, K per stage} (a shared array: read it, never write it). */
    public int[] tile(long m, long n) {
        // the fits ask for tiles millions of times: the few tiles are constants, not allocated per call
        return switch (this) {
            case VLLM_CUTLASS_SM90 -> m <= 16 ? T16X64X256 : m <= 64 ? (n <= 1280 ? T16X64X256 : T64X64X256) : m <= 128 ? T64X128X128 : T128X128X128;
            case SGLANG_CUTLASS_SM90 -> m <= 256 ? T64X64X128 : T128X128X128;
            case FLASHINFER_MOE_SM90_UNTUNED -> T128X16X128;
        };
    }

    private static final int[] T16X64X256 = {16, 64, 256};
    private static final int[] T64X64X256 = {64, 64, 256};
    private static final int[] T64X128X128 = {64, 128, 128};
    private static final int[] T128X128X128 = {128, 128, 128};
    private static final int[] T64X64X128 = {64, 64, 128};
    private static final int[] T128X16X128 = {128, 16, 128};
}
