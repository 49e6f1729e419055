package io.moesim.cli;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.cost.CostModel;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.FrameworkProfiles;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.MoesimException;
import io.moesim.sim.RunSpec;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * Compiler options shared by compile, simulate and compare. With no parallel degree given, the
 * whole system is one tensor-parallel group (Duplex slices each expert over all devices); once any
 * degree is given, the others default to 1. Per-layer-type flags (parallel folding) override the
 * common ones for attention or MoE layers.
 */
final class CompileFlags {
    @Option(names = "--tp", paramLabel = "N", description = "Tensor-parallel degree (attention and MoE).")
    Integer tp;

    @Option(names = "--ep", paramLabel = "N", description = "Expert-parallel degree (MoE layers; attention runs data-parallel over it).")
    Integer ep;

    @Option(names = "--dp", paramLabel = "N", description = "Data-parallel degree.")
    Integer dp;

    @Option(names = "--pp", paramLabel = "N", description = "Pipeline-parallel degree.")
    Integer pp;

    @Option(names = "--attn-tp", paramLabel = "N", description = "Tensor-parallel degree of attention layers only.")
    Integer attnTp;

    @Option(names = "--attn-dp", paramLabel = "N", description = "Data-parallel degree of attention layers only.")
    Integer attnDp;

    @Option(names = "--moe-tp", paramLabel = "N", description = "Tensor-parallel degree of MoE layers only.")
    Integer moeTp;

    @Option(names = "--moe-ep", paramLabel = "N", description = "Expert-parallel degree of MoE layers only.")
    Integer moeEp;

    @Option(names = "--placement", defaultValue = RunSpec.DEFAULT_PLACEMENT, paramLabel = "P",
            description = "Processor placement: opb, xpu-only, pim-only or coproc (Duplex co-processing). Default: ${DEFAULT-VALUE}.")
    String placement;

    @Option(names = "--expert-placement", defaultValue = RunSpec.DEFAULT_EXPERT_PLACEMENT, paramLabel = "E",
            description = "Experts over devices: rr, greedy or ilp (OR-Tools CP-SAT). Default: ${DEFAULT-VALUE}.")
    String expertPlacement;

    @Option(names = "--overlap", defaultValue = RunSpec.DEFAULT_OVERLAP, paramLabel = "O",
            description = "Communication overlap: none, layer, tile, or fused (FlashMoE: each MoE block one persistent kernel, tiles started as their tokens arrive over device-initiated puts). Default: ${DEFAULT-VALUE}.")
    String overlap;

    @Option(names = "--tiles", defaultValue = "" + RunSpec.DEFAULT_TILES, paramLabel = "N", description = "Tiles per MoE layer with --overlap tile or fused. Default: ${DEFAULT-VALUE}.")
    int tiles;

    @Option(names = "--routing-trace", paramLabel = "FILE",
            description = "Routing trace for expert placement (layer-to-layer transitions); default: the --routing trace:FILE, if any.")
    Path routingTrace;

    @Option(names = "--ilp-time-limit", defaultValue = "" + RunSpec.DEFAULT_ILP_TIME_LIMIT_S, paramLabel = "S", description = "Expert-placement ILP time limit, seconds. Default: ${DEFAULT-VALUE}.")
    double ilpTimeLimit;

    @Option(names = "--cost-model", defaultValue = RunSpec.DEFAULT_COST_MODEL, paramLabel = "M",
            description = "Cost model for placement: kernel (cycle-level kernel models) or roofline. Default: ${DEFAULT-VALUE}.")
    String costModel;

    @Option(names = "--framework", paramLabel = "ID|FILE.yaml",
            description = "Framework profile the ops run under (per-call costs, quantise kernels, kernel shares): trtllm, vllm, sglang, ideal, or a file. "
                    + "Default: trtllm on real GPUs (h100, h200, h800, mi300x, b200), ideal on hypothetical targets.")
    String framework;

    /** Set by commands that must run every system under one profile (compare of a GPU with a hypothetical device). */
    private String frameworkOverride;

    void frameworkForAll(String id) {
        frameworkOverride = id;
        cost = null;
    }

    /** The profile a device runs under in this command. */
    FrameworkProfile profile(DeviceSpec d) {
        String id = frameworkOverride != null ? frameworkOverride : framework != null ? framework : FrameworkProfiles.defaultId(d);
        return FrameworkProfiles.load(id);
    }

    /** One line saying which framework profile the device ran under, and why. */
    String describeFramework(DeviceSpec d) {
        if (costModel.toLowerCase(Locale.ROOT).equals("roofline")) {
            return "framework profile: none (roofline cost model)";
        }
        FrameworkProfile p = profile(d);
        String why = frameworkOverride != null ? "one profile for every system compared"
                : framework != null ? "--framework" : FrameworkProfiles.isRealGpu(d) ? "default for a real GPU" : "default for a hypothetical target";
        return "framework profile: " + p.id() + " (" + p.name() + "; " + why + ")";
    }

    /**
     * The parallel degrees the flags give, {attention, MoE}, or null when none is given (the default for
     * the system, {@link CompileOptions.Parallelism#defaultFor}). Once any degree is given, the others
     * default to 1; the per-layer-type flags override the common ones.
     */
    CompileOptions.Parallelism[] parallelism() {
        return parallelism(null);
    }

    /** The keys of a pool's parallel layout ({@code --prefill-parallel tp=4,moe-ep=8}). */
    static final java.util.List<String> PARALLEL_KEYS = java.util.List.of("tp", "ep", "dp", "pp", "attn-tp", "attn-dp", "moe-tp", "moe-ep");

    /** As {@link #parallelism()}, with {@code parallel} (keys of {@link #PARALLEL_KEYS}), when not null, in place of the flags: a disaggregated pool's own layout. */
    CompileOptions.Parallelism[] parallelism(java.util.Map<String, Integer> parallel) {
        Integer tp = parallel == null ? this.tp : parallel.get("tp");
        Integer ep = parallel == null ? this.ep : parallel.get("ep");
        Integer dp = parallel == null ? this.dp : parallel.get("dp");
        Integer pp = parallel == null ? this.pp : parallel.get("pp");
        Integer attnTp = parallel == null ? this.attnTp : parallel.get("attn-tp");
        Integer attnDp = parallel == null ? this.attnDp : parallel.get("attn-dp");
        Integer moeTp = parallel == null ? this.moeTp : parallel.get("moe-tp");
        Integer moeEp = parallel == null ? this.moeEp : parallel.get("moe-ep");
        boolean any = tp != null || ep != null || dp != null || pp != null || attnTp != null || attnDp != null || moeTp != null || moeEp != null;
        if (!any) {
            return null;
        }
        int t = tp != null ? tp : 1;
        int e = ep != null ? ep : 1;
        int d = dp != null ? dp : 1;
        int p = pp != null ? pp : 1;
        try {
            return new CompileOptions.Parallelism[] {new CompileOptions.Parallelism(attnTp != null ? attnTp : t, e, attnDp != null ? attnDp : d, p),
                new CompileOptions.Parallelism(moeTp != null ? moeTp : t, moeEp != null ? moeEp : e, d, p)};
        } catch (IllegalArgumentException ex) {
            throw new MoesimException(ex.getMessage());
        }
    }

    /** The compile-side settings of a run (parallelism, placement, cost model, framework), checked and named by flag. */
    RunSpec.Builder into(RunSpec.Builder b) {
        CompileOptions.Parallelism[] par = parallelism();
        if (par != null) {
            b.attention(par[0]).moe(par[1]);
        }
        if (tiles < 1) {
            throw new MoesimException("--tiles must be >= 1, got " + tiles);
        }
        if (!(ilpTimeLimit > 0) || Double.isInfinite(ilpTimeLimit)) {
            throw new MoesimException("--ilp-time-limit must be a finite number > 0, got " + ilpTimeLimit);
        }
        b.placement(parse(CompileOptions.Placement.class, placement, "--placement"))
                .expertPlacement(parse(CompileOptions.ExpertPlacement.class, expertPlacement, "--expert-placement"))
                .overlap(parse(CompileOptions.Overlap.class, overlap, "--overlap")).tiles(tiles).routingTrace(routingTrace)
                .ilpTimeLimitSeconds(ilpTimeLimit).costModel(parse(RunSpec.CostModelKind.class, costModel, "--cost-model"));
        if (framework != null) {
            b.framework(RunSpec.checkFramework(framework, "--framework"));
        }
        return b;
    }

    CompileOptions options(SystemSpec system, String routing, long seed) {
        return options(system, routing, seed, null);
    }

    /** The options with a disaggregated pool's own parallel layout in place of the flags, when {@code parallel} is not null. */
    CompileOptions options(SystemSpec system, String routing, long seed, java.util.Map<String, Integer> parallel) {
        CompileOptions.Parallelism[] par = parallelism(parallel);
        CompileOptions d = RunSpec.defaultCompileOptions(system.devices(), routing, seed);
        Path trace = routingTrace != null ? routingTrace : d.routingTrace();
        try {
            return new CompileOptions(par == null ? d.attention() : par[0], par == null ? d.moe() : par[1],
                    parse(CompileOptions.Placement.class, placement, "--placement"),
                    parse(CompileOptions.ExpertPlacement.class, expertPlacement, "--expert-placement"),
                    parse(CompileOptions.Overlap.class, overlap, "--overlap"), tiles, trace, ilpTimeLimit, seed);
        } catch (IllegalArgumentException ex) {
            throw new MoesimException(ex.getMessage());
        }
    }

    /** One cost model per command run, so its memo of kernel estimates serves every compile and simulation of the run. */
    private CostModel cost;

    CostModel costModel() {
        if (cost == null) {
            cost = switch (parse(RunSpec.CostModelKind.class, costModel, "--cost-model")) {
                case KERNEL -> {
                    if (framework != null) {
                        RunSpec.checkFramework(framework, "--framework"); // a bad id or file fails here, once
                    }
                    yield KernelStores.costModel(this::profile);
                }
                case ROOFLINE -> RooflineCostModel.INSTANCE;
            };
        }
        return cost;
    }

    static <E extends Enum<E>> E parse(Class<E> type, String text, String flag) {
        return RunSpec.option(type, text, flag);
    }
}
