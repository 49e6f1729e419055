package io.moesim.validation.database;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.FrameworkProfile.ClassFigures;
import io.moesim.hw.GemmTileRule;
import io.moesim.hw.MoeTileRule;
import io.moesim.hw.QuantizeLaunchRule;
import io.moesim.hw.Systems;
import io.moesim.validation.trace.IrOps;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Function;

/**
 * Fits a framework profile on database rows: for each op class, the call overhead, the sustained
 * compute share and the sustained bandwidth share that minimise the MAPE of the rows that identify that
 * class (a grid, then a finer grid around its best point), in a fixed order: {@code quantize} and {@code quantize_amax}
 * (from the quantize tables: the cast rows, then the amax or per-token rows), {@code gemm} (bf16 GEMMs), {@code gemm_fp8} (fp8 GEMMs, with and without the
 * activation's quantise kernel: whichever explains the rows better), the two attention classes, {@code moe}
 * (fused MoE blocks, the other classes fixed), and the framework's own all-reduce. The rows given are all
 * the fit reads: the caller ({@link DbProtocol#fitRows}) chooses them by split, GPU and framework.
 */
public final class DbFit {
    private static final double[] OVERHEADS = geometric(0.5, 150, 32);
    private static final double[] SHARES = linear(0.1, 1.6, 0.1);
    private static final double[] ROUND_O = {0.08, 0.02, 0.005};
    private static final double[] ROUND_S = {0.02, 0.005, 0.00125};
    private static final double[] ITEMS = geometric(5, 20000, 16);
    /** {@link #ITEMS} with 0 (none) before them: the grid of a time per CTA that may be absent. */
    private static final double[] ITEMS_OR_NONE = java.util.stream.DoubleStream.concat(java.util.stream.DoubleStream.of(0), java.util.Arrays.stream(ITEMS))
            .toArray();
    /** Decode attention's time per query head as a share of its per-CTA time (0: none), searched with it. */
    private static final double[] HEAD_SHARES = {0, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1};
    private static final double[] NO_HEADS = {0};

    private DbFit() {
    }

    /** What a fit read and chose: the profile and the rows each class was fitted on. */
    public record Result(FrameworkProfile profile, Map<String, Integer> rowsPerClass, Map<String, Double> calibrationMapePct) {
    }

    public static Result fit(String id, String name, List<DbRow> rows, DbModel model, Function<String, DeviceSpec> devices) {
        return fit(id, name, rows, model, devices, Optional.empty());
    }

    /**
     * ... with the collective library the framework calls ({@code library}, NCCL's figures fitted on nccl-tests rows): the
     * profile names it, and the framework's own all-reduce hands its messages above a fitted size to it (only that size is
     * fitted for NCCL's part here).
     */
    public static Result fit(String id, String name, List<DbRow> rows, DbModel model, Function<String, DeviceSpec> devices,
            Optional<io.moesim.hw.NcclModel> library) {
        FrameworkProfile p = new FrameworkProfile(id, name, Map.of(), false, Optional.empty()).withCollectives(library);
        Map<String, Integer> n = new LinkedHashMap<>();
        Map<String, Double> mape = new LinkedHashMap<>();
        boolean ownKernels = rows.stream().map(DbRow::framework).distinct().count() <= 1;
        // the two kernels of a dynamic quantise in a framework's own profile: the cast (scale_matrix tables) on its rows, then
        // the amax pass (computescale tables) on its rows, a profile without amax rows running it on the cast's figures. vLLM's
        // computescale rows are its dynamic per-token kernel (step=token, AicConverter): both passes, whose amax figures are
        // fitted with the cast's held. The amax kernels are each framework's own (TensorRT-LLM's a memset and a scalar-load
        // reduction, 6-7 us at the least): a profile pooled over frameworks (leave one out) fits one quantize class on every
        // quantise row, as moe_fp8
        List<DbRow> quantRows = rows(rows, "quantize");
        if (ownKernels) {
            Map<Boolean, List<DbRow>> isCast = quantRows.stream().collect(java.util.stream.Collectors.partitioningBy(r -> IrOps.quantizeStep(r.op()).equals("cast")));
            Optional<QuantizeLaunchRule> launch = rows.isEmpty() ? Optional.empty() : QuantizeLaunchRule.forFramework(rows.get(0).framework());
            p = fitQuantize(p, isCast.get(true), isCast.get(false), launch, model, devices, n, mape);
        } else {
            // one quantize class on every row, with no L2 of the harness: each framework's collector is a script of its own (the
            // L2 fitted on the other two frameworks' rows made the left-out ones worse, docs/validation.md, session 27)
            p = fitClass(p, "quantize", quantRows, model, devices, n, mape, false);
        }
        p = fitClass(p, "gemm", rows(rows, "gemm-bf16"), model, devices, n, mape, true);
        List<DbRow> fp8 = rows(rows, "gemm-fp8");
        // the library's own fp8 tiles with no split of K, where the framework's code names its library's tile rule (vLLM's
        // and SGLang's CUTLASS dispatch), in its own profile only (as per_head_ns): fitted beside the fastest tile and
        // kept where the calibration rows say so
        Optional<GemmTileRule> rule = ownKernels && !rows.isEmpty() ? GemmTileRule.forFramework(rows.get(0).framework()) : Optional.empty();
        boolean perToken = ownKernels && !rows.isEmpty() && PER_TOKEN_QUANT.contains(rows.get(0).framework());
        p = fitFp8(p, fp8, rule, perToken, model, devices, n, mape);
        p = fitClass(p, "attention_prefill", rows(rows, "attention-prefill"), model, devices, n, mape, true, NO_HEADS, ownKernels);
        // a time per query head is one framework's decode kernel (TensorRT-LLM's GQA kernel pays it; the others' rows fit
        // none): fitted only in a framework's own profile, as moe_fp8
        p = fitClass(p, "attention_decode", rows(rows, "attention-decode"), model, devices, n, mape, true, ownKernels ? HEAD_SHARES : NO_HEADS, ownKernels);
        // the same search on an fp8 cache's rows, another kernel (FrameworkProfile.ATTENTION_DECODE_FP8_KV); none: attention_decode's
        p = fitClass(p, FrameworkProfile.ATTENTION_DECODE_FP8_KV, rows(rows, DbRow.DECODE_FP8_KV), model, devices, n, mape, true,
                ownKernels ? HEAD_SHARES : NO_HEADS, ownKernels);
        // fused MoE: with the slot-buffer kernels (moe_slots: Triton's fused_moe) or without (only this GPU's rows), whichever
        // explains the calibration rows better. fp8 fused MoE is its own kernel family in each framework (vLLM's measures 3-5x
        // TensorRT-LLM's on the same shapes, and runs FlashInfer's CUTLASS MoE where its bf16 blocks run Triton's): in a
        // framework's own profile moe_fp8 is fitted on the fp8 rows, with or without its own slot pass (moe_fp8_slots); a
        // profile pooled over frameworks (leave one out) stands for "a framework" and runs fp8 blocks on moe's figures
        List<DbRow> moe = rows(rows, "moe");
        if (ownKernels) {
            p = fitBf16Moe(p, moe.stream().filter(r -> !isFp8Moe(r)).toList(), rows.isEmpty() ? Optional.empty() : MoeTileRule.forFramework(rows.get(0).framework()),
                    model, devices, n, mape);
            p = fitMoe(p, "moe_fp8", DbModel.SLOTS_FP8, moe.stream().filter(DbFit::isFp8Moe).toList(),
                    rows.isEmpty() ? Optional.empty() : GemmTileRule.forFrameworkMoe(rows.get(0).framework()), model, devices, n, mape);
        } else {
            p = fitMoe(p, "moe", DbModel.SLOTS, moe, Optional.empty(), model, devices, n, mape);
        }
        p = fitAllReduce(p, rows(rows, "custom-all-reduce"), library, n, mape);
        return new Result(p, n, mape);
    }

    /**
     * The frameworks whose fp8 GEMM is timed with a per-token activation quantise before it ({@link
     * FrameworkProfile#QUANTIZE_TOKEN}): SGLang's collector times {@code sgl_per_token_quant_fp8} then {@code fp8_scaled_mm}
     * per call (github.com/ai-dynamo/aiconfigurator collector/sglang/collect_gemm.py, gemm type fp8), a kernel its
     * quantize rows (scale_matrix, about 330 GB/s) do not time.
     */
    static final java.util.Set<String> PER_TOKEN_QUANT = java.util.Set.of("sglang");

    /**
     * The frameworks whose fp8 GEMM rows pay a time per row of the activation ({@code per_item_ns} of gemm_fp8, items the
     * rows): vLLM's collector runs its fp8 linear layer with a static activation scale (collector/vllm/collect_gemm.py,
     * {@code Fp8Config(activation_scheme="static")}), whose quantise kernel runs one CTA per token
     * ({@code static_scaled_fp8_quant}: {@code dim3 grid(num_tokens)}, vLLM csrc/quantization fp8 common.cu); its rows with
     * many tokens and short K run 8-10 ns per token whatever N and K (m=32768 n=3072 k=256: 329.5 us, SGLang's 110.6).
     */
    static final java.util.Set<String> PER_ROW_FP8 = java.util.Set.of("vllm");

    /** DRAM shares searched for the per-token quantise kernel. */
    private static final double[] TOKEN_SHARES = {0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};

    /** Per-SM operand rates searched for a library's fp8 tiles ({@link FrameworkProfile.Fp8GemmTiles}), GB/s, then refined. */
    private static final double[] CTA_STREAM_RATES = geometric(20, 640, 16);
    private static final double[] CTA_STREAM_REFINE = {0.84, 0.87, 0.9, 0.93, 0.96, 1.04, 1.07, 1.1, 1.13, 1.16};

    /**
     * The fp8 GEMM class: with and without the activation's quantise kernels, each on the kernel model's fastest tile and,
     * where the framework has a tile rule, on the library's tiles at each operand rate searched; the best calibration
     * error is kept.
     */
    private static FrameworkProfile fitFp8(FrameworkProfile p, List<DbRow> fp8, Optional<GemmTileRule> rule, boolean perToken, DbModel model,
            Function<String, DeviceSpec> devices, Map<String, Integer> n, Map<String, Double> mape) {
        if (fp8.isEmpty()) {
            return p.withQuantize(false);
        }
        // the activation's quantise: none, the per-tensor pair on the quantize figures, and where the framework's GEMM
        // calls one, the per-token kernel at each DRAM share searched (its own kernel: the quantize rows do not time it)
        List<FrameworkProfile> quants = new ArrayList<>(List.of(p.withQuantize(false), p.withQuantize(true)));
        for (double share : perToken ? TOKEN_SHARES : new double[0]) {
            quants.add(p.withQuantize(false).withClass(FrameworkProfile.QUANTIZE_TOKEN, new FrameworkProfile.ClassFigures(OptionalDouble.empty(),
                    OptionalDouble.empty(), OptionalDouble.of(share), OptionalDouble.empty(), OptionalDouble.empty())));
        }
        Fitted best = null;
        for (FrameworkProfile pq : quants) {
            Fitted f = overTiles("gemm_fp8", rule, n, mape, (t, n1, m1) -> fitClass(pq.withFp8GemmTiles(t), "gemm_fp8", fp8, model, devices, n1, m1, true));
            // ties keep the earlier candidate: without the quantise kernels, then the fastest tile
            if (best == null || f.error("gemm_fp8") < best.error("gemm_fp8")) {
                best = f;
            }
        }
        return best.into(n, mape);
    }

    /** Times per CTA (ns) and one CTA's streaming rates (GB/s) searched for a launch of one CTA per token row, then refined. */
    private static final double[] CTA_NS = {12.5, 25, 50, 100, 200};
    private static final double[] CTA_ROW_RATES = geometric(10, 320, 11);
    /** Shares of the L2 and rates (GB/s) searched for the harness's L2-resident quantise kernels ({@link FrameworkProfile.QuantizeL2}). */
    private static final double[] QUANT_L2_SHARES = {0.25, 0.5, 0.75, 1};
    private static final double[] L2_RATES = geometric(3000, 24000, 10);
    /** Factors around a kept figure in a second, finer pass. */
    private static final double[] REFINE = {0.8, 0.9, 1, 1.1, 1.25};

    /**
     * The two quantise classes in a framework's own profile: the cast on its rows, then the amax pass on the per-token rows
     * with the cast's figures held; each under candidate figures of the profile's own, the two classes' calibration errors
     * (weighted by their rows) keeping the best, the earlier on a tie (none first): the L2's rate where the harness finds a
     * kernel's bytes there ({@link FrameworkProfile.QuantizeL2}), then, where the framework's code launches one CTA per token
     * row ({@link QuantizeLaunchRule}), each time per CTA and streaming rate ({@link FrameworkProfile.QuantizeCtas}), each
     * search then finer around its best.
     */
    private static FrameworkProfile fitQuantize(FrameworkProfile p, List<DbRow> cast, List<DbRow> token, Optional<QuantizeLaunchRule> launch, DbModel model,
            Function<String, DeviceSpec> devices, Map<String, Integer> n, Map<String, Double> mape) {
        CandidateFit<FrameworkProfile> fit = (q, n1, m1) -> fitClass(fitClass(q, "quantize", cast, model, devices, n1, m1, false), "quantize_amax", token,
                model, devices, n1, m1, false);
        Fitted best = bestQuantize(List.of(p), null, n, mape, fit);
        best = overL2(p, best, n, mape, fit);
        if (launch.isPresent()) {
            FrameworkProfile held = p.withQuantizeL2(best.profile().quantizeL2());
            List<FrameworkProfile> ctas = new ArrayList<>();
            for (double ns : CTA_NS) {
                for (double rate : CTA_ROW_RATES) {
                    ctas.add(held.withQuantizeCtas(Optional.of(new FrameworkProfile.QuantizeCtas(launch.get(), ns, round(rate, 1e-1)))));
                }
            }
            best = bestQuantize(ctas, best, n, mape, fit);
            Optional<FrameworkProfile.QuantizeCtas> c = best.profile().quantizeCtas();
            List<FrameworkProfile> finer = new ArrayList<>();
            for (double a : c.isPresent() ? REFINE : new double[0]) {
                for (double b : REFINE) {
                    if (a == 1 && b == 1) {
                        continue; // the kept figures themselves
                    }
                    finer.add(held.withQuantizeCtas(Optional.of(new FrameworkProfile.QuantizeCtas(launch.get(), round(c.get().ctaNs() * a, 1e-1),
                            round(c.get().ctaStreamGBps() * b, 1e-1)))));
                }
            }
            best = bestQuantize(finer, best, n, mape, fit);
            // the L2 again, a launch kept held: searched with none, the L2 stands in for part of the waves
            if (best.profile().quantizeCtas().isPresent()) {
                best = overL2(p.withQuantizeCtas(best.profile().quantizeCtas()), best, n, mape, fit);
            }
        }
        return best.into(n, mape);
    }

    /** {@code best} against {@code p} under each L2 share and rate searched, then finer rates around the best L2 kept. */
    private static Fitted overL2(FrameworkProfile p, Fitted best, Map<String, Integer> n, Map<String, Double> mape, CandidateFit<FrameworkProfile> fit) {
        List<FrameworkProfile> l2 = new ArrayList<>();
        for (double share : QUANT_L2_SHARES) {
            for (double rate : L2_RATES) {
                l2.add(p.withQuantizeL2(Optional.of(new FrameworkProfile.QuantizeL2(share, round(rate, 1)))));
            }
        }
        best = bestQuantize(l2, best, n, mape, fit);
        Optional<FrameworkProfile.QuantizeL2> at = best.profile().quantizeL2();
        List<FrameworkProfile> finer = new ArrayList<>();
        for (double f : at.isPresent() ? REFINE : new double[0]) {
            if (f == 1) {
                continue; // the kept rate itself
            }
            finer.add(p.withQuantizeL2(Optional.of(new FrameworkProfile.QuantizeL2(at.get().l2Share(), round(at.get().l2GBps() * f, 1)))));
        }
        return bestQuantize(finer, best, n, mape, fit);
    }

    /** The best of {@code best} (null: none yet) and each candidate profile's quantise fit, the earlier on a tie. */
    private static Fitted bestQuantize(List<FrameworkProfile> cands, Fitted best, Map<String, Integer> n, Map<String, Double> mape,
            CandidateFit<FrameworkProfile> fit) {
        for (Fitted f : fitEach(cands, n, mape, fit)) {
            if (best == null || quantizeError(f) < quantizeError(best)) {
                best = f;
            }
        }
        return best;
    }

    /** A fit's calibration error over both quantise classes, each class's weighted by its rows. */
    private static double quantizeError(Fitted f) {
        double rows = 0;
        double sum = 0;
        for (String cls : List.of("quantize", "quantize_amax")) {
            int k = f.n().getOrDefault(cls, 0);
            if (k > 0) {
                rows += k;
                sum += k * f.error(cls);
            }
        }
        return rows > 0 ? sum / rows : 0;
    }

    /** A fit under one candidate (library tiles, empty: the kernel model's fastest tile and split), into the maps it is given. */
    @FunctionalInterface
    private interface CandidateFit<T> {
        FrameworkProfile fit(T candidate, Map<String, Integer> n, Map<String, Double> mape);
    }

    /**
     * Each candidate's fit, made side by side and returned in the candidates' order: each reads only its own copies of the
     * maps and the model's memo, so ties and the result are as one after another would give them.
     */
    private static <T> List<Fitted> fitEach(List<T> cands, Map<String, Integer> n, Map<String, Double> mape, CandidateFit<T> fit) {
        return cands.parallelStream().map(t -> {
            Map<String, Integer> n1 = new LinkedHashMap<>(n);
            Map<String, Double> m1 = new LinkedHashMap<>(mape);
            return new Fitted(fit.fit(t, n1, m1), n1, m1);
        }).toList();
    }

    /** One fit's profile with its rows and calibration errors per class. */
    private record Fitted(FrameworkProfile profile, Map<String, Integer> n, Map<String, Double> mape) {
        double error(String cls) {
            return mape.getOrDefault(cls, Double.MAX_VALUE);
        }

        /** The profile, its rows and errors copied into the caller's maps. */
        FrameworkProfile into(Map<String, Integer> rows, Map<String, Double> errors) {
            rows.clear();
            rows.putAll(n);
            errors.clear();
            errors.putAll(mape);
            return profile;
        }
    }

    /**
     * {@code fit} on the kernel model's fastest tile and, where there is a library tile rule, on its tiles at each per-SM
     * operand rate searched, then at finer rates around the best; the calibration error of {@code cls} keeps the best (ties:
     * the earlier candidate, the fastest tile first).
     */
    private static Fitted overTiles(String cls, Optional<GemmTileRule> rule, Map<String, Integer> n, Map<String, Double> mape,
            CandidateFit<Optional<FrameworkProfile.Fp8GemmTiles>> fit) {
        List<Optional<FrameworkProfile.Fp8GemmTiles>> cands = new ArrayList<>();
        cands.add(Optional.empty());
        for (double rate : rule.isPresent() ? CTA_STREAM_RATES : new double[0]) {
            cands.add(Optional.of(new FrameworkProfile.Fp8GemmTiles(rule.get(), round(rate, 1e-1))));
        }
        Fitted best = null;
        double bestRate = 0;
        double bestRateErr = Double.MAX_VALUE;
        for (int pass = 0; pass < 2; pass++) {
            List<Fitted> fits = fitEach(cands, n, mape, fit);
            for (int i = 0; i < cands.size(); i++) {
                Optional<FrameworkProfile.Fp8GemmTiles> t = cands.get(i);
                Fitted f = fits.get(i);
                double err = f.error(cls);
                if (t.isPresent() && err < bestRateErr) {
                    bestRateErr = err;
                    bestRate = t.get().ctaStreamGBps();
                }
                if (best == null || err < best.error(cls)) {
                    best = f;
                }
            }
            if (bestRate == 0 || pass == 1) {
                break;
            }
            // a finer set of rates around the best one
            cands = new ArrayList<>();
            for (double f : CTA_STREAM_REFINE) {
                cands.add(Optional.of(new FrameworkProfile.Fp8GemmTiles(rule.get(), round(bestRate * f, 1e-1))));
            }
        }
        return best;
    }

    /**
     * A fused-MoE class ({@link #fitMoeBody}) and, where the framework's harness runs its fp8 blocks on a library's own tile
     * ({@code rule}, {@link GemmTileRule#forFrameworkMoe}), the same on those tiles at each operand rate searched, then at
     * finer rates around the best; the calibration rows keep the best (ties: the earlier, the kernel model's fastest tile first).
     */
    private static FrameworkProfile fitMoe(FrameworkProfile p, String cls, String slotClass, List<DbRow> rows, Optional<GemmTileRule> rule, DbModel model,
            Function<String, DeviceSpec> devices, Map<String, Integer> n, Map<String, Double> mape) {
        return overTiles(cls, rows.isEmpty() ? Optional.empty() : rule, n, mape,
                (t, n1, m1) -> fitMoeBody(p.withFp8MoeTiles(t), cls, slotClass, rows, model, devices, n1, m1)).into(n, mape);
    }

    /**
     * One fused-MoE class ({@code moe} or {@code moe_fp8}) on its rows, with the slot-buffer kernels (the class, then its slot
     * pass {@code slotClass}, then the class again) and without; the calibration rows keep the better.
     */
    private static FrameworkProfile fitMoeBody(FrameworkProfile p, String cls, String slotClass, List<DbRow> rows, DbModel model,
            Function<String, DeviceSpec> devices, Map<String, Integer> n, Map<String, Double> mape) {
        if (rows.isEmpty()) {
            return p;
        }
        // the class present from the start, so that its blocks' slot pass is its own (FrameworkProfile.slotClass)
        p = p.classes().containsKey(cls) ? p : p.withClass(cls, p.figures(cls));
        Map<String, Integer> ns = new LinkedHashMap<>(n);
        Map<String, Double> ms = new LinkedHashMap<>(mape);
        FrameworkProfile slots = p.withClass(slotClass, ClassFigures.NONE);
        slots = fitClass(slots, cls, rows, model, devices, ns, ms, true);
        slots = fitClass(slots, slotClass, rows, model, devices, ns, ms, false);
        slots = fitClass(slots, cls, rows, model, devices, ns, ms, true);
        Map<String, Integer> nn = new LinkedHashMap<>(n);
        Map<String, Double> mn = new LinkedHashMap<>(mape);
        FrameworkProfile plain = fitClass(p, cls, rows, model, devices, nn, mn, true);
        boolean useSlots = ms.getOrDefault(cls, Double.MAX_VALUE) < mn.getOrDefault(cls, Double.MAX_VALUE);
        n.putAll(useSlots ? ns : nn);
        mape.putAll(useSlots ? ms : mn);
        return useSlots ? slots : plain;
    }

    /**
     * The bf16 fused-MoE class of a framework's own profile: on the kernel model's fastest tile and, where the framework's
     * code names its kernel's tile ({@link MoeTileRule}: Triton's default config in SGLang and vLLM), on that tile ({@link
     * FrameworkProfile.MoeTiles}) at each K step and L2 share searched, with the shorter part's exposed share searched too
     * ({@link #candidates}), then at finer steps around the best, then, where the calibration rows hold a width the rule runs
     * unaligned, at each down-GEMM slowdown searched ({@link #UNALIGNED_SLOWDOWNS}); the calibration rows keep the best (ties:
     * the earlier, no rule first, no slowdown first).
     */
    private static FrameworkProfile fitBf16Moe(FrameworkProfile p, List<DbRow> rows, Optional<MoeTileRule> rule, DbModel model,
            Function<String, DeviceSpec> devices, Map<String, Integer> n, Map<String, Double> mape) {
        List<Optional<FrameworkProfile.MoeTiles>> cands = new ArrayList<>();
        cands.add(Optional.empty());
        if (rule.isPresent() && !rows.isEmpty()) {
            for (double share : L2_SHARES) {
                for (double step : K_STEPS) {
                    cands.add(Optional.of(new FrameworkProfile.MoeTiles(rule.get(), step, share)));
                }
            }
        }
        CandidateFit<Optional<FrameworkProfile.MoeTiles>> onTiles = (t, n1, m1) -> fitMoe(p.withMoeTiles(t), "moe", DbModel.SLOTS, rows,
                Optional.empty(), model, devices, n1, m1);
        Fitted best = null;
        for (int pass = 0; pass < 2; pass++) {
            for (Fitted f : fitEach(cands, n, mape, onTiles)) {
                if (best == null || f.error("moe") < best.error("moe")) {
                    best = f;
                }
            }
            Optional<FrameworkProfile.MoeTiles> at = best.profile().moeTiles();
            if (pass == 1 || at.isEmpty()) {
                break;
            }
            // finer steps around the best, at its L2 share
            cands = new ArrayList<>();
            for (double f : K_STEP_REFINE) {
                cands.add(Optional.of(new FrameworkProfile.MoeTiles(at.get().rule(), round(at.get().kStepNs() * f, 1), at.get().l2Share())));
            }
        }
        // the down GEMM's slowdown for an unaligned width, on the best tile, where calibration rows run one (ties keep none)
        Optional<FrameworkProfile.MoeTiles> at = best.profile().moeTiles();
        if (at.isPresent() && rows.stream().anyMatch(r -> unaligned(at.get().rule(), r))) {
            List<Optional<FrameworkProfile.MoeTiles>> slow = new ArrayList<>();
            for (double s : UNALIGNED_SLOWDOWNS) {
                slow.add(Optional.of(at.get().withUnalignedDownSlowdown(s)));
            }
            for (Fitted f : fitEach(slow, n, mape, onTiles)) {
                if (f.error("moe") < best.error("moe")) {
                    best = f;
                }
            }
        }
        return best.into(n, mape);
    }

    /**
     * Slowdowns of an unaligned block's down GEMM searched ({@link FrameworkProfile.MoeTiles#unalignedDownSlowdown}), up to 8:
     * a 16-byte vector load issued as 2-byte pieces.
     */
    private static final double[] UNALIGNED_SLOWDOWNS = {1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 7, 8};

    /** Whether a MoE row's block runs its width unaligned under the rule ({@link MoeTileRule#unalignedWidth}). */
    private static boolean unaligned(MoeTileRule rule, DbRow r) {
        return rule.unalignedWidth(DbModel.expertWidth(r.op()));
    }

    /** A CTA's K step from DRAM searched for a fused MoE tile ({@link FrameworkProfile.MoeTiles}), ns, then refined around the best. */
    private static final double[] K_STEPS = {100, 200, 300, 400, 600};
    private static final double[] K_STEP_REFINE = {0.85, 0.9, 0.95, 1.05, 1.1, 1.15};

    /** Shares of the GPU's L2 (the datasheet's) searched for the calls the harness finds in L2. */
    private static final double[] L2_SHARES = {0.25, 0.5, 1};

    private static boolean isFp8Moe(DbRow r) {
        return IrOps.dtype(r.op()).bits() == 8;
    }

    /**
     * The classes whose kernels are fitted with a DRAM rate per engine ({@link ClassFigures#engineGBps}) in place of a
     * bandwidth share. The amax pass: its threads issue one 2-byte load at a time (see
     * {@link io.moesim.sim.kernel.FrameworkCost#quantizeClass}), so its rate is the engines' loads in flight over the
     * DRAM latency, not a share of the memory's bandwidth (where every row of the class is a dynamic per-token quantise,
     * {@code step=token}, vLLM's kernel with vector loads, a bandwidth share instead: a rule, see {@code fitClass}). Prefill attention: a CTA's Q tile and K/V stages are fed
     * to its SM through L2 (each KV head's K/V is read by all its query tiles), so what the kernel model counts as the
     * DRAM part runs at the SMs' load rate, not at the HBM's. On one GPU the two fit alike; they part on another memory.
     */
    static final java.util.Set<String> ENGINE_RATE_CLASSES = java.util.Set.of("quantize_amax", "attention_prefill");

    /**
     * Whether {@code cls} is fitted on {@code rows} with a DRAM rate per engine in place of a bandwidth share: the
     * {@link #ENGINE_RATE_CLASSES} (but the per-token quantise exemption), and decode attention over an E4M3 cache
     * ({@link FrameworkProfile#ATTENTION_DECODE_FP8_KV}) in the own profile of a framework that runs FlashAttention-3's kernel
     * ({@link #FA3_DECODE_FRAMEWORKS}): its rows all that framework's. FlashAttention-3's fp8 path feeds the WGMMA an fp8 V that
     * must be K-major in shared memory and a cache that holds it the other way, so each CTA transposes its V tiles in the
     * kernel through registers and shared memory (github.com/Dao-AILab/flash-attention hopper/mainloop_fwd_sm90_tma_gmma_ws.hpp:
     * {@code Transpose_V = Is_FP8 && !V_colmajor}, the producer warp group's LDSM.T, byte permute and STSM of each V tile; Shah
     * et al., "FlashAttention-3", 2024, section 3.3); that is SM work per cache element, which the bf16 path does not do,
     * and bounds the kernel at a rate of its SMs, not of the HBM. TensorRT-LLM's XQA (cpp/kernels/xqa/mha_sm90.cu) instead
     * converts the query to fp8 once ({@code needInputCvt}, F16QToF8Converter) and runs its GMMA on the cache as loaded: a
     * bandwidth share, as every other class. (A profile pooled over frameworks, a leave-one-out fit, keeps the share, as it
     * keeps no framework's own kernel mechanism: it predicts another framework's kernel.) The framework stands in for the
     * kernel, as the tables' {@code kernel_source} says for every fp8-cache row they hold; vLLM runs head dims above
     * FlashAttention's 256 on Triton instead ({@link ClassFigures#FLASH_MAX_HEAD_DIM}), which no fp8-cache row has.
     */
    static boolean fitsEngineRate(String cls, List<DbRow> rows) {
        if (ENGINE_RATE_CLASSES.contains(cls)) {
            // an engine-rate class on a bandwidth share where every row is a dynamic per-token quantise (vLLM's amax pass, a
            // part of its one kernel that streams the rows as the cast does, not TensorRT-LLM's reduction of 2-byte loads)
            return !rows.stream().allMatch(r -> r.kind().equals("quantize") && IrOps.quantizeStep(r.op()).equals("token"));
        }
        return cls.equals(FrameworkProfile.ATTENTION_DECODE_FP8_KV) && !rows.isEmpty() && FA3_DECODE_FRAMEWORKS.contains(rows.get(0).framework())
                && rows.stream().allMatch(r -> r.framework().equals(rows.get(0).framework()));
    }

    /**
     * The least share of the HBM's bandwidth a class's DRAM part is fitted at (a bandwidth share): below it the kernel is
     * not one the HBM bounds (its loads are issued too slowly to fill it: a few CTAs each walking its operands, untuned
     * tiles), so the class is refitted with a DRAM rate per engine ({@link ClassFigures#engineGBps}), which another GPU of
     * the same SMs and clock runs at the same rate whatever its memory. A rule on the calibration fit alone, for every class
     * {@code fitClass} fits whose pieces run on the engines, the engine-rate classes' exemption aside (not the slot passes, timed
     * as one stream; not SGLang's per-token quantise, whose shares {@code fitFp8} searches from 0.3 and fits 0.8 today).
     */
    static final double MIN_HBM_SHARE = 0.5;

    /** DRAM rates per engine searched for the engine-rate classes ({@link #fitsEngineRate}) and for the {@link #MIN_HBM_SHARE} refit, GB/s. */
    private static final double[] RATES = geometric(1, 100, 16);

    private static List<DbRow> rows(List<DbRow> all, String kind) {
        return all.stream().filter(r -> r.kind().equals(kind)).toList();
    }

    /** One row reduced to what varies with the class's figures: the rest of its time, and its pieces of the class. */
    private record Prepared(double measuredS, double fixedS, List<DbModel.Piece> mine, double weight, FrameworkProfile tiles) {
    }

    /** Rows under {@link DbProtocol#LARGE_OP_US} (launch-bound) count this much in the objective: the figures are for the ops that take time. */
    static final double SMALL_ROW_WEIGHT = 0.3;

    /**
     * Shares of the shorter part left exposed ({@link ClassFigures#exposedMemory}) that prefill attention is fitted
     * with, keeping the best: overlapped as the kernel model runs it, half, or serial.
     */
    static final double[] EXPOSED = {0, 0.5, 1};

    private static FrameworkProfile fitClass(FrameworkProfile p, String cls, List<DbRow> rows, DbModel model, Function<String, DeviceSpec> devices,
            Map<String, Integer> n, Map<String, Double> mape, boolean compute) {
        return fitClass(p, cls, rows, model, devices, n, mape, compute, NO_HEADS);
    }

    private static FrameworkProfile fitClass(FrameworkProfile p, String cls, List<DbRow> rows, DbModel model, Function<String, DeviceSpec> devices,
            Map<String, Integer> n, Map<String, Double> mape, boolean compute, double[] heads) {
        return fitClass(p, cls, rows, model, devices, n, mape, compute, heads, false);
    }

    /**
     * Figures a class's search holds fixed while it fits the others: the exposed share of the shorter part ({@link
     * ClassFigures#exposedMemory}, 0: none), whether the context kernel packs query groups ({@link ClassFigures#packs}) and
     * whether the decode kernel splits keys as XQA does ({@link ClassFigures#splitsKvAsXqa}).
     */
    private record Held(double exposed, boolean packs, boolean xqa) {
        static final Held NONE = new Held(0, true, false);

        ClassFigures on(ClassFigures f) {
            ClassFigures g = exposed > 0 ? f.withExposedMemory(exposed) : f;
            g = xqa ? g.withXqaMultiBlock(true) : g;
            return packs ? g : g.withPacksGqa(false);
        }
    }

    /**
     * Frameworks whose grouped decode kernel is TensorRT-LLM's XQA, which may split each sequence's keys over CTAs in
     * multi-block mode ({@link io.moesim.sim.kernel.XqaMultiBlock}); whether the collector ran it so, their own
     * calibration rows say.
     */
    static final java.util.Set<String> XQA_FRAMEWORKS = java.util.Set.of("trtllm");

    /**
     * Frameworks whose decode kernel is FlashAttention-3's (the kernel database's generation tables name it: vLLM 0.24.0's
     * {@code kernel_source} {@code vllm_flash_attn_fa3}, SGLang 0.5.9's {@code flash_attention}; TensorRT-LLM's is XQA or MMHA), whose
     * varlen tile scheduler walks the batch ({@link ClassFigures#varlenScanStepNs}).
     */
    static final java.util.Set<String> FA3_DECODE_FRAMEWORKS = java.util.Set.of("vllm", "sglang");

    /**
     * The held figures a class is fitted under, each in turn, the calibration rows choosing (the first of equals): prefill,
     * each exposed share with the context kernel packing query groups as FlashAttention-3 does, or, in a framework's own
     * profile, never (its kernel's tiles one head wide, as TensorRT-LLM's fmha_v2); decode in an XQA framework's own
     * profile, its keys split as XQA's multi-block mode splits them, or not; every other class, none.
     */
    private static List<Held> candidates(String cls, List<DbRow> rows, boolean ownKernels, FrameworkProfile p) {
        if (cls.equals("moe") && p.moeTiles().isPresent()) {
            // the framework's own fused MoE tile (Triton's default config, few pipeline stages): how much of the shorter part
            // its loads leave exposed, the calibration rows choosing
            List<Held> out = new ArrayList<>();
            for (double x : EXPOSED) {
                out.add(new Held(x, true, false));
            }
            return out;
        }
        if (cls.equals("attention_prefill")) {
            List<Held> out = new ArrayList<>();
            for (boolean packs : ownKernels ? new boolean[] {true, false} : new boolean[] {true}) {
                for (double x : EXPOSED) {
                    out.add(new Held(x, packs, false));
                }
            }
            return out;
        }
        if (isDecodeClass(cls) && ownKernels && !rows.isEmpty() && XQA_FRAMEWORKS.contains(rows.get(0).framework())) {
            return List.of(new Held(0, true, true), Held.NONE);
        }
        return List.of(Held.NONE);
    }

    private static FrameworkProfile fitClass(FrameworkProfile p, String cls, List<DbRow> rows, DbModel model, Function<String, DeviceSpec> devices,
            Map<String, Integer> n, Map<String, Double> mape, boolean compute, double[] heads, boolean ownKernels) {
        List<Prepared> prep = prepare(p, cls, rows, model, devices);
        if (prep.isEmpty()) {
            return p;
        }
        boolean rate = fitsEngineRate(cls, rows);
        Fitted fit = overHeld(p, cls, rows, prep, n, mape, compute, heads, ownKernels, rate);
        // a share of the HBM this low is no kernel the HBM bounds: its DRAM part refitted as a rate of the engines, where its
        // pieces run on the engines (a slot pass is timed as one stream: no engines to rate), leaving the engine-rate classes'
        // own exemption (a per-token quantise on a share) as it is
        if (!rate && !ENGINE_RATE_CLASSES.contains(cls) && fit.profile().figures(cls).bandwidthFraction().orElse(1) < MIN_HBM_SHARE
                && prep.stream().allMatch(x -> x.mine.stream().allMatch(q -> q.engines() > 1))) {
            fit = overHeld(p, cls, rows, prep, n, mape, compute, heads, ownKernels, true);
        }
        FrameworkProfile best = fit.profile();
        Map<String, Integer> bn = fit.n();
        Map<String, Double> bm = fit.mape();
        // in a framework's own profile whose rows have head dims above FlashAttention's: the compute share of vLLM's Triton
        // unified attention, which runs them (ClassFigures.wideHeadMatrixEfficiency), on a grid with every other figure held
        if (cls.equals("attention_prefill") && ownKernels && hasWideHeads(prep)) {
            Graded g = bestOnGrid(prep, Held.NONE, 0.05, 1.5, 0.005, 1e-3, best.figures(cls)::withWideHeadMatrixEfficiency);
            best = best.withClass(cls, g.figures());
            bm.put(cls, g.error() * 100);
        }
        n.putAll(bn);
        mape.putAll(bm);
        return best;
    }

    /** The class fitted under each of its held figures ({@link #candidates}), the calibration rows keeping the best (the first of equals). */
    private static Fitted overHeld(FrameworkProfile p, String cls, List<DbRow> rows, List<Prepared> prep, Map<String, Integer> n,
            Map<String, Double> mape, boolean compute, double[] heads, boolean ownKernels, boolean rate) {
        Fitted best = null;
        for (Held held : candidates(cls, rows, ownKernels, p)) {
            Map<String, Integer> n1 = new LinkedHashMap<>(n);
            Map<String, Double> m1 = new LinkedHashMap<>(mape);
            FrameworkProfile q = fitClassBody(p, cls, prep, n1, m1, compute, held, heads, rate);
            Fitted f = new Fitted(q, n1, m1);
            if (best == null || f.error(cls) < best.error(cls)) {
                best = f;
            }
        }
        return best;
    }

    /** Whether any of the rows has an attention piece of a head dim above FlashAttention's ({@link ClassFigures#FLASH_MAX_HEAD_DIM}). */
    private static boolean hasWideHeads(List<Prepared> prep) {
        return prep.stream().anyMatch(x -> x.mine.stream().anyMatch(q -> q.attention() != null && q.attention().headDim() > ClassFigures.FLASH_MAX_HEAD_DIM));
    }

    /** The class's rows as the search evaluates them: each row's pieces of the class, and the time of its other pieces under {@code p}. */
    private static List<Prepared> prepare(FrameworkProfile p, String cls, List<DbRow> rows, DbModel model, Function<String, DeviceSpec> devices) {
        List<Prepared> prep = new ArrayList<>();
        for (DbRow r : rows) {
            List<DbModel.Piece> ps = model.pieces(r, devices.apply(r.gpu()));
            if (ps == null) {
                continue;
            }
            double fixed = 0;
            List<DbModel.Piece> mine = new ArrayList<>();
            for (DbModel.Piece x : ps) {
                if ((x.cls().equals(cls) || p.resolvedClass(x.cls()).equals(cls)) && x.runs(p)) {
                    mine.add(x);
                } else {
                    fixed += x.seconds(p);
                }
            }
            if (!mine.isEmpty()) {
                prep.add(new Prepared(r.us() * 1e-6, fixed, mine, r.us() >= DbProtocol.LARGE_OP_US ? 1 : SMALL_ROW_WEIGHT, p));
            }
        }
        return prep;
    }

    private static FrameworkProfile fitClassBody(FrameworkProfile p, String cls, List<Prepared> prep, Map<String, Integer> n, Map<String, Double> mape,
            boolean compute, Held held, double[] heads, boolean rate) {
        double[] best = {Double.NaN, 1, 1};
        double bestErr = Double.MAX_VALUE;
        double[] effs = compute ? SHARES : new double[] {1};
        for (double o : OVERHEADS) {
            for (double e : effs) {
                for (double f : rate ? RATES : SHARES) {
                    double err = error(prep, figures(o, e, f, 0, true, rate), held, bestErr);
                    if (err < bestErr) {
                        bestErr = err;
                        best = new double[] {o, e, f};
                    }
                }
            }
        }
        // a finer grid around the best point
        for (int round = 0; round < ROUND_O.length; round++) {
            double so = best[0] * ROUND_O[round];
            double ss = ROUND_S[round];
            double sf = rate ? best[2] * ROUND_O[round] : ss;
            double[] c = best.clone();
            for (int i = -5; i <= 5; i++) {
                for (int j = compute ? -5 : 0; j <= (compute ? 5 : 0); j++) {
                    for (int k = -5; k <= 5; k++) {
                        double o = c[0] + i * so;
                        double e = c[1] + j * ss;
                        double f = c[2] + k * sf;
                        if (o <= 0 || e <= 0 || f <= 0 || e > 2 || (f > 2 && !rate)) {
                            continue;
                        }
                        double err = error(prep, figures(o, e, f, 0, true, rate), held, bestErr);
                        if (err < bestErr) {
                            bestErr = err;
                            best = new double[] {o, e, f};
                        }
                    }
                }
            }
        }
        // the per-item figure, where the class's kernels have items (attention): a grid with the call overhead and bandwidth share
        double item = 0;
        double head = 0;
        // (an fp8 GEMM's rows are its items only in the profiles of the frameworks whose fp8 linear layer pays a time per token)
        boolean items = prep.stream().anyMatch(x -> x.mine.stream().anyMatch(q -> q.items() > 0)) && (!cls.equals("gemm_fp8") || PER_ROW_FP8.contains(p.id()));
        if (items) {
            // the compute share with it: a per-item time takes over part of what the share alone explained, so the
            // two are searched together; decode attention also with a time per query head, a share of the per-item one
            for (double h : heads) {
                for (double it : ITEMS) {
                    for (double o : OVERHEADS) {
                        for (double e : effs) {
                            for (double f : rate ? RATES : SHARES) {
                                double err = error(prep, figures(o, e, f, it, compute, rate).withPerHeadNs(h * it), held, bestErr);
                                if (err < bestErr) {
                                    bestErr = err;
                                    best = new double[] {o, e, f};
                                    item = it;
                                    head = h;
                                }
                            }
                        }
                    }
                }
            }
            for (int round = 0; round < ROUND_O.length; round++) {
                double so = best[0] * ROUND_O[round];
                double ss = ROUND_S[round];
                double sf = rate ? best[2] * ROUND_O[round] : ss;
                double si = item * ROUND_O[round];
                double[] c = best.clone();
                double ci = item;
                for (int i = -4; i <= 4; i++) {
                    for (int j = compute ? -4 : 0; j <= (compute ? 4 : 0); j++) {
                        for (int k = -4; k <= 4; k++) {
                            for (int l = -4; l <= 4; l++) {
                                double o = c[0] + i * so;
                                double e = c[1] + j * ss;
                                double f = c[2] + k * sf;
                                double it = ci + l * si;
                                if (o <= 0 || e <= 0 || f <= 0 || e > 2 || (f > 2 && !rate) || it < 0) {
                                    continue;
                                }
                                double err = error(prep, figures(o, e, f, it, compute, rate).withPerHeadNs(head * it), held, bestErr);
                                if (err < bestErr) {
                                    bestErr = err;
                                    best = new double[] {o, e, f};
                                    item = it;
                                }
                            }
                        }
                    }
                }
            }
        }
        // the largest KV group one pass serves, where rows have groups above 1 (attention): powers of two, or none; in a
        // framework's own decode profile with it, the fallback kernel's KV rate per engine for larger groups (none, or a rate)
        double group = 0;
        double fallback = 0;
        double fallbackItem = 0;
        if (prep.stream().anyMatch(x -> x.mine.stream().anyMatch(q -> q.kvGroup() > 1))) {
            double[] b = best;
            double it = item;
            boolean ownDecode = isDecodeClass(cls) && heads.length > 1;
            double[] fallbacks = ownDecode ? FALLBACK_RATES : NO_FALLBACK;
            // a fallback kernel's time per CTA searched with its rate: its CTAs are a kernel of their own, which the
            // grouped kernel's per-item and per-head times (fitted on every row above) need not describe
            double[] fallbackItems = ownDecode ? ITEMS_OR_NONE : NO_FALLBACK;
            for (double g : new double[] {1, 2, 4, 8, 16, 32, 64}) {
                for (double fb : fallbacks) {
                    for (double fi : fb > 0 ? fallbackItems : NO_FALLBACK) {
                        double err = error(prep, groupFigures(b, it, compute, rate, g, head, fb).withFallbackItemNs(fi), held, bestErr);
                        if (err < bestErr) {
                            bestErr = err;
                            group = g;
                            fallback = fb;
                            fallbackItem = fi;
                        }
                    }
                }
            }
            for (int round = 0; fallback > 0 && round < ROUND_O.length; round++) {
                double c = fallback;
                for (int k = -5; k <= 5; k++) {
                    double fb = c * (1 + k * ROUND_O[round]);
                    double err = fb > 0 ? error(prep, groupFigures(b, it, compute, rate, group, head, fb).withFallbackItemNs(fallbackItem), held, bestErr)
                            : Double.MAX_VALUE;
                    if (err < bestErr) {
                        bestErr = err;
                        fallback = fb;
                    }
                }
            }
        }
        double fallbackSplit = 0;
        // with a fallback kernel: its own time per CTA (it also runs groups of 1), which frees the per-item and per-head
        // times to be the grouped kernel's alone; coordinate turns: each figure on a grid (the times per CTA and per head)
        // or in local rounds (all), the others held
        if (fallback > 0) {
            // overhead, compute, bandwidth, item, head ns, rate, fallback item, fallback split wave (0: MMHA not split)
            double[] x = {best[0], best[1], best[2], item, head * item, fallback, fallbackItem, 0};
            double[] grid = ITEMS_OR_NONE;
            for (int turn = 0; turn < 4; turn++) {
                for (int k : new int[] {6, 3, 4, 7}) {
                    for (double v : grid) {
                        double err = fallbackError(prep, x, k, v, compute, rate, group, held, bestErr);
                        if (err < bestErr) {
                            bestErr = err;
                            x[k] = v;
                        }
                    }
                }
                for (double r : ROUND_O) {
                    for (int k = 0; k < x.length; k++) {
                        double step = k == 1 || (k == 2 && !rate) ? r / 4 : Math.max(x[k], 1) * r;
                        double c = x[k];
                        for (int i = -4; i <= 4; i++) {
                            double err = fallbackError(prep, x, k, c + i * step, compute, rate, group, held, bestErr);
                            if (err < bestErr) {
                                bestErr = err;
                                x[k] = c + i * step;
                            }
                        }
                    }
                }
            }
            best = new double[] {x[0], x[1], x[2]};
            item = x[3];
            head = item > 0 ? x[4] / item : 0;
            fallback = x[5];
            fallbackItem = x[6];
            fallbackSplit = x[7];
        }
        ClassFigures fig = new ClassFigures(OptionalDouble.of(round(best[0], 1e-2)), compute ? OptionalDouble.of(round(best[1], 1e-3)) : OptionalDouble.empty(),
                rate ? OptionalDouble.empty() : OptionalDouble.of(round(best[2], 1e-3)), item > 0 ? OptionalDouble.of(round(item, 1e-1)) : OptionalDouble.empty(),
                group > 0 ? OptionalDouble.of(group) : OptionalDouble.empty()).withExposedMemory(held.exposed()).withPacksGqa(held.packs()).withXqaMultiBlock(held.xqa()).withPerHeadNs(round(head * item, 1e-1))
                .withEngineGBps(rate ? round(best[2], 1e-3) : 0).withFallbackGBps(round(fallback, 1e-1))
                .withFallbackItemNs(round(fallbackItem, 1e-1)).withFallbackSplitWaveNs(round(fallbackSplit, 1e-1));
        // in a framework's own decode profile whose rows have head dims above FlashAttention's: vLLM's Triton 3D kernel's time
        // per program (ClassFigures.wideHeadProgramNs), on a grid with every other figure held (0: none)
        if (isDecodeClass(cls) && heads.length > 1 && hasWideHeads(prep)) {
            Graded g = bestOnGrid(prep, held, 250, 40000, 250, 1, fig::withWideHeadProgramNs);
            fig = g.figures();
            bestErr = g.error();
        }
        // in the own decode profile of a framework whose decode kernel is FlashAttention-3's: its varlen scheduler walking the
        // batch 31 sequences a step (ClassFigures.varlenScanStepNs), a time per step on a grid with every other figure held (0: none)
        if (isDecodeClass(cls) && heads.length > 1 && !prep.isEmpty() && FA3_DECODE_FRAMEWORKS.contains(p.id())) {
            Graded g = bestOnGrid(prep, held, 10, 600, 10, 1, fig::withVarlenScanStepNs);
            fig = g.figures();
            bestErr = g.error();
        }
        n.put(cls, prep.size());
        mape.put(cls, bestErr * 100);
        return p.withClass(cls, fig);
    }

    /** Figures and their calibration error. */
    private record Graded(ClassFigures figures, double error) {
    }

    /**
     * The figures {@code with} gives for the value on the grid lo, lo + step, ... hi (each rounded to {@code grain}) that explains
     * {@code prep} best, every other figure held, or for 0 (none) where no value beats the figures without it (the first of equals
     * kept), with their error.
     */
    private static Graded bestOnGrid(List<Prepared> prep, Held held, double lo, double hi, double step, double grain,
            java.util.function.DoubleFunction<ClassFigures> with) {
        double best = 0;
        double bestErr = error(prep, with.apply(0), held, Double.MAX_VALUE);
        for (long i = 0; lo + i * step <= hi + 1e-9; i++) {
            double v = round(lo + i * step, grain);
            double err = error(prep, with.apply(v), held, bestErr);
            if (err < bestErr) {
                bestErr = err;
                best = v;
            }
        }
        return new Graded(with.apply(best), bestErr);
    }

    /** The error of decode figures {@code x} (as the fallback search holds them) with figure {@code k} set to {@code v}; invalid: MAX_VALUE. */
    private static double fallbackError(List<Prepared> prep, double[] x, int k, double v, boolean compute, boolean rate, double group, Held held,
            double bound) {
        double[] y = x.clone();
        y[k] = v;
        if (y[0] <= 0 || y[1] <= 0 || y[2] <= 0 || y[1] > 2 || (y[2] > 2 && !rate) || y[3] < 0 || y[4] < 0 || y[5] <= 0 || y[6] < 0 || y[7] < 0
                || (k == 1 && !compute)) {
            return Double.MAX_VALUE;
        }
        return error(prep, groupFigures(y, y[3], compute, rate, group, y[3] > 0 ? y[4] / y[3] : 0, y[5]).withFallbackItemNs(y[6]).withFallbackSplitWaveNs(y[7]),
                held, bound);
    }

    /** Fallback kernel rates per engine searched for decode attention's groups above its KV group, GB/s (0: none). */
    private static final double[] FALLBACK_RATES = {0, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 70, 80, 100, 130, 160, 200};
    private static final double[] NO_FALLBACK = {0};

    /** A candidate of the group search: the fitted figures with a KV group {@code g} and fallback rate {@code fb} (0: none). */
    private static ClassFigures groupFigures(double[] b, double item, boolean compute, boolean rate, double g, double head, double fb) {
        ClassFigures base = figures(b[0], b[1], b[2], item, compute, rate);
        return new ClassFigures(base.callOverheadUs(), base.matrixEfficiency(), base.bandwidthFraction(), base.perItemNs(), OptionalDouble.of(g),
                OptionalDouble.empty(), OptionalDouble.empty(), base.engineGBps()).withPerHeadNs(head * item).withFallbackGBps(fb);
    }

    /** A candidate's figures: the third figure a bandwidth share, or for an engine-rate class a DRAM rate per engine. */
    private static ClassFigures figures(double o, double e, double f, double item, boolean compute, boolean rate) {
        ClassFigures c = new ClassFigures(OptionalDouble.of(o), compute ? OptionalDouble.of(e) : OptionalDouble.empty(), rate ? OptionalDouble.empty() : OptionalDouble.of(f),
                item > 0 ? OptionalDouble.of(item) : OptionalDouble.empty());
        return rate ? c.withEngineGBps(f) : c;
    }

    private static double round(double v, double q) {
        return Math.round(v / q) * q;
    }

    /**
     * The weighted mean relative error of {@code f} over {@code prep}, or, once it cannot come under {@code bound}, some
     * value at least {@code bound}: the terms are non-negative, so a partial sum over the total weight only grows, and a
     * search that keeps a point only below its best error keeps the same point (most grid points stop after a few rows).
     */
    private static double error(List<Prepared> prep, ClassFigures f, Held held, double bound) {
        ClassFigures g = held.on(f);
        double w = 0;
        for (Prepared x : prep) {
            w += x.weight;
        }
        double s = 0;
        for (Prepared x : prep) {
            double t = x.fixedS;
            for (DbModel.Piece p : x.mine) {
                t += p.seconds(g, x.tiles);
            }
            s += x.weight * Math.abs(t - x.measuredS) / x.measuredS;
            if (s / w >= bound) {
                return s / w;
            }
        }
        return s / w;
    }

    /** Message sizes searched for the largest one-shot message and for the size above which the framework calls NCCL. */
    private static final double[] ONE_SHOT = {16384, 65536, 262144, 524288, 1048576, 2097152, 4194304, 8388608, 16777216};
    private static final double[] NCCL_ABOVE = {262144, 524288, 1048576, 2097152, 4194304, 8388608, 16777216, 33554432, 67108864};
    /** The fewest GPUs NCCL runs NVLS on (0: a ring at every size), searched. */
    private static final int[] NVLS_GROUPS = {0, 2, 4, 8};

    /**
     * The framework's own all-reduce: first its two kernels at every size (call overhead, link share, largest one-shot
     * message), then twice in turn: an NCCL regime above a size (NCCL's call overhead and link share, and from how many
     * GPUs it runs NVLS) with the kernels' figures fixed, and the kernels' figures with the NCCL regime fixed. Above some
     * size each framework's rows are NCCL's own rows of the same table (TensorRT-LLM from 2 MiB on 8 GPUs; vLLM and SGLang
     * from 16-64 MiB): the framework hands large messages to NCCL.
     */
    private static FrameworkProfile fitAllReduce(FrameworkProfile p, List<DbRow> rows, Optional<io.moesim.hw.NcclModel> library, Map<String, Integer> n,
            Map<String, Double> mape) {
        if (rows.isEmpty()) {
            return p;
        }
        // per row: bytes, GPUs, link rate (GB/s), measured us
        double[][] rs = new double[rows.size()][];
        for (int i = 0; i < rows.size(); i++) {
            DbRow r = rows.get(i);
            rs[i] = new double[] {r.op().getLong("bytes"), r.op().getLong("group"), Systems.load(r.system()).intraNodePeerBandwidthGBps(), r.us()};
        }
        FrameworkProfile.CustomAllReduce best = null;
        double bestErr = Double.MAX_VALUE;
        for (double o : OVERHEADS) {
            for (double f : SHARES) {
                for (double s : ONE_SHOT) {
                    FrameworkProfile.CustomAllReduce c = new FrameworkProfile.CustomAllReduce(round(o, 1e-2), round(f, 1e-3), s);
                    double err = allReduceError(c, rs, library);
                    if (err < bestErr) {
                        bestErr = err;
                        best = c;
                    }
                }
            }
        }
        for (int pass = 0; pass < 2; pass++) {
            FrameworkProfile.CustomAllReduce own = best;
            for (double above : NCCL_ABOVE) {
                if (above < own.oneShotMaxBytes()) {
                    continue;
                }
                if (library.isPresent()) {
                    // NCCL's time is the library's (fitted on nccl-tests rows): only the size the framework hands over is fitted
                    FrameworkProfile.CustomAllReduce c = own.withLibraryAbove(above);
                    double err = allReduceError(c, rs, library);
                    if (err < bestErr) {
                        bestErr = err;
                        best = c;
                    }
                    continue;
                }
                for (double o : OVERHEADS) {
                    for (double f : SHARES) {
                        for (int g : NVLS_GROUPS) {
                            FrameworkProfile.CustomAllReduce c = own.withNccl(above, round(o, 1e-2), round(f, 1e-3), g);
                            double err = allReduceError(c, rs, library);
                            if (err < bestErr) {
                                bestErr = err;
                                best = c;
                            }
                        }
                    }
                }
            }
            FrameworkProfile.CustomAllReduce nccl = best;
            for (double o : OVERHEADS) {
                for (double f : SHARES) {
                    for (double s : ONE_SHOT) {
                        if (s > nccl.ncclAboveBytes()) {
                            continue;
                        }
                        FrameworkProfile.CustomAllReduce c = new FrameworkProfile.CustomAllReduce(round(o, 1e-2), round(f, 1e-3), s, nccl.ncclAboveBytes(),
                                nccl.ncclCallOverheadUs(), nccl.ncclBandwidthFraction(), nccl.nvlsMinGroup());
                        double err = allReduceError(c, rs, library);
                        if (err < bestErr) {
                            bestErr = err;
                            best = c;
                        }
                    }
                }
            }
        }
        n.put("custom_all_reduce", rows.size());
        mape.put("custom_all_reduce", bestErr * 100);
        return p.withCustomAllReduce(Optional.of(best));
    }

    /** The mean relative error of the all-reduce figures over the rows (each: bytes, GPUs, link rate GB/s, measured us). */
    private static double allReduceError(FrameworkProfile.CustomAllReduce c, double[][] rows, Optional<io.moesim.hw.NcclModel> library) {
        double err = 0;
        for (double[] r : rows) {
            double t = c.seconds(r[0], (int) r[1], r[2], library) * 1e6;
            err += Math.abs(t - r[3]) / r[3];
        }
        return err / rows.length;
    }

    private static double[] geometric(double lo, double hi, int n) {
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = lo * Math.pow(hi / lo, i / (double) (n - 1));
        }
        return out;
    }

    private static double[] linear(double lo, double hi, double step) {
        int n = (int) Math.round((hi - lo) / step) + 1;
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = lo + i * step;
        }
        return out;
    }

    /** A decode attention class: a 16-bit cache's kernel or an fp8 cache's, fitted by the same search. */
    private static boolean isDecodeClass(String cls) {
        return cls.equals("attention_decode") || cls.equals(FrameworkProfile.ATTENTION_DECODE_FP8_KV);
    }
}
