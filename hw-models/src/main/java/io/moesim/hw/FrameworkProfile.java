package io.moesim.hw;

import java.util.Collections;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * How a serving framework runs the ops of a model on a real GPU: the per-call costs and kernel
 * choices that sit between a kernel model and what the framework measures. Loaded from
 * {@code frameworks/<id>.yaml} by {@link FrameworkProfiles}; every figure carries its source there.
 * {@code ideal} has no figures: the kernel model as it is (hypothetical hardware).
 *
 * <p>Ops fall into {@link #CLASSES}: {@code gemm} (dense GEMMs, routers), {@code gemm_fp8} (fp8 GEMMs;
 * {@code gemm}'s figures where it has none), {@code attention_prefill},
 * {@code attention_decode} (q_len 1: the paged-KV walk), {@code attention_decode_fp8_kv} (the same on an E4M3 cache: another
 * kernel, {@link #ATTENTION_DECODE_FP8_KV}; {@code attention_decode}'s figures where it has none), {@code moe} (the grouped expert GEMMs of a
 * fused MoE block), {@code moe_fp8} (the same with fp8 expert weights: another kernel family, {@code moe}'s
 * figures where it has none), {@code moe_slots} (a fused MoE block's top-k reduction over its whole slot buffer, tokens × top_k rows
 * whichever GPU holds each slot's expert; a profile without this class runs only the unpermute of its own rows), {@code moe_fp8_slots}
 * (the same for blocks of fp8 experts, where the profile has {@code moe_fp8}: {@link #MOE_FP8_SLOTS}), {@code quantize} (fp8 activation quantisation before an fp8 GEMM), {@code other}
 * (norms, elementwise, permutes); {@code quantize_amax} is the amax pass of a dynamic quantise, a reduction kernel
 * of its own ({@code quantize}'s figures where a profile has none); {@code quantize_token} is an fp8 GEMM's per-token
 * activation quantise, one kernel, run before each fp8 GEMM where a profile has it ({@link #QUANTIZE_TOKEN}).
 *
 * @param id                   the profile id ({@code trtllm}, {@code vllm}, {@code sglang}, {@code ideal})
 * @param name                 what the profile stands for, e.g. "TensorRT-LLM 1.3.0rc20"
 * @param classes              figures per op class (absent classes run as the kernel model has them)
 * @param fp8QuantizesActivation whether an fp8 GEMM pays a separate activation-quantisation kernel
 *                             ({@code quantize} class) before it
 * @param customAllReduce      the framework's own one-/two-shot all-reduce (absent: the collective library, or the link model)
 * @param serving              the engine's own work each serving iteration (scheduler, sampling, host-device
 *                             sync; {@link Serving#NONE} for none)
 * @param fp8GemmTiles         the GEMM library's own tile for fp8 GEMMs, with no split of K (absent: the kernel
 *                             model's fastest tile and split)
 * @param fp8MoeTiles          the tile a fused fp8 MoE block's grouped GEMMs run on in the kernel database's harness, with no split
 *                             of K (absent: the kernel model's fastest tile and split). A harness figure: it is applied to the
 *                             database's rows only ({@code validate --database}), never in {@code simulate} (see
 *                             {@link GemmTileRule#FLASHINFER_MOE_SM90_UNTUNED})
 * @param collectives          the collective library the framework calls ({@code collectives: nccl}: {@link NcclModel});
 *                             absent: collectives on the system's link model
 * @param moeTiles             the tile the framework's bf16 fused MoE blocks run their expert GEMMs on ({@link MoeTiles}: each
 *                             expert's rows padded to the rule's BLOCK_SIZE_M, and a CTA's walk of K as a floor), in the database
 *                             and in {@code simulate} (where a dense FFN, the framework's linear layers, runs on the {@code gemm}
 *                             figures' shares with the {@code moe} class's call); absent: the kernel model's fastest tile
 * @param quantizeCtas         the framework's quantise kernels' launch of one CTA per token row ({@link QuantizeCtas}), in the
 *                             database and in {@code simulate}; absent: the kernel model's streaming kernel alone
 * @param quantizeL2           the quantise kernels' rate where the kernel database's harness finds their bytes in L2 ({@link
 *                             QuantizeL2}), applied to the database's rows only; absent: their DRAM part as the class's figures say
 */
public record FrameworkProfile(String id, String name, Map<String, ClassFigures> classes, boolean fp8QuantizesActivation,
        java.util.Optional<CustomAllReduce> customAllReduce, Serving serving, java.util.Optional<Fp8GemmTiles> fp8GemmTiles,
        java.util.Optional<NcclModel> collectives, java.util.Optional<Fp8GemmTiles> fp8MoeTiles, java.util.Optional<MoeTiles> moeTiles,
        java.util.Optional<QuantizeCtas> quantizeCtas, java.util.Optional<QuantizeL2> quantizeL2) {

    public FrameworkProfile(String id, String name, Map<String, ClassFigures> classes, boolean fp8QuantizesActivation,
            java.util.Optional<CustomAllReduce> customAllReduce, Serving serving, java.util.Optional<Fp8GemmTiles> fp8GemmTiles,
            java.util.Optional<NcclModel> collectives, java.util.Optional<Fp8GemmTiles> fp8MoeTiles, java.util.Optional<MoeTiles> moeTiles) {
        this(id, name, classes, fp8QuantizesActivation, customAllReduce, serving, fp8GemmTiles, collectives, fp8MoeTiles, moeTiles, java.util.Optional.empty(),
                java.util.Optional.empty());
    }

    public FrameworkProfile(String id, String name, Map<String, ClassFigures> classes, boolean fp8QuantizesActivation,
            java.util.Optional<CustomAllReduce> customAllReduce, Serving serving, java.util.Optional<Fp8GemmTiles> fp8GemmTiles,
            java.util.Optional<NcclModel> collectives, java.util.Optional<Fp8GemmTiles> fp8MoeTiles) {
        this(id, name, classes, fp8QuantizesActivation, customAllReduce, serving, fp8GemmTiles, collectives, fp8MoeTiles, java.util.Optional.empty());
    }

    public FrameworkProfile(String id, String name, Map<String, ClassFigures> classes, boolean fp8QuantizesActivation,
            java.util.Optional<CustomAllReduce> customAllReduce, Serving serving, java.util.Optional<Fp8GemmTiles> fp8GemmTiles,
            java.util.Optional<NcclModel> collectives) {
        this(id, name, classes, fp8QuantizesActivation, customAllReduce, serving, fp8GemmTiles, collectives, java.util.Optional.empty());
    }

    public FrameworkProfile(String id, String name, Map<String, ClassFigures> classes, boolean fp8QuantizesActivation,
            java.util.Optional<CustomAllReduce> customAllReduce, Serving serving, java.util.Optional<Fp8GemmTiles> fp8GemmTiles) {
        this(id, name, classes, fp8QuantizesActivation, customAllReduce, serving, fp8GemmTiles, java.util.Optional.empty());
    }

    public FrameworkProfile(String id, String name, Map<String, ClassFigures> classes, boolean fp8QuantizesActivation,
            java.util.Optional<CustomAllReduce> customAllReduce, Serving serving) {
        this(id, name, classes, fp8QuantizesActivation, customAllReduce, serving, java.util.Optional.empty());
    }

    public FrameworkProfile(String id, String name, Map<String, ClassFigures> classes, boolean fp8QuantizesActivation,
            java.util.Optional<CustomAllReduce> customAllReduce) {
        this(id, name, classes, fp8QuantizesActivation, customAllReduce, Serving.NONE);
    }

    /** The op classes a profile may give figures for. */
    public static final java.util.List<String> CLASSES = java.util.List.of("gemm", "gemm_fp8", "attention_prefill", "attention_decode",
            "attention_decode_fp8_kv", "moe", "moe_fp8",
            "moe_slots", "moe_fp8_slots", "quantize", "quantize_amax", "quantize_token", "other");

    /**
     * Decode attention on an fp8 KV cache (bf16 or fp16 queries): another kernel than a 16-bit cache's in the frameworks the
     * kernel database times. TensorRT-LLM on SM 9.0 runs XQA's GMMA kernel only for an E4M3 cache and its HMMA kernel for a
     * 16-bit one (supportConfigQGMMA and supportConfigHMMA, cpp/tensorrt_llm/kernels/decoderMaskedMultiheadAttention/
     * decoderXQAImplJIT/kernelUtils.cpp). A profile without figures of its own runs it on {@code attention_decode}'s.
     */
    public static final String ATTENTION_DECODE_FP8_KV = "attention_decode_fp8_kv";

    /** The class of a fused MoE block's top-k reduction over its whole slot buffer (see the class comment). */
    public static final String MOE_SLOTS = "moe_slots";

    /**
     * {@link #MOE_SLOTS} for a block of fp8 experts in a profile with its own fp8 MoE figures ({@code moe_fp8}): a framework
     * may run its fp8 experts in another kernel family than its bf16 ones, with or without the slot buffer (vLLM: Triton's
     * fused_moe for bf16, FlashInfer's CUTLASS MoE for fp8). A profile without {@code moe_fp8} runs fp8 blocks as bf16 ones,
     * slot pass included.
     */
    public static final String MOE_FP8_SLOTS = "moe_fp8_slots";

    /** The class a MoE slot pass of class {@code slotClass} runs on here: {@link #MOE_FP8_SLOTS} resolves to {@link #MOE_SLOTS} without {@code moe_fp8}. */
    public String slotClass(String slotClass) {
        return slotClass.equals(MOE_FP8_SLOTS) && !classes.containsKey("moe_fp8") ? MOE_SLOTS : slotClass;
    }

    /** Whether this profile's fused MoE of that precision ({@link #MOE_SLOTS} or {@link #MOE_FP8_SLOTS}) keeps the slot buffer. */
    public boolean keepsSlotBuffer(String slotClass) {
        return classes.containsKey(slotClass(slotClass));
    }

    /**
     * The class of an fp8 GEMM's own per-token activation quantise: one kernel that takes each row's amax and casts it
     * (reads bf16, writes fp8 and a scale per row), in place of the per-tensor amax pass and cast. A profile with figures
     * for it runs it before each fp8 GEMM (SGLang's linear layers: {@code sgl_per_token_quant_fp8} then
     * {@code fp8_scaled_mm}); its fused MoE keeps {@link #fp8QuantizesActivation}.
     */
    public static final String QUANTIZE_TOKEN = "quantize_token";

    /** Whether an fp8 GEMM pays an activation quantise before it: per tensor ({@link #fp8QuantizesActivation}) or per token. */
    public boolean gemmQuantizesActivation() {
        return fp8QuantizesActivation || perTokenQuantize();
    }

    /** Whether an fp8 GEMM's activation quantise is the one per-token kernel ({@link #QUANTIZE_TOKEN}). */
    public boolean perTokenQuantize() {
        return classes.containsKey(QUANTIZE_TOKEN);
    }

    public FrameworkProfile {
        classes = Collections.unmodifiableMap(new TreeMap<>(classes));
    }

    /** The profile of hypothetical hardware: no framework figures, today's kernel model. */
    public static FrameworkProfile ideal() {
        return new FrameworkProfile("ideal", "ideal (the kernel model alone, no framework costs)", Map.of(), false, java.util.Optional.empty());
    }

    public boolean isIdeal() {
        return classes.isEmpty() && !fp8QuantizesActivation && customAllReduce.isEmpty() && serving.isNone() && fp8GemmTiles.isEmpty()
                && collectives.isEmpty() && moeTiles.isEmpty() && quantizeCtas.isEmpty(); // fp8MoeTiles, quantizeL2: harness figures simulate never applies
    }

    /**
     * Whether the profile's per-op figures were fitted on a kernel database's timings (it has class figures): the rates a
     * serving load's clock scales ({@link ProcessorSpec#servingClockFraction}); a profile without them runs the datasheet
     * kernel model, as {@code ideal} does.
     */
    public boolean hasMeasuredOpFigures() {
        return !classes.isEmpty();
    }

    public ClassFigures figures(String opClass) {
        return classes.getOrDefault(resolvedClass(opClass), ClassFigures.NONE);
    }

    /**
     * The profiles a serving engine's fused fp8 MoE kernel may be ({@link Serving#fp8MoeKernel}): those whose {@code moe_fp8}
     * figures are their own, fitted on a CUTLASS MoE kernel timed autotuned (TensorRT-LLM's collector).
     */
    public static final java.util.Set<String> FP8_MOE_KERNELS = java.util.Set.of("trtllm");

    /**
     * The figures a serving engine's kernel of {@code opClass} runs on {@code device} ({@code simulate}, {@code op}): {@link
     * #figures}, except, on NVIDIA's GPUs of compute capability 9.0 and above ({@link FrameworkProfiles#isNvidiaSm90}), the
     * {@code moe_fp8} class (a fused fp8 MoE block, or an fp8 grouped GEMM) where the serving kernel is another profile's
     * ({@link Serving#fp8MoeKernel}): that profile's figures for the kernel, this profile's call overhead (its own layer around
     * the kernel). The kernel database's rows keep {@link #figures}.
     */
    public ClassFigures servingFigures(String opClass, DeviceSpec device) {
        ClassFigures own = figures(opClass);
        // the named kernel is a CUDA library's (FlashInfer's CUTLASS MoE, autotuned on SM 9.0 and above): elsewhere (vLLM on
        // ROCm runs its own MoE kernels) the profile's own figures
        if (!resolvedClass(opClass).equals("moe_fp8") || serving.fp8MoeKernel().isEmpty() || !FrameworkProfiles.isNvidiaSm90(device)) {
            return own;
        }
        return FrameworkProfiles.load(serving.fp8MoeKernel().get()).figures("moe_fp8").withCallOverheadUs(own.callOverheadUs());
    }

    /**
     * The class whose figures an op of class {@code opClass} runs on here: its own where the profile has them, else fp8 GEMMs
     * on {@code gemm}'s, decode on an fp8 cache on {@code attention_decode}'s, fp8 MoE on {@code moe}'s, the amax pass on {@code quantize}'s, an fp8 block's slot pass as
     * {@link #slotClass} says; any other class as itself (no figures: the kernel model as it is).
     */
    public String resolvedClass(String opClass) {
        if (classes.containsKey(opClass)) {
            return opClass;
        }
        return switch (opClass) {
            case "gemm_fp8" -> "gemm";
            case ATTENTION_DECODE_FP8_KV -> "attention_decode";
            case "moe_fp8" -> "moe";
            case "quantize_amax" -> "quantize";
            case MOE_FP8_SLOTS -> slotClass(opClass);
            default -> opClass;
        };
    }

    /** This profile with one class's figures replaced. */
    public FrameworkProfile withClass(String opClass, ClassFigures f) {
        Map<String, ClassFigures> m = new TreeMap<>(classes);
        m.put(opClass, f);
        return new FrameworkProfile(id, name, m, fp8QuantizesActivation, customAllReduce, serving, fp8GemmTiles, collectives, fp8MoeTiles, moeTiles,
                quantizeCtas, quantizeL2);
    }

    public FrameworkProfile withQuantize(boolean q) {
        return new FrameworkProfile(id, name, classes, q, customAllReduce, serving, fp8GemmTiles, collectives, fp8MoeTiles, moeTiles, quantizeCtas, quantizeL2);
    }

    public FrameworkProfile withCustomAllReduce(java.util.Optional<CustomAllReduce> c) {
        return new FrameworkProfile(id, name, classes, fp8QuantizesActivation, c, serving, fp8GemmTiles, collectives, fp8MoeTiles, moeTiles,
                quantizeCtas, quantizeL2);
    }

    /** This profile calling the given collective library (empty: collectives on the system's link model). */
    public FrameworkProfile withCollectives(java.util.Optional<NcclModel> c) {
        return new FrameworkProfile(id, name, classes, fp8QuantizesActivation, customAllReduce, serving, fp8GemmTiles, c, fp8MoeTiles, moeTiles,
                quantizeCtas, quantizeL2);
    }

    /**
     * The kernel figures alone: each class's compute and bandwidth shares and per-item cost, without the
     * framework's per-call overhead, quantise kernel or own all-reduce; what a plain timing loop of the
     * framework's kernels would see (the published kernel benchmarks). The collective library stays (nccl-tests times NCCL).
     */
    public FrameworkProfile kernelsOnly() {
        Map<String, ClassFigures> m = new TreeMap<>();
        classes.forEach((k, v) -> m.put(k, new ClassFigures(OptionalDouble.empty(), v.matrixEfficiency(), v.bandwidthFraction(), v.perItemNs(),
                v.maxKvGroup(), v.exposedMemory(), OptionalDouble.empty(), v.engineGBps()).withPacksGqa(v.packs())
                .withWideHeadMatrixEfficiency(v.wideHeadMatrixEfficiency().orElse(0)).withXqaMultiBlock(v.splitsKvAsXqa())
                .withVarlenScanStepNs(v.varlenScanStepNs().orElse(0))));
        // the collective library stays: NCCL's own figures are no framework cost (nccl-tests times NCCL alone)
        return new FrameworkProfile(id + "-kernels", name + " (kernel figures only)", m, false, java.util.Optional.empty(), Serving.NONE, fp8GemmTiles,
                collectives, fp8MoeTiles, moeTiles, quantizeCtas, quantizeL2);
    }

    /** This profile with (or, empty, without) the library's own fp8 GEMM tiles. */
    public FrameworkProfile withFp8GemmTiles(java.util.Optional<Fp8GemmTiles> t) {
        return new FrameworkProfile(id, name, classes, fp8QuantizesActivation, customAllReduce, serving, t, collectives, fp8MoeTiles, moeTiles,
                quantizeCtas, quantizeL2);
    }

    /** This profile with (or, empty, without) the tile rule of its bf16 fused MoE blocks. */
    public FrameworkProfile withMoeTiles(java.util.Optional<MoeTiles> r) {
        return new FrameworkProfile(id, name, classes, fp8QuantizesActivation, customAllReduce, serving, fp8GemmTiles, collectives, fp8MoeTiles, r,
                quantizeCtas, quantizeL2);
    }

    /** This profile with (or, empty, without) its quantise kernels' launch of one CTA per token ({@link QuantizeCtas}). */
    public FrameworkProfile withQuantizeCtas(java.util.Optional<QuantizeCtas> q) {
        return new FrameworkProfile(id, name, classes, fp8QuantizesActivation, customAllReduce, serving, fp8GemmTiles, collectives, fp8MoeTiles, moeTiles, q,
                quantizeL2);
    }

    /**
     * A quantise kernel that launches one CTA per token row ({@link QuantizeLaunchRule}): the CTAs run in waves of one per SM,
     * each taking a fixed time ({@code ctaNs}: its setup, the block reduction of the row's amax, the scale's write) plus its
     * row's bytes at one CTA's streaming rate ({@code ctaStreamGBps}). The waves' time is a floor on the kernel's DRAM part: a
     * call of many short rows takes longer than its bytes at the HBM's rate (thousands of 32-wide rows), and a call of fewer
     * rows than SMs streams each row on one SM (a few 64K-wide rows). In the database and in {@code simulate}, on the
     * {@code quantize} and {@code quantize_amax} classes' kernels before an fp8 GEMM or as an op of their own (a fused MoE
     * block's own quantise runs in its kernel library, not here).
     *
     * @param rule          the framework's launch rule
     * @param ctaNs         fixed time of one CTA, ns (fitted)
     * @param ctaStreamGBps bytes per second one CTA streams its row at (fitted)
     */
    public record QuantizeCtas(QuantizeLaunchRule rule, double ctaNs, double ctaStreamGBps) {
        public QuantizeCtas {
            if (!(ctaNs > 0)) {
                throw new IllegalArgumentException("cta_ns must be > 0, got " + ctaNs);
            }
            if (!(ctaStreamGBps > 0)) {
                throw new IllegalArgumentException("cta_stream_GBps must be > 0, got " + ctaStreamGBps);
            }
        }

        /** The waves' time, s, of a kernel of {@code bytes} over {@code tokens} rows on {@code engines} SMs (0 where no rows are known). */
        public double floorSeconds(double tokens, double bytes, int engines) {
            if (!(tokens >= 1)) {
                return 0;
            }
            double waves = Math.ceil(tokens / Math.max(1, engines));
            return waves * (ctaNs + bytes / tokens / ctaStreamGBps) * 1e-9;
        }
    }

    /**
     * The waves of this profile's one CTA per token row ({@link QuantizeCtas#floorSeconds}), s, for a quantise kernel of
     * {@code bytes} over {@code tokens} rows (0 rows: not known) on {@code engines} SMs; 0 where the profile has no such launch.
     */
    public double quantizeWavesSeconds(double tokens, double bytes, int engines) {
        return quantizeCtas.isPresent() ? quantizeCtas.get().floorSeconds(tokens, bytes, engines) : 0;
    }

    /** This profile with (or, empty, without) its quantise kernels' L2 rate in the database's harness ({@link QuantizeL2}). */
    public FrameworkProfile withQuantizeL2(java.util.Optional<QuantizeL2> l) {
        return new FrameworkProfile(id, name, classes, fp8QuantizesActivation, customAllReduce, serving, fp8GemmTiles, collectives, fp8MoeTiles, moeTiles,
                quantizeCtas, l);
    }

    /**
     * A quantise kernel in the kernel database's harness, which times the same call again and again: where a kernel's bytes fit
     * in {@code l2Share} of the GPU's L2 (the datasheet's {@code l2_cache_MB}), the harness finds them there and the kernel
     * streams them at {@code l2GBps} (where that is quicker than its DRAM part). A harness figure, applied to the database's
     * rows only, on the {@code quantize} and {@code quantize_amax} classes' kernels; never in {@code simulate} (a serving
     * step's activation may be in L2 too, a question no row here answers).
     *
     * @param l2Share the share of the L2 a kernel's bytes fit in for the harness to find them there (fitted, in (0, 1])
     * @param l2GBps  the bytes per second such a kernel streams (fitted; no datasheet gives the L2's rate)
     */
    public record QuantizeL2(double l2Share, double l2GBps) {
        public QuantizeL2 {
            if (!(l2Share > 0 && l2Share <= 1)) {
                throw new IllegalArgumentException("l2_share must be in (0, 1], got " + l2Share);
            }
            if (!(l2GBps > 0)) {
                throw new IllegalArgumentException("l2_GBps must be > 0, got " + l2GBps);
            }
        }

        /**
         * A kernel's DRAM part as its class's figures leave it ({@code memoryS}, s, after the share) for {@code bytes} that are
         * {@code l2Fraction} of the L2: the bytes at the L2's rate where they fit and that is quicker, else as it is.
         */
        public double memorySeconds(double memoryS, double bytes, double l2Fraction) {
            return l2Fraction <= l2Share ? Math.min(memoryS, bytes / (l2GBps * 1e9)) : memoryS;
        }
    }

    /** This profile with (or, empty, without) the tiles of its fused fp8 MoE blocks in the database's harness. */
    public FrameworkProfile withFp8MoeTiles(java.util.Optional<Fp8GemmTiles> t) {
        return new FrameworkProfile(id, name, classes, fp8QuantizesActivation, customAllReduce, serving, fp8GemmTiles, collectives, t, moeTiles,
                quantizeCtas, quantizeL2);
    }

    /**
     * An fp8 GEMM as the framework's library runs it: the library's own tile for the shape ({@link GemmTileRule}) and no
     * split of K, so a GEMM whose output has few tiles (small N, or small M and N) runs on few SMs, each CTA walking all
     * of K. Each wave of CTAs takes the longer of its tile's matrix work (the whole tile, padded, at the class's compute
     * share) and its operand stream (the A and B rows inside the matrix, K deep) at one SM's load rate.
     *
     * @param rule          the library's tile rule
     * @param ctaStreamGBps the operand bytes per second one SM's CTA loads (fitted)
     */
    public record Fp8GemmTiles(GemmTileRule rule, double ctaStreamGBps) {
        public Fp8GemmTiles {
            if (!(ctaStreamGBps > 0)) {
                throw new IllegalArgumentException("cta_stream_GBps must be > 0, got " + ctaStreamGBps);
            }
        }
    }

    /**
     * A bf16 fused MoE block as the framework's kernel runs it ({@link MoeTileRule}): its expert GEMMs on the rule's tile, each
     * expert's rows padded to the tile's BLOCK_SIZE_M; and, since each CTA walks all of K one BLOCK_SIZE_K step after
     * another, a DRAM part of at least one CTA's walk of both GEMMs ({@link MoeTileRule#kSteps}) at {@code kStepNs} a step,
     * each step waiting on the memory. Where the call's DRAM bytes fit in {@code l2Share} of the GPU's L2, the kernel
     * database's harness, which runs the same call again and again, finds them in L2 and no step waits on the memory:
     * there the walk is no floor. A serving step never finds its weights in L2 ({@code simulate} always applies it).
     *
     * <p>Where the rule's kernel runs a block whose expert width on the GPU is not aligned ({@link MoeTileRule#unalignedWidth}:
     * Triton's fused_moe with a width not a multiple of 16), its down GEMM takes {@code unalignedDownSlowdown} times as long,
     * the rest of the block as it is ({@link #unalignedFactor}).
     *
     * @param rule                  the framework's tile rule
     * @param kStepNs               one K step of a CTA whose operands come from DRAM, ns (fitted)
     * @param l2Share               the share of the GPU's L2 a call's bytes fit in for the harness to find them there (fitted, in (0, 1])
     * @param unalignedDownSlowdown how many times as long an unaligned block's down GEMM takes (fitted, at least 1; 1: no slowdown)
     */
    public record MoeTiles(MoeTileRule rule, double kStepNs, double l2Share, double unalignedDownSlowdown) {
        /** Tiles with no slowdown for an unaligned width. */
        public MoeTiles(MoeTileRule rule, double kStepNs, double l2Share) {
            this(rule, kStepNs, l2Share, 1);
        }

        public MoeTiles {
            if (!(unalignedDownSlowdown >= 1)) {
                throw new IllegalArgumentException("unaligned_down_slowdown must be >= 1, got " + unalignedDownSlowdown);
            }
            if (!(kStepNs > 0)) {
                throw new IllegalArgumentException("k_step_ns must be > 0, got " + kStepNs);
            }
            if (!(l2Share > 0 && l2Share <= 1)) {
                throw new IllegalArgumentException("l2_share must be in (0, 1], got " + l2Share);
            }
        }

        /** One CTA's walk of {@code kSteps} K steps from DRAM, s: the floor on a call's DRAM part. */
        public double walkSeconds(double kSteps) {
            return kSteps * kStepNs * 1e-9;
        }

        /** ... in the kernel database's harness, for a call whose DRAM bytes are {@code l2Fraction} of the L2: none where they fit. */
        public double floorSeconds(double kSteps, double l2Fraction) {
            return l2Fraction <= l2Share ? 0 : walkSeconds(kSteps);
        }

        /**
         * The factor on a block's kernel time (its call overhead apart) whose down GEMM is {@code downShare} of its matrix
         * work and runs unaligned (0: aligned, factor 1): that part takes {@link #unalignedDownSlowdown} times as long.
         */
        public double unalignedFactor(double downShare) {
            return 1 + (unalignedDownSlowdown - 1) * downShare;
        }

        /** These tiles with another slowdown for an unaligned width. */
        public MoeTiles withUnalignedDownSlowdown(double s) {
            return new MoeTiles(rule, kStepNs, l2Share, s);
        }
    }

    /** This profile with other per-iteration engine figures. */
    public FrameworkProfile withServing(Serving v) {
        return new FrameworkProfile(id, name, classes, fp8QuantizesActivation, customAllReduce, v, fp8GemmTiles, collectives, fp8MoeTiles, moeTiles,
                quantizeCtas, quantizeL2);
    }

    /** This profile with other host costs per iteration and per sequence (its admission policy and token budget kept). */
    public FrameworkProfile withEngineCosts(double iterationOverheadUs, double perSequenceUs) {
        return withServing(serving.withCosts(iterationOverheadUs, perSequenceUs));
    }

    public FrameworkProfile named(String newId, String newName) {
        return new FrameworkProfile(newId, newName, classes, fp8QuantizesActivation, customAllReduce, serving, fp8GemmTiles, collectives, fp8MoeTiles, moeTiles,
                quantizeCtas, quantizeL2);
    }

    /**
     * Figures of one op class; each absent figure leaves the kernel model's own.
     *
     * @param callOverheadUs     fixed time per call: the launch plus the framework's dispatch (replaces the
     *                           kernel model's launch)
     * @param matrixEfficiency   share of the kernel model's compute rate the framework's kernels sustain
     *                           (the library's tile choice, softmax and masking work in attention)
     * @param bandwidthFraction  share of the kernel model's DRAM bandwidth the framework's kernels sustain
     *                           (the page walk of paged KV, scattered expert weights)
     * @param perItemNs          engine time per work item outside the main loop, spread over the engines:
     *                           for attention an item is one CTA (prefill: sequence, query head, tile of 128
     *                           query rows; decode: sequence, KV head, pass of at most {@code maxKvGroup} query
     *                           heads), whose page-table walk, query load, softmax epilogue and output write a
     *                           real kernel pays one by one
     * @param maxKvGroup         attention only: the most query heads one pass over a KV head serves (a decode
     *                           kernel built for grouped-query attention up to that group size; larger groups
     *                           read the KV cache again per pass)
     * @param exposedMemory      share (0..1) of the shorter of the compute and DRAM parts that the kernels do not
     *                           hide under the longer one: 0 (absent) overlaps them fully, as the kernel model does;
     *                           1 runs them one after the other (a prefill attention CTA loads its Q tile and first
     *                           K/V stage before its matrix work starts and stores O after it ends)
     * @param perHeadNs          decode attention only: engine time per (sequence, query head) outside the main loop,
     *                           spread over the engines, beside {@code perItemNs} per CTA: a GQA decode CTA loads each
     *                           of its query heads, keeps a softmax state per head and writes each head's output, so
     *                           its fixed work grows with the query heads it serves
     * @param engineGBps         the most DRAM bytes per second one engine's loads sustain (Little's law: the bytes its
     *                           threads keep in flight over the DRAM latency), for a kernel whose threads issue one
     *                           narrow load at a time: its DRAM part is at least its bytes over engines x this rate,
     *                           however wide the memory (so it does not speed up with a faster HBM)
     * @param fallbackGBps       decode attention only: a query group above {@code maxKvGroup} runs the framework's fallback
     *                           kernel (TensorRT-LLM's masked multi-head attention, MMHA: one CTA per (sequence, query
     *                           head), each reading its KV head's K and V), so the KV cache is read once per query head, at
     *                           most this many bytes per second per engine (the re-reads are served by L2, not DRAM), and
     *                           the per-CTA time is paid per (sequence, query head); absent: {@code maxKvGroup}'s passes.
     *                           The same kernel serves groups of 1 (plain multi-head attention, which TensorRT-LLM's XQA
     *                           refuses at beam width 1)
     * @param fallbackItemNs     with {@code fallbackGBps}: engine time per CTA of the fallback kernel, one per (sequence,
     *                           query head), in place of {@code perItemNs} and {@code perHeadNs} (which then describe the
     *                           grouped kernel's CTAs alone); absent: those two
     * @param wideHeadProgramNs  decode attention only: a head dim above {@link #FLASH_MAX_HEAD_DIM} runs vLLM's Triton unified
     *                           attention in place of FlashAttention; for batches up to {@link #MIN_GRID_2D} / kv_heads its 3D
     *                           split-KV kernel runs batch x kv_heads x {@link #SOFTMAX_SEGMENTS} programs, and the op takes at
     *                           least the call overhead plus ceil(programs / engines) x this time ({@link #wideHeadSeconds});
     *                           absent: no such floor
     * @param packsGqa           prefill attention only: false where the framework's context kernel never packs a query group
     *                           into its tiles (one CTA per (sequence, query head, tile of query rows), each loading one
     *                           head's queries: TensorRT-LLM's fmha_v2, whose Q tile is one head wide), so a short prompt
     *                           of a large group runs group x the CTAs, and their padded tiles' matrix work, of a packing
     *                           kernel; absent (or true): packed where FlashAttention-3 packs ({@code AttentionModel.packsGqa})
     * @param wideHeadMatrixEfficiency prefill attention only: a head dim above {@link #FLASH_MAX_HEAD_DIM} runs vLLM's Triton unified
     *                           attention in place of FlashAttention, whose main loop sustains this share of the kernel model's
     *                           compute rate in place of {@code matrixEfficiency} ({@link #forHeadDim}); absent: the same share
     * @param xqaMultiBlock      decode attention only: true where the framework's grouped decode kernel splits each (sequence,
     *                           KV head)'s keys over several CTAs as TensorRT-LLM's XQA does in multi-block mode (the split is
     *                           the kernel's own rule, {@code XqaMultiBlock} in the simulator), so its CTAs, each paying
     *                           {@code perItemNs} and {@code perHeadNs}, are the pairs times the split; absent: one CTA per pair
     * @param fallbackSplitWaveNs decode attention only, with {@code fallbackGBps}: the fallback kernel runs in multi-block mode
     *                           as TensorRT-LLM's MMHA launcher splits it ({@code MmhaMultiBlock} in the simulator: each (sequence,
     *                           query head)'s keys over several CTAs of 1024 threads, one per SM, where the pairs are fewer than the
     *                           SMs), so its DRAM part is summed over its waves of CTAs (each wave the longer of its share of the
     *                           HBM time and one CTA's bytes at {@code fallbackGBps}: a partial last wave runs at its SMs' rate),
     *                           and each wave pays this time in place of {@code fallbackItemNs} per CTA; absent: no split
     * @param varlenScanStepNs   decode attention only: the framework's decode kernel is FlashAttention-3's, whose varlen persistent
     *                           tile scheduler walks the batch {@link #VARLEN_SCAN_SEQUENCES} sequences a step; the op pays
     *                           ceil(batch / 31) steps of this time ({@link #varlenScanSeconds}); absent: no walk
     */
    public record ClassFigures(OptionalDouble callOverheadUs, OptionalDouble matrixEfficiency, OptionalDouble bandwidthFraction, OptionalDouble perItemNs,
            OptionalDouble maxKvGroup, OptionalDouble exposedMemory, OptionalDouble perHeadNs, OptionalDouble engineGBps, OptionalDouble fallbackGBps,
            OptionalDouble fallbackItemNs, OptionalDouble wideHeadProgramNs, java.util.Optional<Boolean> packsGqa, OptionalDouble wideHeadMatrixEfficiency,
            java.util.Optional<Boolean> xqaMultiBlock, OptionalDouble fallbackSplitWaveNs, OptionalDouble varlenScanStepNs) {
        public static final ClassFigures NONE = new ClassFigures(OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(),
                OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty());

        /** Sequences per step of FlashAttention-3's varlen tile scheduler's walk ({@code bidb += NumThreadsPerWarp - 1}, hopper/tile_scheduler.hpp). */
        public static final int VARLEN_SCAN_SEQUENCES = 31;
        /** FlashAttention's largest head size in vLLM ({@code FlashAttentionBackend.get_supported_head_sizes}, vllm/attention/backends/flash_attn.py). */
        public static final int FLASH_MAX_HEAD_DIM = 256;
        /** vLLM's Triton attention backend: {@code MIN_LAUNCH_GRID_SIZE_2D} (vllm/v1/attention/backends/triton_attn.py); the 3D kernel below it / kv_heads. */
        public static final int MIN_GRID_2D = 128;
        /** vLLM's Triton attention backend: {@code NUM_PAR_SOFTMAX_SEGMENTS}, the 3D kernel's KV segments per sequence (same file). */
        public static final int SOFTMAX_SEGMENTS = 16;

        public ClassFigures(OptionalDouble callOverheadUs, OptionalDouble matrixEfficiency, OptionalDouble bandwidthFraction, OptionalDouble perItemNs,
                OptionalDouble maxKvGroup, OptionalDouble exposedMemory, OptionalDouble perHeadNs, OptionalDouble engineGBps, OptionalDouble fallbackGBps,
                OptionalDouble fallbackItemNs) {
            this(callOverheadUs, matrixEfficiency, bandwidthFraction, perItemNs, maxKvGroup, exposedMemory, perHeadNs, engineGBps, fallbackGBps, fallbackItemNs,
                    OptionalDouble.empty());
        }

        public ClassFigures(OptionalDouble callOverheadUs, OptionalDouble matrixEfficiency, OptionalDouble bandwidthFraction, OptionalDouble perItemNs,
                OptionalDouble maxKvGroup, OptionalDouble exposedMemory, OptionalDouble perHeadNs, OptionalDouble engineGBps, OptionalDouble fallbackGBps,
                OptionalDouble fallbackItemNs, OptionalDouble wideHeadProgramNs) {
            this(callOverheadUs, matrixEfficiency, bandwidthFraction, perItemNs, maxKvGroup, exposedMemory, perHeadNs, engineGBps, fallbackGBps, fallbackItemNs,
                    wideHeadProgramNs, java.util.Optional.empty(), OptionalDouble.empty(), java.util.Optional.empty(), OptionalDouble.empty(),
                    OptionalDouble.empty());
        }

        public ClassFigures {
            if (wideHeadMatrixEfficiency.isPresent() && !(wideHeadMatrixEfficiency.getAsDouble() > 0)) {
                throw new IllegalArgumentException("wide_head_matrix_efficiency must be > 0, got " + wideHeadMatrixEfficiency.getAsDouble());
            }
            if (exposedMemory.isPresent() && !(exposedMemory.getAsDouble() >= 0 && exposedMemory.getAsDouble() <= 1)) {
                throw new IllegalArgumentException("exposed_memory must be in [0, 1], got " + exposedMemory.getAsDouble());
            }
            if (engineGBps.isPresent() && !(engineGBps.getAsDouble() > 0)) {
                throw new IllegalArgumentException("engine_GBps must be > 0, got " + engineGBps.getAsDouble());
            }
            if (fallbackGBps.isPresent() && !(fallbackGBps.getAsDouble() > 0)) {
                throw new IllegalArgumentException("fallback_GBps must be > 0, got " + fallbackGBps.getAsDouble());
            }
            if (fallbackSplitWaveNs.isPresent() && !(fallbackSplitWaveNs.getAsDouble() > 0)) {
                throw new IllegalArgumentException("fallback_split_wave_ns must be > 0, got " + fallbackSplitWaveNs.getAsDouble());
            }
            if (varlenScanStepNs.isPresent() && !(varlenScanStepNs.getAsDouble() > 0)) {
                throw new IllegalArgumentException("varlen_scan_step_ns must be > 0, got " + varlenScanStepNs.getAsDouble());
            }
        }

        public ClassFigures(OptionalDouble callOverheadUs, OptionalDouble matrixEfficiency, OptionalDouble bandwidthFraction, OptionalDouble perItemNs,
                OptionalDouble maxKvGroup, OptionalDouble exposedMemory, OptionalDouble perHeadNs, OptionalDouble engineGBps) {
            this(callOverheadUs, matrixEfficiency, bandwidthFraction, perItemNs, maxKvGroup, exposedMemory, perHeadNs, engineGBps, OptionalDouble.empty(),
                    OptionalDouble.empty());
        }

        public ClassFigures(OptionalDouble callOverheadUs, OptionalDouble matrixEfficiency, OptionalDouble bandwidthFraction, OptionalDouble perItemNs,
                OptionalDouble maxKvGroup, OptionalDouble exposedMemory, OptionalDouble perHeadNs) {
            this(callOverheadUs, matrixEfficiency, bandwidthFraction, perItemNs, maxKvGroup, exposedMemory, perHeadNs, OptionalDouble.empty());
        }

        public ClassFigures(OptionalDouble callOverheadUs, OptionalDouble matrixEfficiency, OptionalDouble bandwidthFraction, OptionalDouble perItemNs,
                OptionalDouble maxKvGroup, OptionalDouble exposedMemory) {
            this(callOverheadUs, matrixEfficiency, bandwidthFraction, perItemNs, maxKvGroup, exposedMemory, OptionalDouble.empty());
        }

        public ClassFigures(OptionalDouble callOverheadUs, OptionalDouble matrixEfficiency, OptionalDouble bandwidthFraction, OptionalDouble perItemNs,
                OptionalDouble maxKvGroup) {
            this(callOverheadUs, matrixEfficiency, bandwidthFraction, perItemNs, maxKvGroup, OptionalDouble.empty());
        }

        /** A figure's value as the withers take it: present where positive, else left out. */
        private static OptionalDouble orNone(double x) {
            return x > 0 ? OptionalDouble.of(x) : OptionalDouble.empty();
        }

        /** These figures with another call overhead (empty: none). */
        public ClassFigures withCallOverheadUs(OptionalDouble x) {
            return new ClassFigures(x, matrixEfficiency, bandwidthFraction, perItemNs, maxKvGroup, exposedMemory,
                    perHeadNs, engineGBps, fallbackGBps, fallbackItemNs, wideHeadProgramNs, packsGqa, wideHeadMatrixEfficiency, xqaMultiBlock, fallbackSplitWaveNs, varlenScanStepNs);
        }

        /** These figures with another exposed share of the shorter part (0: none, the figure left out). */
        public ClassFigures withExposedMemory(double x) {
            return new ClassFigures(callOverheadUs, matrixEfficiency, bandwidthFraction, perItemNs, maxKvGroup, orNone(x),
                    perHeadNs, engineGBps, fallbackGBps, fallbackItemNs, wideHeadProgramNs, packsGqa, wideHeadMatrixEfficiency, xqaMultiBlock, fallbackSplitWaveNs, varlenScanStepNs);
        }

        /** These figures with another time per (sequence, query head) (0: none, the figure left out). */
        public ClassFigures withPerHeadNs(double x) {
            return new ClassFigures(callOverheadUs, matrixEfficiency, bandwidthFraction, perItemNs, maxKvGroup, exposedMemory,
                    orNone(x), engineGBps, fallbackGBps, fallbackItemNs, wideHeadProgramNs, packsGqa, wideHeadMatrixEfficiency, xqaMultiBlock, fallbackSplitWaveNs, varlenScanStepNs);
        }

        /** These figures with another DRAM rate per engine (0: none, the figure left out). */
        public ClassFigures withEngineGBps(double x) {
            return new ClassFigures(callOverheadUs, matrixEfficiency, bandwidthFraction, perItemNs, maxKvGroup, exposedMemory, perHeadNs,
                    orNone(x), fallbackGBps, fallbackItemNs, wideHeadProgramNs, packsGqa, wideHeadMatrixEfficiency, xqaMultiBlock, fallbackSplitWaveNs, varlenScanStepNs);
        }

        /** These figures with another fallback kernel's KV rate per engine for groups above {@code maxKvGroup} (0: none). */
        public ClassFigures withFallbackGBps(double x) {
            return new ClassFigures(callOverheadUs, matrixEfficiency, bandwidthFraction, perItemNs, maxKvGroup, exposedMemory, perHeadNs, engineGBps,
                    orNone(x), fallbackItemNs, wideHeadProgramNs, packsGqa, wideHeadMatrixEfficiency, xqaMultiBlock, fallbackSplitWaveNs, varlenScanStepNs);
        }

        /** These figures with another time per CTA of the fallback kernel (0: none, the figure left out). */
        public ClassFigures withFallbackItemNs(double x) {
            return new ClassFigures(callOverheadUs, matrixEfficiency, bandwidthFraction, perItemNs, maxKvGroup, exposedMemory, perHeadNs, engineGBps,
                    fallbackGBps, orNone(x), wideHeadProgramNs, packsGqa, wideHeadMatrixEfficiency, xqaMultiBlock, fallbackSplitWaveNs, varlenScanStepNs);
        }

        /** These figures with another time per program of vLLM's wide-head (Triton 3D) decode kernel (0: none, the figure left out). */
        public ClassFigures withWideHeadProgramNs(double x) {
            return new ClassFigures(callOverheadUs, matrixEfficiency, bandwidthFraction, perItemNs, maxKvGroup, exposedMemory, perHeadNs, engineGBps,
                    fallbackGBps, fallbackItemNs, orNone(x), packsGqa, wideHeadMatrixEfficiency, xqaMultiBlock, fallbackSplitWaveNs, varlenScanStepNs);
        }

        /** These figures with a context kernel that packs query groups where FlashAttention-3 does (true: the figure left out) or never (false). */
        public ClassFigures withPacksGqa(boolean packs) {
            return new ClassFigures(callOverheadUs, matrixEfficiency, bandwidthFraction, perItemNs, maxKvGroup, exposedMemory, perHeadNs, engineGBps,
                    fallbackGBps, fallbackItemNs, wideHeadProgramNs, packs ? java.util.Optional.empty() : java.util.Optional.of(false), wideHeadMatrixEfficiency, xqaMultiBlock, fallbackSplitWaveNs, varlenScanStepNs);
        }

        /** These figures with another compute share for head dims above {@link #FLASH_MAX_HEAD_DIM} (0: none, the figure left out). */
        public ClassFigures withWideHeadMatrixEfficiency(double x) {
            return new ClassFigures(callOverheadUs, matrixEfficiency, bandwidthFraction, perItemNs, maxKvGroup, exposedMemory, perHeadNs, engineGBps,
                    fallbackGBps, fallbackItemNs, wideHeadProgramNs, packsGqa, orNone(x), xqaMultiBlock, fallbackSplitWaveNs, varlenScanStepNs);
        }

        /**
         * The figures an attention op of head dim {@code headDim} runs under: above {@link #FLASH_MAX_HEAD_DIM}, with
         * {@link #wideHeadMatrixEfficiency} as the compute share where the figures have one; otherwise these.
         */
        public ClassFigures forHeadDim(int headDim) {
            if (wideHeadMatrixEfficiency.isEmpty() || headDim <= FLASH_MAX_HEAD_DIM) {
                return this;
            }
            return new ClassFigures(callOverheadUs, wideHeadMatrixEfficiency, bandwidthFraction, perItemNs, maxKvGroup, exposedMemory, perHeadNs, engineGBps,
                    fallbackGBps, fallbackItemNs, wideHeadProgramNs, packsGqa, OptionalDouble.empty(), xqaMultiBlock, fallbackSplitWaveNs, varlenScanStepNs);
        }

        /** These figures with a decode kernel that splits each sequence's KV over CTAs as TensorRT-LLM's XQA does (true) or not (false: the figure left out). */
        public ClassFigures withXqaMultiBlock(boolean splits) {
            return new ClassFigures(callOverheadUs, matrixEfficiency, bandwidthFraction, perItemNs, maxKvGroup, exposedMemory, perHeadNs, engineGBps,
                    fallbackGBps, fallbackItemNs, wideHeadProgramNs, packsGqa, wideHeadMatrixEfficiency, splits ? java.util.Optional.of(true) : java.util.Optional.empty(), fallbackSplitWaveNs, varlenScanStepNs);
        }

        /**
         * These figures with the fallback kernel split over its keys in multi-block mode, each wave of CTAs paying {@code x} ns (0: none,
         * the figure left out); it takes effect only beside {@link #fallbackGBps} ({@link #splitsFallback}).
         */
        public ClassFigures withFallbackSplitWaveNs(double x) {
            return new ClassFigures(callOverheadUs, matrixEfficiency, bandwidthFraction, perItemNs, maxKvGroup, exposedMemory, perHeadNs, engineGBps,
                    fallbackGBps, fallbackItemNs, wideHeadProgramNs, packsGqa, wideHeadMatrixEfficiency, xqaMultiBlock,
                    orNone(x), varlenScanStepNs);
        }

        /**
         * These figures with a decode kernel whose persistent tile scheduler walks the batch as FlashAttention-3's varlen scheduler
         * does, each step of {@link #VARLEN_SCAN_SEQUENCES} sequences taking {@code x} ns (0: none, the figure left out).
         */
        public ClassFigures withVarlenScanStepNs(double x) {
            return new ClassFigures(callOverheadUs, matrixEfficiency, bandwidthFraction, perItemNs, maxKvGroup, exposedMemory, perHeadNs, engineGBps,
                    fallbackGBps, fallbackItemNs, wideHeadProgramNs, packsGqa, wideHeadMatrixEfficiency, xqaMultiBlock, fallbackSplitWaveNs,
                    orNone(x));
        }

        /**
         * The time (s) a decode kernel of {@code batch} sequences and head dim {@code headDim} spends in its tile scheduler's walk of the
         * batch ({@link #varlenScanStepNs}): FlashAttention-3's {@code VarlenDynamicPersistentTileScheduler} launches one CTA per SM and
         * finds each tile by walking the sequences from its last position {@link #VARLEN_SCAN_SEQUENCES} at a time (a warp's lanes less
         * one, each step a load of their lengths and a warp prefix sum), so over a call a CTA walks the whole batch: ceil(batch / 31)
         * dependent steps. Head dims above {@link #FLASH_MAX_HEAD_DIM} run vLLM's Triton kernel, which has no such walk; 0 without the figure.
         */
        public double varlenScanSeconds(long batch, int headDim) {
            if (varlenScanStepNs.isEmpty() || headDim > FLASH_MAX_HEAD_DIM || batch <= 0) {
                return 0;
            }
            return Math.ceil((double) batch / VARLEN_SCAN_SEQUENCES) * varlenScanStepNs.getAsDouble() * 1e-9;
        }

        /** Whether the fallback decode kernel splits each (sequence, query head)'s keys over CTAs in multi-block mode ({@link #fallbackSplitWaveNs}). */
        public boolean splitsFallback() {
            return fallbackSplitWaveNs.isPresent() && fallbackGBps.isPresent();
        }

        /**
         * Whether the decode kernel splits each (sequence, KV head)'s keys over several CTAs as TensorRT-LLM's XQA does in
         * multi-block mode ({@link #xqaMultiBlock}; its fallback kernel's CTAs are counted on their own, {@link #fallsBack}).
         */
        public boolean splitsKvAsXqa() {
            return xqaMultiBlock.orElse(false);
        }

        /** Whether the context kernel packs a short prompt's query group into its tiles where FlashAttention-3 does ({@link #packsGqa}). */
        public boolean packs() {
            return packsGqa.orElse(true);
        }

        /**
         * A decode attention op's time {@code t} (s, from the figures above) for {@code batch} sequences, {@code kvHeads} KV heads and
         * head dim {@code headDim} on {@code engines} engines, with {@link #wideHeadProgramNs}' floor where it applies: a head dim above
         * {@link #FLASH_MAX_HEAD_DIM} and a batch of at most {@link #MIN_GRID_2D} / kvHeads (integer division) take at least the call
         * overhead plus ceil(batch x kvHeads x {@link #SOFTMAX_SEGMENTS} / engines) x the time per program; otherwise {@code t}.
         */
        public double wideHeadSeconds(double t, long batch, int kvHeads, int headDim, int engines) {
            if (wideHeadProgramNs.isEmpty() || headDim <= FLASH_MAX_HEAD_DIM || kvHeads <= 0 || batch > MIN_GRID_2D / kvHeads) {
                return t;
            }
            double waves = Math.ceil((double) batch * kvHeads * SOFTMAX_SEGMENTS / Math.max(1, engines));
            return Math.max(t, callOverheadUs.orElse(0) * 1e-6 + waves * wideHeadProgramNs.getAsDouble() * 1e-9);
        }

        /**
         * Whether a query group of {@code kvGroup} runs the fallback kernel ({@link #fallbackGBps}): groups above
         * {@link #maxKvGroup}, and groups of 1 (plain multi-head attention).
         */
        public boolean fallsBack(double kvGroup) {
            return fallbackGBps.isPresent() && maxKvGroup.isPresent() && (kvGroup > maxKvGroup.getAsDouble() || kvGroup == 1);
        }

        public ClassFigures(OptionalDouble callOverheadUs, OptionalDouble matrixEfficiency, OptionalDouble bandwidthFraction) {
            this(callOverheadUs, matrixEfficiency, bandwidthFraction, OptionalDouble.empty(), OptionalDouble.empty());
        }

        public ClassFigures(OptionalDouble callOverheadUs, OptionalDouble matrixEfficiency, OptionalDouble bandwidthFraction, OptionalDouble perItemNs) {
            this(callOverheadUs, matrixEfficiency, bandwidthFraction, perItemNs, OptionalDouble.empty());
        }

        /** As {@link #seconds(double, double, double, double)}, plus {@code items} work items over {@code engines} engines. */
        public double seconds(double modelTotal, double launch, double compute, double memory, double items, int engines) {
            return seconds(modelTotal, launch, compute, memory, items, engines, 1);
        }

        /**
         * As above, for an attention op whose query heads share each KV head {@code kvGroup} ways: a kernel that
         * serves at most {@link #maxKvGroup} query heads per pass over a KV head reads the KV cache
         * ceil(kvGroup / maxKvGroup) times, and runs that many times the items it is given.
         */
        public double seconds(double modelTotal, double launch, double compute, double memory, double items, int engines, double kvGroup) {
            return seconds(modelTotal, launch, compute, memory, 0, items, engines, kvGroup);
        }

        /**
         * As above, with the op's DRAM bytes ({@code bytes}), which {@link #engineGBps} bounds: the DRAM part is at least
         * bytes / (engines x engine rate).
         */
        public double seconds(double modelTotal, double launch, double compute, double memory, double bytes, double items, int engines, double kvGroup) {
            return seconds(modelTotal, launch, compute, memory, bytes, items, engines, kvGroup, 0);
        }

        /**
         * As above, with the op's KV-cache bytes ({@code kvBytes}, within {@code bytes}), which a group that
         * {@link #fallsBack} reads once per query head: its DRAM part is at least (bytes + (group - 1) x kvBytes) /
         * (engines x {@link #fallbackGBps}), and its CTAs are items x group (one per sequence and query head).
         */
        public double seconds(double modelTotal, double launch, double compute, double memory, double bytes, double items, int engines, double kvGroup,
                double kvBytes) {
            return seconds(modelTotal, launch, compute, memory, bytes, items, engines, kvGroup, kvBytes, 0);
        }

        /** ... with a lower bound of the op's own on its DRAM part ({@code memoryFloor}, s: a library's tiles, {@link Fp8GemmTiles}). */
        public double seconds(double modelTotal, double launch, double compute, double memory, double bytes, double items, int engines, double kvGroup,
                double kvBytes, double memoryFloor) {
            return seconds(modelTotal, launch, compute, memory, bytes, items, engines, kvGroup, kvBytes, memoryFloor, 1);
        }

        /**
         * ... with the fallback kernel's split of each (sequence, query head)'s keys over {@code fallbackTiles} CTAs (MMHA's
         * {@code seq_len_tile}, its launcher's rule {@code MmhaMultiBlock}; 1: none), which {@link #splitsFallback figures that split}
         * time by waves of one CTA per engine: each wave's DRAM time is the longer of its share of the HBM time and one CTA's bytes at
         * {@link #fallbackGBps}, and each wave pays {@link #fallbackSplitWaveNs} in place of the unsplit fallback's per-wave time
         * ({@link #fallbackItemNs}, or {@link #perItemNs} and {@link #perHeadNs} where it has none).
         */
        public double seconds(double modelTotal, double launch, double compute, double memory, double bytes, double items, int engines, double kvGroup,
                double kvBytes, double memoryFloor, int fallbackTiles) {
            boolean fallback = fallsBack(kvGroup);
            // the fallback reads DRAM once (its per-head re-reads hit L2) and is bounded by the engines' rate below
            double passes = !fallback && maxKvGroup.isPresent() && kvGroup > maxKvGroup.getAsDouble() ? Math.ceil(kvGroup / maxKvGroup.getAsDouble()) : 1;
            double floor = engineGBps.isPresent() && bytes > 0 ? passes * bytes / (Math.max(1, engines) * engineGBps.getAsDouble() * 1e9) : 0;
            floor = Math.max(floor, memoryFloor);
            // the fallback's DRAM bytes: the op's, and its query heads' re-reads of their group's KV
            double fallbackBytes = bytes + (kvGroup - 1) * kvBytes;
            if (fallback && fallbackTiles > 1 && splitsFallback() && items > 0) {
                // one CTA per engine at a time: full waves of the engines, then a partial one whose CTAs each stream at one SM's rate
                double e = Math.max(1, engines);
                double ctas = items * kvGroup * fallbackTiles;
                double fullWaves = Math.floor(ctas / e);
                double last = ctas - fullWaves * e;
                double hbm = memory / bandwidthFraction.orElse(1);
                double cta = fallbackBytes / ctas / (fallbackGBps.getAsDouble() * 1e9);
                double split = fullWaves * Math.max(e / ctas * hbm, cta) + (last > 0 ? Math.max(last / ctas * hbm, cta) : 0);
                double t = seconds(modelTotal, launch, compute, memory, Math.max(floor, split));
                return t + Math.ceil(ctas / e) * fallbackSplitWaveNs.getAsDouble() * 1e-9;
            }
            if (fallback) {
                floor = Math.max(floor, fallbackBytes / (Math.max(1, engines) * fallbackGBps.getAsDouble() * 1e9));
            }
            double ctas = fallback ? items * kvGroup : items * passes;
            double t = seconds(modelTotal + (passes - 1) * memory, launch, compute, memory * passes, floor);
            if (fallback && fallbackItemNs.isPresent()) {
                return items > 0 ? t + Math.ceil(ctas / Math.max(1, engines)) * fallbackItemNs.getAsDouble() * 1e-9 : t;
            }
            if (perHeadNs.isPresent() && items > 0) {
                // the query heads of the CTAs: items x group (decode: sequences x KV heads x group = sequences x query heads)
                t += Math.ceil(items * kvGroup / Math.max(1, engines)) * perHeadNs.getAsDouble() * 1e-9;
            }
            return perItemNs.isPresent() && items > 0 ? t + Math.ceil(ctas / Math.max(1, engines)) * perItemNs.getAsDouble() * 1e-9 : t;
        }

        /**
         * An op's time under these figures from the kernel model's parts (seconds): the call overhead in
         * place of the model's launch, compute and DRAM time scaled by what the framework's kernels
         * sustain, and the rest of the model's time (fill, drain, merges) kept.
         */
        public double seconds(double modelTotal, double launch, double compute, double memory) {
            return seconds(modelTotal, launch, compute, memory, 0);
        }

        /**
         * ... with a lower bound on the DRAM part ({@code memoryFloor}, s: the engines' own load rate, or an fp8 GEMM's
         * waves of library tiles, {@link Fp8GemmTiles}).
         */
        public double seconds(double modelTotal, double launch, double compute, double memory, double memoryFloor) {
            if (callOverheadUs.isEmpty() && matrixEfficiency.isEmpty() && bandwidthFraction.isEmpty() && exposedMemory.isEmpty() && memoryFloor == 0) {
                return modelTotal;
            }
            double rest = Math.max(0, modelTotal - launch - Math.max(compute, memory));
            double c = compute / matrixEfficiency.orElse(1);
            double m = Math.max(memory / bandwidthFraction.orElse(1), memoryFloor);
            double body = Math.max(c, m) + exposedMemory.orElse(0) * Math.min(c, m);
            return callSeconds(launch) + rest + body;
        }

        /** An op's fixed time per call under these figures, s: the call overhead, else the kernel model's launch ({@code launch}, s). */
        public double callSeconds(double launch) {
            return callOverheadUs.isPresent() ? callOverheadUs.getAsDouble() * 1e-6 : launch;
        }
    }

    /**
     * A framework's own all-reduce over NVLink peer memory: one-shot (each GPU reads every peer's whole
     * buffer and reduces) up to {@code oneShotMaxBytes}, two-shot (reduce-scatter then all-gather, each
     * GPU moving 2(g-1)/g of the buffer) above, and above {@code ncclAboveBytes} (the largest buffer the framework's
     * own kernels take) NCCL's all-reduce, as the framework calls it: its own call overhead and share of the link
     * rate, a ring's 2(g-1)/g of the buffer each way, or on {@code nvlsMinGroup} GPUs and more NVLink SHARP's (NVLS: the
     * switch reduces; each GPU sends its buffer once and receives the result once, (g+1)/g of it each way).
     *
     * @param callOverheadUs        fixed time per call (launch, barrier flags)
     * @param bandwidthFraction     share of the link's line rate a peer-memory copy sustains
     * @param oneShotMaxBytes       the largest message the one-shot kernel takes
     * @param ncclAboveBytes        messages above this go to NCCL (infinite: never)
     * @param ncclCallOverheadUs    NCCL's fixed time per call
     * @param ncclBandwidthFraction share of the link's line rate NCCL sustains
     * @param nvlsMinGroup          the fewest GPUs NCCL runs NVLS on (0: never; a ring always)
     */
    public record CustomAllReduce(double callOverheadUs, double bandwidthFraction, double oneShotMaxBytes, double ncclAboveBytes, double ncclCallOverheadUs,
            double ncclBandwidthFraction, int nvlsMinGroup) {
        /** The framework's own kernels at every size (no NCCL regime). */
        public CustomAllReduce(double callOverheadUs, double bandwidthFraction, double oneShotMaxBytes) {
            this(callOverheadUs, bandwidthFraction, oneShotMaxBytes, Double.POSITIVE_INFINITY, 0, 1, 0);
        }

        /** This all-reduce with an NCCL regime above {@code aboveBytes}. */
        public CustomAllReduce withNccl(double aboveBytes, double overheadUs, double fraction, int nvlsGroup) {
            return new CustomAllReduce(callOverheadUs, bandwidthFraction, oneShotMaxBytes, aboveBytes, overheadUs, fraction, nvlsGroup);
        }

        /**
         * This all-reduce handing messages above {@code aboveBytes} to the profile's collective library ({@link NcclModel}),
         * which times them: no figures of its own for NCCL (NaN; {@link #seconds} needs the library then).
         */
        public CustomAllReduce withLibraryAbove(double aboveBytes) {
            return new CustomAllReduce(callOverheadUs, bandwidthFraction, oneShotMaxBytes, aboveBytes, Double.NaN, Double.NaN, 0);
        }

        public boolean hasNccl() {
            return Double.isFinite(ncclAboveBytes);
        }

        /** Whether the NCCL regime has figures of its own (false: the profile's collective library times it). */
        public boolean hasOwnNcclFigures() {
            return hasNccl() && Double.isFinite(ncclCallOverheadUs);
        }

        /** Which kernel a message of {@code bytes} runs: {@code one-shot}, {@code two-shot} or {@code nccl-ring} / {@code nccl-nvls}. */
        public String regime(double bytes, int group) {
            return regime(bytes, group, java.util.Optional.empty(), 0);
        }

        /** ... where NCCL's messages are the library's, {@code nccl-<protocol>} ({@link NcclModel#call}). */
        public String regime(double bytes, int group, java.util.Optional<NcclModel> library, double linkGBps) {
            if (bytes > ncclAboveBytes) {
                NcclModel.Call c = libraryCall(bytes, group, library, linkGBps);
                return c != null ? "nccl-" + c.protocol() : nvls(group) ? "nccl-nvls" : "nccl-ring";
            }
            return bytes <= oneShotMaxBytes ? "one-shot" : "two-shot";
        }

        private boolean nvls(int group) {
            return nvlsMinGroup > 0 && group >= nvlsMinGroup;
        }

        /**
         * The library's all-reduce for a message this regime hands to NCCL, or null where the regime has NCCL figures of its own;
         * a regime without them has no time without the profile's library.
         */
        private NcclModel.Call libraryCall(double bytes, int group, java.util.Optional<NcclModel> library, double linkGBps) {
            if (hasOwnNcclFigures()) {
                return null;
            }
            NcclModel lib = library.orElseThrow(() -> new IllegalStateException("custom_all_reduce hands messages above nccl_above_bytes to NCCL "
                    + "but no collective library (collectives: nccl) was given"));
            return lib.call(NcclModel.Collective.ALL_REDUCE, 2.0 * (group - 1) / group * bytes, bytes, group, linkGBps);
        }

        /** Bytes each GPU moves over its links for a message of {@code bytes} (one direction). */
        public double movedBytes(double bytes, int group) {
            return movedBytes(bytes, group, java.util.Optional.empty(), 0);
        }

        /** ... where NCCL's messages are the library's (NVLS: (g+1)/g of the buffer; a ring: 2(g-1)/g). */
        public double movedBytes(double bytes, int group, java.util.Optional<NcclModel> library, double linkGBps) {
            if (bytes > ncclAboveBytes) {
                NcclModel.Call c = libraryCall(bytes, group, library, linkGBps);
                return c != null ? c.movedBytes() : nvls(group) ? NcclModel.nvlsBytes(group, bytes) : 2.0 * (group - 1) / group * bytes;
            }
            // one-shot: every GPU reads each peer's whole buffer; two-shot: a reduce-scatter and an all-gather, 2(g-1)/g of it
            return bytes <= oneShotMaxBytes ? bytes * (group - 1) : 2.0 * (group - 1) / group * bytes;
        }

        /** Seconds of one all-reduce of {@code bytes} over {@code group} GPUs on links of {@code linkGBps} per direction. */
        public double seconds(double bytes, int group, double linkGBps) {
            return seconds(bytes, group, linkGBps, java.util.Optional.empty());
        }

        /**
         * ... where messages above {@link #ncclAboveBytes} are timed by the profile's collective library when this regime
         * has no figures of its own ({@link #withLibraryAbove}): one home for NCCL's all-reduce, fitted on nccl-tests rows.
         */
        public double seconds(double bytes, int group, double linkGBps, java.util.Optional<NcclModel> library) {
            if (group <= 1) {
                return 0;
            }
            NcclModel.Call viaLibrary = bytes > ncclAboveBytes ? libraryCall(bytes, group, library, linkGBps) : null;
            if (viaLibrary != null) {
                return viaLibrary.us() * 1e-6;
            }
            double moved = movedBytes(bytes, group);
            if (bytes > ncclAboveBytes) {
                return ncclCallOverheadUs * 1e-6 + moved / (linkGBps * 1e9 * ncclBandwidthFraction);
            }
            int phases = bytes <= oneShotMaxBytes ? 1 : 2;
            return phases * callOverheadUs * 1e-6 + moved / (linkGBps * 1e9 * bandwidthFraction);
        }
    }

    /**
     * The engine's own work in every serving iteration, outside the kernels: the scheduler forming the
     * batch, sampling, detokenising and bookkeeping, and the host-device synchronisation that ends a
     * step. The GPU waits for it (none of the profiled engines overlap it with the next step's kernels),
     * so the serving loop adds it to each iteration's time.
     *
     * @param iterationOverheadUs fixed host time per iteration
     * @param perSequenceUs       host time per sequence in the iteration's batch (decodes and prefill chunks)
     * @param guaranteedNoEvict   whether the engine admits a request only when the KV cache can hold it to
     *                            its last token (TensorRT-LLM's default capacity policy, GUARANTEED_NO_EVICT),
     *                            so it never preempts; false admits on the prompt and preempts when decodes
     *                            run out of KV (vLLM's recompute policy)
     * @param chunkedPrefill      whether a prompt may be split over iterations to fill the token budget
     *                            (vLLM, SGLang, moesim's default); false schedules each prompt whole in one
     *                            iteration, as TensorRT-LLM does unless chunked context is enabled
     * @param maxNumTokens        the engine's default token budget per iteration ({@code max_num_tokens}), used
     *                            when a run gives none; 0 for moesim's own default
     * @param fp8MoeKernel        the profile whose {@code moe_fp8} kernel figures the serving engine's fused fp8 MoE blocks run on
     *                            ({@code fp8_moe_kernel}), where the kernel database's harness timed the same library on another
     *                            tactic than a serving engine runs (vLLM: FlashInfer's CUTLASS MoE untuned, which vLLM autotunes at
     *                            start-up); this profile's call overhead kept. Empty: its own figures
     * @param staticActivationScales whether the engine quantises an fp8 linear layer's input with the per-tensor scale its
     *                            checkpoint stores ({@code static_activation_scales}): one cast kernel, no amax pass, where the
     *                            kernel database's harness timed the dynamic pair
     */
    public record Serving(double iterationOverheadUs, double perSequenceUs, boolean guaranteedNoEvict, boolean chunkedPrefill,
            long maxNumTokens, java.util.Optional<String> fp8MoeKernel, boolean staticActivationScales) {
        public static final Serving NONE = new Serving(0, 0, false, true, 0);

        public Serving(double iterationOverheadUs, double perSequenceUs, boolean guaranteedNoEvict, boolean chunkedPrefill, long maxNumTokens,
                java.util.Optional<String> fp8MoeKernel) {
            this(iterationOverheadUs, perSequenceUs, guaranteedNoEvict, chunkedPrefill, maxNumTokens, fp8MoeKernel, false);
        }

        public Serving(double iterationOverheadUs, double perSequenceUs, boolean guaranteedNoEvict, boolean chunkedPrefill, long maxNumTokens) {
            this(iterationOverheadUs, perSequenceUs, guaranteedNoEvict, chunkedPrefill, maxNumTokens, java.util.Optional.empty());
        }

        public Serving(double iterationOverheadUs, double perSequenceUs) {
            this(iterationOverheadUs, perSequenceUs, false, true, 0);
        }

        public Serving {
            if (!(iterationOverheadUs >= 0) || !(perSequenceUs >= 0) || Double.isInfinite(iterationOverheadUs) || Double.isInfinite(perSequenceUs)) {
                throw new IllegalArgumentException("serving figures must be finite and >= 0, got " + iterationOverheadUs + ", " + perSequenceUs);
            }
            if (maxNumTokens < 0) {
                throw new IllegalArgumentException("max_num_tokens must be >= 0 (0: none), got " + maxNumTokens);
            }
        }

        public boolean isNone() {
            return iterationOverheadUs == 0 && perSequenceUs == 0 && !guaranteedNoEvict && chunkedPrefill && maxNumTokens == 0
                    && fp8MoeKernel.isEmpty() && !staticActivationScales;
        }

        /** The same admission policy with other host costs (the serving fit's candidates). */
        public Serving withCosts(double iterationUs, double sequenceUs) {
            return new Serving(iterationUs, sequenceUs, guaranteedNoEvict, chunkedPrefill, maxNumTokens, fp8MoeKernel, staticActivationScales);
        }

        /** The same engine with prompts split over iterations or not (a benchmark harness that sets its engine's chunked context). */
        public Serving withChunkedPrefill(boolean chunked) {
            return new Serving(iterationOverheadUs, perSequenceUs, guaranteedNoEvict, chunked, maxNumTokens, fp8MoeKernel, staticActivationScales);
        }

        /** Picoseconds of engine work in an iteration of {@code sequences} sequences. */
        public long ps(int sequences) {
            return Math.round((iterationOverheadUs + perSequenceUs * sequences) * 1e6);
        }
    }
}
