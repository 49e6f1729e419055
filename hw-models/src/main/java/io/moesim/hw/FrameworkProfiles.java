package io.moesim.hw;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Framework profiles ({@code frameworks/*.yaml}: {@code trtllm}, {@code vllm}, {@code sglang},
 * {@code ideal}) or a user's YAML file, read with the same checks and one-line errors as target specs
 * ({@link SpecException}: file, key path, reason).
 */
public final class FrameworkProfiles {
    private static final Map<String, FrameworkProfile> CACHE = new ConcurrentHashMap<>();

    /** Targets that stand for GPUs one can buy and run a serving framework on (their calibrated overlays included). */
    private static final Set<String> REAL_GPUS = Set.of("h100", "h200", "h800", "mi300x", "b200");

    /** The profile real GPUs get when none is named. */
    public static final String DEFAULT_REAL = "trtllm";

    private FrameworkProfiles() {
    }

    public static List<String> ids() {
        return SpecSources.ids("frameworks");
    }

    /** NVIDIA's GPUs of compute capability 9.0 and above, where the CUDA kernel libraries the profiles read run (FlashInfer, CUTLASS SM90+). */
    private static final Set<String> NVIDIA_SM90 = Set.of("h100", "h200", "h800", "b200");

    /** Whether the device is one of NVIDIA's GPUs of compute capability 9.0 and above (and their {@code -calibrated} overlays). */
    public static boolean isNvidiaSm90(DeviceSpec d) {
        return NVIDIA_SM90.contains(baseId(d));
    }

    /** Whether the device is a real GPU (h100, h200, h800, mi300x, b200 and their {@code -calibrated} overlays). */
    public static boolean isRealGpu(DeviceSpec d) {
        return REAL_GPUS.contains(baseId(d));
    }

    /** The device's id without a {@code -calibrated} overlay suffix, lower case. */
    static String baseId(DeviceSpec d) {
        return d.id().toLowerCase(Locale.ROOT).replaceFirst("-calibrated$", "");
    }

    /**
     * GPUs TensorRT-LLM does not run on, and the framework their vendor publishes serving figures with:
     * AMD's MI300X runs vLLM on ROCm (AMD's own inference results use ROCm vLLM; TensorRT-LLM is CUDA only).
     */
    private static final Map<String, String> DEFAULT_BY_GPU = Map.of("mi300x", "vllm");

    /**
     * The profile id a device runs under when none is named: a real framework on real GPUs (TensorRT-LLM,
     * vLLM on AMD's), {@code ideal} elsewhere.
     */
    public static String defaultId(DeviceSpec d) {
        if (!isRealGpu(d)) {
            return "ideal";
        }
        return DEFAULT_BY_GPU.getOrDefault(baseId(d), DEFAULT_REAL);
    }

    /** Loads a profile by built-in id or file path; all problems in one {@link SpecException}. */
    public static FrameworkProfile load(String idOrPath) {
        return SpecSources.load(CACHE, "frameworks", "framework profile", idOrPath, FrameworkProfiles::parse);
    }

    static FrameworkProfile parse(String id, String file, ObjectNode tree, List<SpecProblem> problems) {
        SpecReader r = SpecReader.root(file, tree, problems);
        String name = r.text("name");
        r.optText("description");
        Map<String, FrameworkProfile.ClassFigures> classes = new LinkedHashMap<>();
        Optional<SpecReader> cs = r.optSection("classes");
        if (cs.isPresent()) {
            for (Map.Entry<String, SpecReader> e : cs.get().namedSections().entrySet()) {
                SpecReader c = e.getValue();
                if (!FrameworkProfile.CLASSES.contains(e.getKey())) {
                    cs.get().problem(e.getKey(), "unknown op class" + Suggest.didYouMean(e.getKey(), FrameworkProfile.CLASSES) + " (known: "
                            + String.join(", ", FrameworkProfile.CLASSES) + ")");
                    continue;
                }
                OptionalDouble over = c.optNumber("call_overhead_us");
                OptionalDouble eff = fraction(c, "matrix_efficiency");
                OptionalDouble bw = fraction(c, "bandwidth_fraction");
                OptionalDouble item = c.optNumber("per_item_ns");
                OptionalDouble group = c.optNumber("max_kv_group");
                OptionalDouble exposed = c.optNumber("exposed_memory");
                OptionalDouble head = c.optNumber("per_head_ns");
                OptionalDouble engineRate = c.optNumber("engine_GBps");
                OptionalDouble fallbackRate = c.optNumber("fallback_GBps");
                OptionalDouble fallbackItem = c.optNumber("fallback_item_ns");
                OptionalDouble fallbackSplit = c.optNumber("fallback_split_wave_ns");
                OptionalDouble varlenScan = c.optNumber("varlen_scan_step_ns");
                OptionalDouble wideHead = c.optNumber("wide_head_program_ns");
                Optional<Boolean> packs = c.optFlag("packs_gqa");
                Optional<Boolean> xqa = c.optFlag("xqa_multi_block");
                OptionalDouble wideEff = fraction(c, "wide_head_matrix_efficiency");
                // every figure is positive where present (SpecReader.optNumber reports one that is not, naming its key)
                if (exposed.isPresent() && !(exposed.getAsDouble() >= 0 && exposed.getAsDouble() <= 1)) {
                    c.problem("exposed_memory", "must be in [0, 1], got " + exposed.getAsDouble());
                    exposed = OptionalDouble.empty();
                }
                c.finish();
                classes.put(e.getKey(), new FrameworkProfile.ClassFigures(over, eff, bw, item, group, exposed, head, engineRate, fallbackRate, fallbackItem, wideHead, packs, wideEff,
                        xqa.filter(Boolean::booleanValue), fallbackSplit, varlenScan));
            }
            cs.get().finish();
        }
        boolean quant = r.optFlag("fp8_activation_quantize").orElse(false);
        // the collective library the framework calls, by built-in id (one home for its figures: collectives/<id>.yaml) or by a
        // file (a .yaml path, relative to this profile's file: one written by validate --database --collectives-out)
        Optional<NcclModel> collectives = r.has("collectives")
                ? r.choice("collectives", v -> library(v, file), java.util.stream.Stream.concat(NcclModel.ids().stream(),
                        java.util.stream.Stream.of("a .yaml file (relative to this profile)")).toList())
                : Optional.empty();
        Optional<FrameworkProfile.CustomAllReduce> car = Optional.empty();
        Optional<SpecReader> a = r.optSection("custom_all_reduce");
        if (a.isPresent()) {
            SpecReader s = a.get();
            double over = s.number("call_overhead_us");
            OptionalDouble bw = fraction(s, "bandwidth_fraction");
            double oneShot = s.number("one_shot_max_bytes");
            // the NCCL regime above the framework's own kernels: all three figures or none
            OptionalDouble ncclAbove = s.optNumber("nccl_above_bytes");
            OptionalDouble ncclOver = s.optNumber("nccl_call_overhead_us");
            OptionalDouble ncclBw = fraction(s, "nccl_bandwidth_fraction");
            OptionalDouble nvls = s.optNumber("nvls_min_group");
            boolean nccl = ncclAbove.isPresent() && ncclOver.isPresent() && ncclBw.isPresent();
            // nccl_above_bytes alone: the profile's collective library times the messages above it (one home for NCCL's figures)
            boolean viaLibrary = ncclAbove.isPresent() && ncclOver.isEmpty() && ncclBw.isEmpty() && nvls.isEmpty() && collectives.isPresent();
            if (!nccl && !viaLibrary && (ncclAbove.isPresent() || ncclOver.isPresent() || ncclBw.isPresent())) {
                s.problem("nccl_above_bytes", "the NCCL regime needs nccl_above_bytes, nccl_call_overhead_us and nccl_bandwidth_fraction together, "
                        + "or nccl_above_bytes alone with the profile's collectives: library");
            }
            s.finish();
            if (Double.isFinite(over) && bw.isPresent() && Double.isFinite(oneShot)) {
                FrameworkProfile.CustomAllReduce c = new FrameworkProfile.CustomAllReduce(over, bw.getAsDouble(), oneShot);
                car = Optional.of(nccl ? c.withNccl(ncclAbove.getAsDouble(), ncclOver.getAsDouble(), ncclBw.getAsDouble(), (int) nvls.orElse(0))
                        : viaLibrary ? c.withLibraryAbove(ncclAbove.getAsDouble()) : c);
            } else if (bw.isEmpty() && !s.has("bandwidth_fraction")) {
                s.problem("bandwidth_fraction", "missing key");
            }
        }
        // the library's own fp8 GEMM tiles: its tile rule (a closed set) and the fitted per-SM operand rate; the same for the
        // fused fp8 MoE blocks of the kernel database's harness
        Optional<FrameworkProfile.Fp8GemmTiles> tiles = tiles(r, "fp8_gemm_tiles", false);
        Optional<FrameworkProfile.Fp8GemmTiles> moeTiles = tiles(r, "fp8_moe_tiles", true);
        Optional<FrameworkProfile.MoeTiles> bf16MoeTiles = bf16MoeTiles(r);
        Optional<FrameworkProfile.QuantizeCtas> quantizeCtas = quantizeCtas(r);
        Optional<FrameworkProfile.QuantizeL2> quantizeL2 = quantizeL2(r);
        FrameworkProfile.Serving serving = FrameworkProfile.Serving.NONE;
        Optional<SpecReader> sv = r.optSection("serving");
        if (sv.isPresent()) {
            // each figure optional (absent: none of that cost); figures are > 0 like every spec figure
            SpecReader s = sv.get();
            OptionalDouble it = s.optNumber("iteration_overhead_us");
            OptionalDouble seq = s.optNumber("per_sequence_us");
            boolean noEvict = s.optFlag("guaranteed_no_evict").orElse(false);
            boolean chunked = s.optFlag("chunked_prefill").orElse(true);
            OptionalDouble maxTokens = s.optNumber("max_num_tokens");
            if (maxTokens.isPresent() && maxTokens.getAsDouble() != Math.rint(maxTokens.getAsDouble())) {
                s.problem("max_num_tokens", "must be a whole number of tokens, got " + Suggest.num(maxTokens.getAsDouble()));
            }
            // a built-in profile whose moe_fp8 figures are a kernel's own (a closed set; resolved when priced)
            List<String> kernels = FrameworkProfile.FP8_MOE_KERNELS.stream().filter(x -> !x.equals(id)).sorted().toList();
            Optional<String> moeKernel = !s.has("fp8_moe_kernel") ? Optional.empty()
                    : s.choice("fp8_moe_kernel", x -> kernels.contains(x) ? Optional.of(x) : Optional.empty(), kernels);
            boolean staticScales = s.optFlag("static_activation_scales").orElse(false);
            s.finish();
            serving = new FrameworkProfile.Serving(it.orElse(0), seq.orElse(0), noEvict, chunked, (long) maxTokens.orElse(0), moeKernel,
                    staticScales);
        }
        r.finish();
        return new FrameworkProfile(id, name, classes, quant, car, serving, tiles, collectives, moeTiles, bf16MoeTiles, quantizeCtas, quantizeL2);
    }

    /**
     * A tiles section ({@code fp8_gemm_tiles}: a linear layer's rule, {@code fp8_moe_tiles}: a fused MoE block's, {@link
     * GemmTileRule#moe}): the rule and the per-SM operand rate, both required.
     */
    private static Optional<FrameworkProfile.Fp8GemmTiles> tiles(SpecReader r, String key, boolean moe) {
        Optional<SpecReader> ts = r.optSection(key);
        if (ts.isEmpty()) {
            return Optional.empty();
        }
        SpecReader s = ts.get();
        Optional<GemmTileRule> rule = s.choice("rule", id -> GemmTileRule.of(id).filter(x -> x.moe() == moe), GemmTileRule.ids(moe));
        OptionalDouble rate = s.optNumber("cta_stream_GBps");
        if (rate.isEmpty() && !s.has("cta_stream_GBps")) {
            s.problem("cta_stream_GBps", "missing key");
        }
        s.finish();
        return rule.isPresent() && rate.isPresent() ? Optional.of(new FrameworkProfile.Fp8GemmTiles(rule.get(), rate.getAsDouble())) : Optional.empty();
    }

    /**
     * The bf16 fused MoE blocks' tile section ({@code moe_tiles}): the rule (a closed set), its K step and its L2 share, all
     * required, and the down GEMM's slowdown for an unaligned width (optional, at least 1; absent: 1).
     */
    private static Optional<FrameworkProfile.MoeTiles> bf16MoeTiles(SpecReader r) {
        Optional<SpecReader> ts = r.optSection("moe_tiles");
        if (ts.isEmpty()) {
            return Optional.empty();
        }
        SpecReader s = ts.get();
        Optional<MoeTileRule> rule = s.choice("rule", id -> KernelRule.of(MoeTileRule.values(), id), KernelRule.ids(MoeTileRule.values()));
        OptionalDouble step = s.optNumber("k_step_ns");
        OptionalDouble share = l2Share(s);
        required(s, "k_step_ns", "l2_share");
        OptionalDouble slowdown = s.optNumber("unaligned_down_slowdown");
        if (slowdown.isPresent() && !(slowdown.getAsDouble() >= 1)) {
            s.problem("unaligned_down_slowdown", "must be >= 1, got " + Suggest.num(slowdown.getAsDouble()));
            slowdown = OptionalDouble.empty();
        }
        s.finish();
        return rule.isPresent() && step.isPresent() && share.isPresent()
                ? Optional.of(new FrameworkProfile.MoeTiles(rule.get(), step.getAsDouble(), share.getAsDouble(), slowdown.orElse(1))) : Optional.empty();
    }

    /**
     * The quantise kernels' launch section ({@code quantize_ctas}): the rule (a closed set), the time per CTA and one CTA's
     * streaming rate, all required.
     */
    private static Optional<FrameworkProfile.QuantizeCtas> quantizeCtas(SpecReader r) {
        Optional<SpecReader> qs = r.optSection("quantize_ctas");
        if (qs.isEmpty()) {
            return Optional.empty();
        }
        SpecReader s = qs.get();
        Optional<QuantizeLaunchRule> rule = s.choice("rule", id -> KernelRule.of(QuantizeLaunchRule.values(), id), KernelRule.ids(QuantizeLaunchRule.values()));
        OptionalDouble cta = s.optNumber("cta_ns");
        OptionalDouble rate = s.optNumber("cta_stream_GBps");
        required(s, "cta_ns", "cta_stream_GBps");
        s.finish();
        return rule.isPresent() && cta.isPresent() && rate.isPresent()
                ? Optional.of(new FrameworkProfile.QuantizeCtas(rule.get(), cta.getAsDouble(), rate.getAsDouble())) : Optional.empty();
    }

    /** The quantise kernels' L2 section of the harness ({@code quantize_l2}): the share of the L2 (in (0, 1]) and the rate, both required. */
    private static Optional<FrameworkProfile.QuantizeL2> quantizeL2(SpecReader r) {
        Optional<SpecReader> qs = r.optSection("quantize_l2");
        if (qs.isEmpty()) {
            return Optional.empty();
        }
        SpecReader s = qs.get();
        OptionalDouble share = l2Share(s);
        OptionalDouble rate = s.optNumber("l2_GBps");
        required(s, "l2_share", "l2_GBps");
        s.finish();
        return share.isPresent() && rate.isPresent() ? Optional.of(new FrameworkProfile.QuantizeL2(share.getAsDouble(), rate.getAsDouble())) : Optional.empty();
    }

    /** Each of {@code keys} a section must have: a missing one is a problem named by its key. */
    private static void required(SpecReader s, String... keys) {
        for (String key : keys) {
            if (!s.has(key)) {
                s.problem(key, "missing key");
            }
        }
    }

    /** A section's {@code l2_share}: a share of the datasheet L2, in (0, 1]. */
    private static OptionalDouble l2Share(SpecReader s) {
        OptionalDouble share = s.optNumber("l2_share");
        if (share.isPresent() && share.getAsDouble() > 1) {
            s.problem("l2_share", "must be in (0, 1], got " + Suggest.num(share.getAsDouble()));
            return OptionalDouble.empty();
        }
        return share;
    }

    /** A collective library named by a profile: a built-in id, or a YAML file relative to the profile's own file; empty when neither. */
    private static Optional<NcclModel> library(String v, String profileFile) {
        if (NcclModel.ids().contains(v)) {
            return Optional.of(NcclModel.load(v));
        }
        if (v.endsWith(".yaml") || v.endsWith(".yml")) {
            java.nio.file.Path p = java.nio.file.Path.of(v);
            java.nio.file.Path dir = java.nio.file.Path.of(profileFile).toAbsolutePath().getParent();
            java.nio.file.Path f = p.isAbsolute() || dir == null ? p : dir.resolve(p);
            return java.nio.file.Files.isRegularFile(f) ? Optional.of(NcclModel.load(f.toString())) : Optional.empty();
        }
        return Optional.empty();
    }

    /** A share of a model figure: in (0, 2] (a framework's kernel may beat the model's, not by double). */
    private static OptionalDouble fraction(SpecReader r, String key) {
        OptionalDouble v = r.optNumber(key);
        if (v.isPresent() && v.getAsDouble() > 2) {
            r.problem(key, "must be in (0, 2], got " + Suggest.num(v.getAsDouble()));
            return OptionalDouble.empty();
        }
        return v;
    }
}
