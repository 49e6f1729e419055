package io.moesim.sim.tune;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.Compiler;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.MoesimException;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.model.Phase;
import io.moesim.ir.model.Routing;
import io.moesim.sim.DeployedServing;
import io.moesim.sim.Deployment;
import io.moesim.sim.Disaggregation;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.Simulator;
import io.moesim.sim.energy.EnergyModel;
import io.moesim.sim.metrics.SimulationResult;
import io.moesim.sim.serving.BatchSignature;
import io.moesim.sim.serving.DisaggregatedLoop;
import io.moesim.sim.serving.IterationCache;
import io.moesim.sim.widep.EpMode;
import io.moesim.sim.widep.WideEpConfig;
import io.moesim.sim.widep.WideEpModel;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The search for the best deployment of a model on a GPU budget under TTFT / TPOT limits
 * ({@code moesim tune}).
 *
 * <p>Candidates: aggregated (n replicas of one instance, the load split evenly between replicas) and
 * disaggregated (x prefill instances and y decode instances, possibly of another device type), each at
 * several max batches and precisions, within the budget. An instance is {@code k} devices of one type
 * under one {@link Layout}: tensor parallel within a node ({@code tp}), attention TP with MoE expert
 * parallel ({@code attn-tp=k,moe-ep=k}, where the compiler folds it), TP over a node's devices with
 * pipeline stages across nodes ({@code tp=g,pp=k/g}), or wide EP (attention data parallel + MoE expert
 * parallel over k devices, DeepEP-style all-to-alls, as {@code simulate --ep-mode} runs it: a pool of a
 * disaggregated deployment, as DeepSeek deploys it, or an aggregated instance, as SGLang's DP attention runs it).
 *
 * <p>Every instance (device type, layout, precision) has its iteration shapes costed once and memoised
 * per shape (one whole prompt, a decode batch of 1 and of each max batch, at the mean context), so
 * candidates sharing an instance reuse them: compiler layouts by compiling and simulating the iteration
 * event by event ({@link IterationCache}), wide EP by the wide-EP run's per-step cost ({@link WideEpModel}:
 * two prompts per rank in {@code normal} mode, decodes in {@code ll} mode, two micro-batches from 64
 * sequences per rank, EPLB with 32 redundant slots, fp8 dispatch under fp8). From them an analytic estimate gives each candidate's TTFT and TPOT at a
 * request rate λ (prefill as an M/D/1 queue, a wide-EP prefill instance serving two prompts per DP rank per
 * step; decode batch B from Little's law, B = λ · (L_out − 1) · TPOT(B) with TPOT linear in B per DP rank;
 * aggregated decodes slowed by the prefill share of the time) and the largest λ meeting the limits
 * (bisection).
 *
 * <p>The best estimates (tokens/s per device) are confirmed (see {@link #confirm}) by an event-level serving simulation,
 * kind {@code serving}, the run {@code simulate} makes of the finalist's command line: candidates whose pools are compiler
 * layouts; aggregated wide-EP instances ({@code simulate --system S --ep-mode normal:ll}, prefill and decode iterations
 * never mixed); disaggregated candidates with a wide-EP pool ({@code simulate --disagg P:D --ep-mode normal:ll}, or
 * {@code off} for a pool on its compiler layout), each wide-EP pool's iterations priced by the wide-EP step model. While none meets the limits,
 * further candidates are confirmed, up to three times the finalists asked for. The best deployment is the
 * confirmed finalist with the most output tokens/s per device at the rate it met the limits.
 */
public final class DeploymentSearch {
    private DeploymentSearch() {
    }

    /**
     * What to search. {@code base} carries the workload (model, lengths, requests, cost model, seed).
     *
     * @param dtypes     precisions to try (null entries: the model's own); empty: the base's dtype
     * @param extraFlags flags the reproducing command line carries as given (cost model, framework), "" for none
     */
    public record Options(SimulationRequest base, List<String> deviceTypes, int deviceBudget, List<Integer> maxBatches, double ttftMs,
            double tpotMs, int finalists, String extraFlags, List<String> dtypes) {
        public Options {
            deviceTypes = List.copyOf(deviceTypes);
            maxBatches = List.copyOf(maxBatches);
            dtypes = dtypes == null || dtypes.isEmpty() ? java.util.Collections.singletonList(base.dtype() == null ? null : base.dtype().text())
                    : java.util.Collections.unmodifiableList(new ArrayList<>(dtypes));
            if (deviceBudget < 1 || finalists < 1 || deviceTypes.isEmpty() || maxBatches.isEmpty() || !(ttftMs > 0) || !(tpotMs > 0)) {
                throw new IllegalArgumentException("tune: a device budget >= 1, one device type, one max batch, finalists >= 1 and TTFT / TPOT limits > 0");
            }
        }

        public Options(SimulationRequest base, List<String> deviceTypes, int deviceBudget, List<Integer> maxBatches, double ttftMs, double tpotMs,
                int finalists, String extraFlags) {
            this(base, deviceTypes, deviceBudget, maxBatches, ttftMs, tpotMs, finalists, extraFlags, List.of());
        }
    }

    /** How an instance's devices are used. */
    public enum Kind {
        /** Tensor parallel over all devices (one node). */
        TP,
        /** Attention tensor parallel, MoE expert parallel, over the same devices. */
        TP_EP,
        /** Tensor parallel within a node, pipeline stages across nodes. */
        PP,
        /** Attention data parallel + MoE expert parallel (DeepEP-style all-to-alls). */
        WIDE_EP
    }

    /** An instance's parallel layout over {@code devices} devices. */
    public record Layout(Kind kind, int devices, int tp, int pp) {
        public static Layout tp(int n) {
            return new Layout(Kind.TP, n, n, 1);
        }

        public static Layout tpEp(int n) {
            return new Layout(Kind.TP_EP, n, n, 1);
        }

        public static Layout pp(int tp, int pp) {
            return new Layout(Kind.PP, tp * pp, tp, pp);
        }

        public static Layout wideEp(int n) {
            return new Layout(Kind.WIDE_EP, n, 1, 1);
        }

        /** Whether the compiler's layout serves it (wide EP: the wide-EP step model prices its iterations). */
        public boolean servable() {
            return kind != Kind.WIDE_EP;
        }

        /** Attention-DP ranks, each with its own slice of the batch (1 but for wide EP). */
        public int ranks() {
            return kind == Kind.WIDE_EP ? devices : 1;
        }

        public String describe() {
            return switch (kind) {
                case TP -> "tp" + tp;
                case TP_EP -> "tp" + tp + "/ep" + tp;
                case PP -> "tp" + tp + "xpp" + pp;
                case WIDE_EP -> "dp" + devices + "/ep" + devices;
            };
        }

        /** The layout {@link #describe} names: tpN, tpN/epN, tpNxppM, dpN/epN. */
        public static Layout parse(String text) {
            java.util.regex.Matcher m;
            if ((m = java.util.regex.Pattern.compile("tp(\\d+)").matcher(text)).matches()) {
                return tp(Integer.parseInt(m.group(1)));
            }
            if ((m = java.util.regex.Pattern.compile("tp(\\d+)/ep\\1").matcher(text)).matches()) {
                return tpEp(Integer.parseInt(m.group(1)));
            }
            if ((m = java.util.regex.Pattern.compile("tp(\\d+)xpp(\\d+)").matcher(text)).matches()) {
                return pp(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
            }
            if ((m = java.util.regex.Pattern.compile("dp(\\d+)/ep\\1").matcher(text)).matches()) {
                return wideEp(Integer.parseInt(m.group(1)));
            }
            throw new IllegalArgumentException("not a layout: '" + text + "' (tpN, tpN/epN, tpNxppM, dpN/epN)");
        }

        /** The pool layout's keys ({@code --prefill-parallel}), or null for wide EP. */
        public String poolParallel() {
            return switch (kind) {
                case TP -> "tp=" + tp;
                case TP_EP -> "attn-tp=" + tp + ",moe-ep=" + tp;
                case PP -> "tp=" + tp + ",pp=" + pp;
                case WIDE_EP -> null;
            };
        }

        /** The compile flags of an aggregated run. */
        String flags() {
            return switch (kind) {
                case TP -> "--tp " + tp;
                case TP_EP -> "--attn-tp " + tp + " --moe-ep " + tp;
                case PP -> "--tp " + tp + " --pp " + pp;
                case WIDE_EP -> "--ep-mode ll --attn-dp " + devices + " --moe-ep " + devices;
            };
        }

        CompileOptions options(long seed) {
            CompileOptions d = CompileOptions.defaults();
            CompileOptions.Parallelism a;
            CompileOptions.Parallelism m;
            switch (kind) {
                case TP -> {
                    a = new CompileOptions.Parallelism(tp, 1, 1, 1);
                    m = a;
                }
                case TP_EP -> {
                    a = new CompileOptions.Parallelism(tp, 1, 1, 1);
                    m = new CompileOptions.Parallelism(1, tp, 1, 1);
                }
                case PP -> {
                    a = new CompileOptions.Parallelism(tp, 1, 1, pp);
                    m = a;
                }
                default -> throw new IllegalStateException("wide EP is not a compiler layout");
            }
            return new CompileOptions(a, m, d.placement(), d.expertPlacement(), d.overlap(), d.tiles(), d.routingTrace(), d.ilpTimeLimitSeconds(),
                    seed);
        }
    }

    /**
     * One deployment. Aggregated: {@code prefill*} describe the replicas and {@code decode*} are empty.
     * {@code maxBatch} is per attention-DP rank (per instance for the compiler's layouts). {@code dtype}
     * null: the model's.
     */
    public record Candidate(boolean disaggregated, String prefillSystem, int prefillInstances, String decodeSystem, int decodeInstances,
            int maxBatch, int devices, Layout prefillLayout, Layout decodeLayout, String dtype) {
        public Candidate {
            if (prefillLayout == null) {
                prefillLayout = Layout.tp(size(prefillSystem));
            }
            if (decodeLayout == null && disaggregated) {
                decodeLayout = Layout.tp(size(decodeSystem));
            }
        }

        /** A tensor-parallel candidate in the model's precision (the layout before layouts were searched). */
        public Candidate(boolean disaggregated, String prefillSystem, int prefillInstances, String decodeSystem, int decodeInstances, int maxBatch,
                int devices) {
            this(disaggregated, prefillSystem, prefillInstances, decodeSystem, decodeInstances, maxBatch, devices, null, null, null);
        }

        /** Whether both pools run in a serving loop under the compiler's layouts. */
        public boolean servable() {
            return prefillLayout.servable() && (!disaggregated || decodeLayout.servable());
        }

        /** One aggregated wide-EP instance (replicated): served by the aggregated wide-EP serving loop. */
        public boolean aggregatedWideEp() {
            return !disaggregated && prefillLayout.kind() == Kind.WIDE_EP;
        }

        public String describe() {
            String dt = dtype == null ? "" : ", " + dtype;
            String mb = maxBatch + (prefillLayout.ranks() > 1 || disaggregated && decodeLayout.ranks() > 1 ? " per rank" : "");
            return disaggregated ? String.format(Locale.ROOT, "disagg %dx%s %s : %dx%s %s, max batch %s%s", prefillInstances, prefillSystem,
                    prefillLayout.describe(), decodeInstances, decodeSystem, decodeLayout.describe(), mb, dt)
                    : String.format(Locale.ROOT, "aggregated %dx%s %s, max batch %s%s", prefillInstances, prefillSystem, prefillLayout.describe(), mb, dt);
        }
    }

    /**
     * A candidate's analytic estimate at its largest request rate meeting the limits (0 when none does).
     * {@code decodeBatch}: the estimated decode batch of one decode instance there.
     */
    public record Estimate(Candidate candidate, double maxQps, double ttftMs, double tpotMs, double tokensPerSPerDevice, double decodeBatch) {
        public Estimate(Candidate candidate, double maxQps, double ttftMs, double tpotMs, double tokensPerSPerDevice) {
            this(candidate, maxQps, ttftMs, tpotMs, tokensPerSPerDevice, 0);
        }
    }

    /**
     * A finalist confirmed at {@code qps} (for one replica of an aggregated candidate: qps / replicas).
     *
     * @param kind             {@code serving}: an event-level serving run (every finalist since wide-EP pools are served;
     *                         {@code step}, a run stepped from the pools' step times, is no longer made)
     * @param meanOutputTokens output tokens per completed request in the run
     */
    public record Confirmed(Estimate estimate, double qps, double ttftP90Ms, double tpotP90Ms, double meanOutputTokens, boolean meets,
            String commandLine, String kind) {
        /** Output tokens/s per device the confirmation simulated (the rate times the mean output of its requests). */
        public double simulatedTokensPerSPerDevice() {
            return qps * meanOutputTokens / estimate.candidate().devices();
        }

        /** What the best deployment is chosen by: the simulated rate per device where the limits were met, else 0. */
        public double tokensPerSPerDevice() {
            return meets ? simulatedTokensPerSPerDevice() : 0;
        }
    }

    /**
     * @param runnable       candidates whose instances fit the model in memory and fold its layout (each has a full estimate)
     * @param instanceShapes iteration shapes costed (the memo's size)
     */
    public record Result(int enumerated, int feasible, List<Estimate> estimates, List<Estimate> pareto, List<Confirmed> finalists,
            Confirmed best, double wallS, double estimateWallS, int instanceShapes, int runnable) {
    }

    /** Progress: a phase ("estimate", "confirm") and how far it is. */
    @FunctionalInterface
    public interface Progress {
        void update(String phase, long done, long total);
    }

    /**
     * Confirms a list of finalists (in order). The default runs {@link #confirm} on each here; the CLI runs
     * them as points of the sweep engine (resumable, local or Spark).
     */
    @FunctionalInterface
    public interface Confirmer {
        List<Confirmed> confirmAll(List<Estimate> finalists, Options o);
    }

    /** One at a time, in this thread. */
    public static final Confirmer SEQUENTIAL = (list, o) -> {
        List<Confirmed> out = new ArrayList<>();
        for (Estimate e : list) {
            out.add(confirm(e, o));
        }
        return out;
    };

    /** Cost figures of one instance for one max batch, from its memoised iteration shapes. */
    private record Costs(double prefillS, double decode1S, double decodeMaxS, int maxBatch, long kvTokens, int devices, int layers,
            double kvLinkBytesPerS, int ranks) {
        /** Prompts one prefill step serves. */
        int prefillPerStep() {
            return ranks > 1 ? ranks * PREFILL_PER_RANK : 1;
        }

        /** Per-rank decode step time at per-rank batch b (linear between 1 and the max batch). */
        double decodeS(double b) {
            return decode1S + (decodeMaxS - decode1S) * Math.max(0, b - 1) / Math.max(1, maxBatch - 1);
        }
    }

    public static Result search(Options o, Progress progress) {
        return search(o, progress, SEQUENTIAL);
    }

    public static Result search(Options o, Progress progress, Confirmer confirmer) {
        long t0 = System.nanoTime();
        SimulationRequest base = o.base();
        ModelConfig model = ModelZoo.resolve(base.model());
        List<Candidate> all = enumerate(o, model);
        Instances memo = new Instances(o, model);
        List<Estimate> est = new ArrayList<>();
        int feasible = 0;
        int runnable = 0;
        int i = 0;
        for (Candidate c : all) {
            Costs p = costs(c, true, o, model, memo);
            Costs d = c.disaggregated() ? costs(c, false, o, model, memo) : p;
            if (p != null && d != null) {
                runnable++;
            }
            Estimate e = estimate(c, o, model, p, d);
            est.add(e);
            if (e.maxQps() > 0) {
                feasible++;
            }
            if (progress != null) {
                progress.update("estimate", ++i, all.size());
            }
        }
        double estWall = (System.nanoTime() - t0) / 1e9;
        est.sort(Comparator.comparingDouble(Estimate::tokensPerSPerDevice).reversed().thenComparing(e -> e.candidate().describe()));
        List<Estimate> pareto = pareto(est);
        List<Estimate> ranked = est.stream().filter(e -> e.maxQps() > 0).toList();
        List<Confirmed> fin = new ArrayList<>();
        // the best finalists by estimate; while none meets the limits in simulation, up to three times as many
        int from = 0;
        int to = Math.min(o.finalists(), ranked.size());
        while (from < to) {
            if (progress != null) {
                progress.update("confirm", from, to);
            }
            fin.addAll(confirmer.confirmAll(ranked.subList(from, to), o));
            if (progress != null) {
                progress.update("confirm", to, to);
            }
            if (fin.stream().anyMatch(Confirmed::meets)) {
                break;
            }
            from = to;
            to = Math.min(3 * o.finalists(), ranked.size());
        }
        Confirmed best = null;
        for (Confirmed c : fin) {
            if (c.meets() && (best == null || c.tokensPerSPerDevice() > best.tokensPerSPerDevice())) {
                best = c;
            }
        }
        return new Result(all.size(), feasible, est, pareto, fin, best, (System.nanoTime() - t0) / 1e9, estWall, memo.shapes(), runnable);
    }

    /** The instances of one device type within the budget (layouts the model can use). */
    static List<Layout> layouts(ModelConfig model, int budget, int perNode) {
        List<Layout> out = new ArrayList<>();
        for (int s = 1; s <= Math.min(perNode, budget); s *= 2) {
            out.add(Layout.tp(s));
        }
        if (model.isMoe()) {
            for (int s = 2; s <= Math.min(perNode, budget); s *= 2) {
                out.add(Layout.tpEp(s));
            }
        }
        for (int p = 2; perNode * p <= budget; p *= 2) {
            out.add(Layout.pp(perNode, p));
        }
        if (model.isMoe()) {
            for (int s = 4; s <= budget; s *= 2) {
                out.add(Layout.wideEp(s));
            }
        }
        return out;
    }

    /** An instance: a system and its layout. */
    private record Inst(String system, Layout layout) {
    }

    /** Every candidate within the budget whose instances hold the model in memory (in some precision searched): instance sizes are powers of two. */
    static List<Candidate> enumerate(Options o) {
        return enumerate(o, ModelZoo.resolve(o.base().model()));
    }

    static List<Candidate> enumerate(Options o, ModelConfig model) {
        List<Inst> inst = new ArrayList<>();
        for (String d : o.deviceTypes()) {
            int perNode = Math.max(1, Math.min(8, Systems.load(systemName(d, 8)).devicesPerNode()));
            for (Layout l : layouts(model, o.deviceBudget(), perNode)) {
                String sys = systemName(d, l.devices());
                if (fits(model, sys, o)) {
                    inst.add(new Inst(sys, l));
                }
            }
        }
        List<Candidate> out = new ArrayList<>();
        for (String dt : o.dtypes()) {
            for (int mb : o.maxBatches()) {
                for (Inst s : inst) {
                    int size = s.layout().devices();
                    int n = o.deviceBudget() / size;
                    out.add(new Candidate(false, s.system(), n, "", 0, mb, n * size, s.layout(), null, dt));
                }
                for (Inst p : inst) {
                    for (Inst d : inst) {
                        int sp = p.layout().devices();
                        int sd = d.layout().devices();
                        for (int x = 1; x * sp + sd <= o.deviceBudget(); x++) {
                            for (int y = 1; x * sp + y * sd <= o.deviceBudget(); y++) {
                                out.add(new Candidate(true, p.system(), x, d.system(), y, mb, x * sp + y * sd, p.layout(), d.layout(), dt));
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    /** Whether the weights leave room for one request's KV cache on the system in some precision searched. */
    private static boolean fits(ModelConfig model, String system, Options o) {
        SystemSpec s = Systems.load(system, o.base().systemSets());
        for (String dt : o.dtypes()) {
            DType dtype = dt == null ? model.weightDtype() : DType.parse(dt);
            try {
                if (Simulator.kvCapacityTokens(model, dtype, s) >= (long) o.base().inputLength() + o.base().outputLength()) {
                    return true;
                }
            } catch (MoesimException e) {
                // no room for a KV cache in this precision
            }
        }
        return false;
    }

    /**
     * The system of {@code n} devices of type {@code device}: a built-in one where it exists (duplex-x4
     * sits on the node of its H100 baseline), else {@code DEVICExN} built on request.
     */
    static String systemName(String device, int n) {
        java.util.List<String> builtIn = Systems.ids();
        for (String name : new String[] {device + "x" + n, device + "-x" + n}) {
            if (builtIn.contains(name)) {
                return name;
            }
        }
        return device + "x" + n;
    }

    private static int size(String system) {
        return Integer.parseInt(system.substring(system.lastIndexOf('x') + 1));
    }

    /**
     * The memo of iteration shapes per instance (system, layout, precision): a shape is costed once,
     * whichever candidates share the instance. Not thread-safe (one search, one thread).
     */
    private static final class Instances {
        private final Options o;
        private final ModelConfig model;
        private final Map<String, Timer> timers = new HashMap<>();
        private final Map<String, Double> shapes = new HashMap<>();

        Instances(Options o, ModelConfig model) {
            this.o = o;
            this.model = model;
        }

        int shapes() {
            return shapes.size();
        }

        /** The seconds of one shape ("p" prompt, "d:B" a decode batch of B per rank), NaN where the instance cannot run it. */
        double seconds(String system, Layout l, DType dtype, String shape) {
            String key = system + "|" + l.describe() + "|" + dtype.text();
            String sk = key + "|" + shape;
            Double v = shapes.get(sk);
            if (v != null) {
                return v;
            }
            double s;
            try {
                Timer t = timers.computeIfAbsent(key, k -> timer(system, l, dtype));
                s = t == null ? Double.NaN : t.seconds(shape);
            } catch (MoesimException | IllegalArgumentException e) {
                s = Double.NaN; // the layout does not fold this model, or the shape does not fit: not a candidate
            }
            shapes.put(sk, s);
            return s;
        }

        /**
         * KV capacity in tokens of one instance: under the compiler's layout (weights split over the devices), or under
         * wide EP as its serving run sizes it (every rank holds the non-routed weights and its share of the experts,
         * EPLB's redundant slots included; 0 when that leaves no room).
         */
        long kvTokens(String system, Layout l, DType dtype) {
            SystemSpec s = Systems.load(system, o.base().systemSets());
            if (l.servable()) {
                CompileOptions co = l.options(o.base().seed());
                try {
                    return Simulator.kvCapacityTokensHolding(model, dtype, s, Simulator.storedWeightBytes(model, dtype, co))
                            / Simulator.kvCopies(model, co.attention().tp());
                } catch (io.moesim.sim.SimulationException e) {
                    return 0; // data-parallel copies of the weights leave no room
                }
            }
            try {
                return Simulator.wideEpKvCapacityTokens(model, dtype, s, wideEp(l.devices(), EpMode.LOW_LATENCY, dtype.bits() <= 8, 2));
            } catch (io.moesim.sim.SimulationException e) {
                return 0;
            }
        }

        private Timer timer(String system, Layout l, DType dtype) {
            SimulationRequest b = o.base();
            SystemSpec s = Systems.load(system, b.systemSets());
            int in = b.inputLength();
            long ctx = b.inputLength() + b.outputLength() / 2;
            if (Simulator.kvCapacityTokens(model, dtype, s) < (long) in + b.outputLength()) {
                return null; // the weights leave no room for one request's KV cache
            }
            if (l.servable()) {
                CompileOptions co = l.options(b.seed());
                IterationCache cache = new IterationCache(model, dtype, b.routing().value(), b.seed(), s,
                        g -> Compiler.compile(g, s, co, b.costModel()).plan(), b.costModel(), b.collectiveAlgorithm(), new EnergyModel(s, b.energy()),
                        co.rowShards());
                long q = BatchSignature.quantise(ctx, b.signatureBits());
                return shape -> shape.equals("p") ? cache.get(new BatchSignature(0, 0, 1, in)).makespanPs() / 1e12
                        : cache.get(new BatchSignature(Integer.parseInt(shape.substring(2)), shape.equals("d:1") ? ctx : q, 0, 0, 0)).makespanPs() / 1e12;
            }
            Routing r = b.routing().value();
            boolean fp8 = dtype.bits() <= 8;
            WideEpModel pre = new WideEpModel(model, s, b.costModel(), wideEp(l.devices(), EpMode.NORMAL, fp8, 2));
            WideEpModel dec2 = new WideEpModel(model, s, b.costModel(), wideEp(l.devices(), EpMode.LOW_LATENCY, fp8, 2));
            WideEpModel dec1 = new WideEpModel(model, s, b.costModel(), wideEp(l.devices(), EpMode.LOW_LATENCY, fp8, 1));
            return shape -> {
                if (shape.equals("p")) {
                    return pre.step(new GraphRequest(model, Phase.PREFILL, PREFILL_PER_RANK, in, in, 0, dtype, r, b.seed(), in)).seconds();
                }
                int n = Integer.parseInt(shape.substring(2));
                return (twoMicroBatches(n) ? dec2 : dec1).step(new GraphRequest(model, Phase.DECODE, n, 1, ctx, 0, dtype, r, b.seed(), 1)).seconds();
            };
        }
    }

    /**
     * Whether a wide-EP decode step of {@code perRank} sequences per rank runs two micro-batches: from 64 per rank
     * (even), where hiding the all-to-alls outweighs re-reading the weights for each half (docs/deployment.md: at 128
     * per rank two micro-batches take 61.3 ms against 69.0 ms for one; at a few sequences per rank the halves cost
     * nearly twice one step).
     */
    static boolean twoMicroBatches(int perRank) {
        return io.moesim.sim.serving.WideEpIterationModel.twoMicroBatches(perRank, TWO_MICRO_BATCHES_FROM);
    }

    /** Decode sequences per rank from which a wide-EP decode step runs two micro-batches ({@link #twoMicroBatches}). */
    static final int TWO_MICRO_BATCHES_FROM = 64;

    /** Prompts per rank in one wide-EP prefill step (DeepSeek's two micro-batches need two). */
    static final int PREFILL_PER_RANK = 2;

    /**
     * The wide-EP configuration the search uses: DeepSeek's (EPLB 32 slots, fp8 dispatch under fp8 serving), two
     * micro-batches or one ({@link #twoMicroBatches}; two in prefill).
     */
    static WideEpConfig wideEp(int ep, EpMode mode, boolean fp8, int microBatches) {
        return new WideEpConfig(ep, ep, mode, fp8 ? DType.FP8_E4M3 : DType.BF16, DType.BF16, EPLB_SLOTS, microBatches);
    }

    /** EPLB's redundant expert slots in the search's wide-EP configuration (DeepSeek's 32). */
    static final int EPLB_SLOTS = 32;

    /** The command-line flags of {@link #wideEp}'s configuration (the modes aside) for a candidate's run. */
    private static String wideEpFlags(Candidate c, SimulationRequest base) {
        return " --eplb-slots " + EPLB_SLOTS + " --micro-batches 2 --decode-micro-batch-from " + TWO_MICRO_BATCHES_FROM
                + (fp8Dispatch(c, base) ? "" : " --dispatch-dtype bf16");
    }

    @FunctionalInterface
    private interface Timer {
        double seconds(String shape);
    }

    private static DType dtypeOf(Candidate c, ModelConfig model) {
        return c.dtype() == null ? model.weightDtype() : DType.parse(c.dtype());
    }

    private static Costs costs(String system, Layout l, int maxBatch, Options o, ModelConfig model, DType dtype, Instances memo) {
        double pre = memo.seconds(system, l, dtype, "p");
        if (Double.isNaN(pre)) {
            return null;
        }
        double d1 = memo.seconds(system, l, dtype, "d:1");
        double dm = memo.seconds(system, l, dtype, "d:" + maxBatch);
        if (Double.isNaN(d1) || Double.isNaN(dm)) {
            return null;
        }
        SystemSpec s = Systems.load(system, o.base().systemSets());
        double link = s.interNodeLink().orElse(io.moesim.hw.Links.load("ib-ndr-400")).bandwidthPerDeviceGBps() * 1e9 * s.devices();
        return new Costs(pre, d1, dm, maxBatch, memo.kvTokens(system, l, dtype), s.devices(), model.layers(), link, l.ranks());
    }

    /** The costs of a candidate's prefill (or aggregated) instance, or of its decode instance. */
    private static Costs costs(Candidate c, boolean prefill, Options o, ModelConfig model, Instances memo) {
        return prefill ? costs(c.prefillSystem(), c.prefillLayout(), c.maxBatch(), o, model, dtypeOf(c, model), memo)
                : costs(c.decodeSystem(), c.decodeLayout(), c.maxBatch(), o, model, dtypeOf(c, model), memo);
    }

    /** The estimate of {@code c} from its prefill (or aggregated) instance's costs {@code p} and its decode instance's {@code d}. */
    private static Estimate estimate(Candidate c, Options o, ModelConfig model, Costs p, Costs d) {
        DType dtype = dtypeOf(c, model);
        if (p == null || d == null) {
            return new Estimate(c, 0, 0, 0, 0);
        }
        int in = o.base().inputLength();
        int out = o.base().outputLength();
        double lo = 0;
        double hi;
        double guess = 1e-3;
        // grow, then bisect the largest rate whose estimate meets both limits
        while (latencies(c, p, d, in, out, guess, model, dtype) != null && meets(latencies(c, p, d, in, out, guess, model, dtype), o)) {
            lo = guess;
            guess *= 2;
            if (guess > 1e6) {
                break;
            }
        }
        hi = guess;
        if (lo == 0) {
            return new Estimate(c, 0, 0, 0, 0);
        }
        for (int k = 0; k < 40; k++) {
            double mid = (lo + hi) / 2;
            double[] l = latencies(c, p, d, in, out, mid, model, dtype);
            if (l != null && meets(l, o)) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        double[] at = latencies(c, p, d, in, out, lo, model, dtype);
        return new Estimate(c, lo, at[0] * 1e3, at[1] * 1e3, lo * out / c.devices(), at[2]);
    }

    private static boolean meets(double[] l, Options o) {
        return l[0] * 1e3 <= o.ttftMs() && l[1] * 1e3 <= o.tpotMs();
    }

    /** Estimated {TTFT, TPOT} in seconds and the decode batch of one instance at total rate {@code qps}, or null when a pool is overloaded. */
    static double[] latencies(Candidate c, Costs p, Costs d, int in, int out, double qps, ModelConfig model, DType dtype) {
        int replicas = c.prefillInstances();
        double lp = qps / replicas;
        double service = p.prefillS() / p.prefillPerStep(); // a wide-EP prefill step serves PREFILL_PER_RANK prompts per DP rank
        double rho = lp * service;
        if (rho >= 1) {
            return null;
        }
        double wait = rho * service / (2 * (1 - rho)); // M/D/1 mean wait
        double ld = c.disaggregated() ? qps / c.decodeInstances() : lp;
        // decode batch from Little's law with TPOT = a + s·B/ranks (aggregated: stretched by the prefill share of the time)
        double slope = (d.decodeMaxS() - d.decode1S()) / Math.max(1, d.maxBatch() - 1);
        double a = d.decode1S() - slope;
        double stretch = c.disaggregated() ? 1 : 1 / (1 - rho);
        double denom = 1 - ld * (out - 1) * slope / d.ranks() * stretch;
        if (denom <= 0) {
            return null;
        }
        double batch = Math.max(d.ranks(), ld * (out - 1) * a * stretch / denom);
        if (batch > (double) d.maxBatch() * d.ranks() || batch * (in + out) > d.kvTokens()) {
            return null;
        }
        double tpot = d.decodeS(batch / d.ranks()) * stretch;
        double ttft = p.prefillS() + wait;
        if (c.disaggregated()) {
            ttft += transferS(p, d, in, model, dtype);
        } else {
            ttft += d.decodeS(batch / d.ranks()); // the prompt shares its iteration with the decodes
        }
        return new double[] {ttft, tpot, batch};
    }

    /** The estimates not beaten on both tokens/s per device (higher) and TPOT (lower). */
    static List<Estimate> pareto(List<Estimate> est) {
        return paretoBy(est.stream().filter(e -> e.maxQps() > 0).toList(), Estimate::tokensPerSPerDevice, Estimate::tpotMs,
                Comparator.comparingDouble(Estimate::tpotMs).thenComparing(e -> e.candidate().describe()));
    }

    /** The items not beaten on both {@code up} (higher is better) and {@code down} (lower is better), sorted by {@code order}. */
    public static <T> List<T> paretoBy(List<T> items, ToDoubleFunction<T> up, ToDoubleFunction<T> down, Comparator<T> order) {
        List<T> out = new ArrayList<>();
        // sweep by down ascending, ties by up descending: an item is kept when its up beats every earlier one
        List<T> sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparingDouble(down).thenComparing(Comparator.comparingDouble(up).reversed()));
        double bestUp = Double.NEGATIVE_INFINITY;
        double lastDown = Double.NaN;
        double lastUp = Double.NaN;
        for (T t : sorted) {
            double u = up.applyAsDouble(t);
            double dn = down.applyAsDouble(t);
            if (u > bestUp || u == lastUp && dn == lastDown) {
                out.add(t);
                bestUp = Math.max(bestUp, u);
                lastUp = u;
                lastDown = dn;
            }
        }
        out.sort(order);
        return out;
    }

    /**
     * Confirms a finalist: simulated at its estimated rate; after a miss, at half the rate, up to three
     * halvings; after a met rate below a missed one, two bisection steps between them. Returns the highest
     * rate that met the limits, or the last miss. Each run is the serving run of the finalist's command line
     * ({@link #simulate}), event by event.
     */
    public static Confirmed confirm(Estimate e, Options o) {
        java.util.function.DoubleFunction<Confirmed> at = q -> run(e, o, q);
        double qps = e.maxQps();
        Confirmed met = null;
        Confirmed miss = null;
        for (int t = 0; t < 4; t++) {
            Confirmed c = at.apply(qps);
            if (c.meets()) {
                met = c;
                break;
            }
            miss = c;
            qps /= 2;
        }
        if (met == null) {
            return miss;
        }
        for (int t = 0; t < 2 && miss != null; t++) {
            Confirmed c = at.apply((met.qps() + miss.qps()) / 2);
            if (c.meets()) {
                met = c;
            } else {
                miss = c;
            }
        }
        return met;
    }

    /**
     * Enough requests to reach the steady state at {@code qps}: arrivals over four lifetimes of a request at the limits,
     * 4 (TTFT + L_out TPOT), at least the run's requests (at most 200,000). The wide-EP serving runs (aggregated or
     * disaggregated) take it: a short run at a high rate never fills a wide-EP decode batch (hundreds of sequences per
     * rank over tens of ranks), and an aggregated wide-EP instance that has taken every prompt decodes the rest without a
     * prefill stall.
     */
    static int steadyRequests(Options o, double qps) {
        double span = 4 * (o.ttftMs() + o.base().outputLength() * o.tpotMs()) / 1e3;
        return (int) Math.min(200_000, Math.max(o.base().requests(), Math.ceil(qps * span)));
    }

    /** The KV transfer a request's first token waits for (layer by layer: one layer's share exposed). */
    private static double transferS(Costs p, Costs d, int in, ModelConfig model, DType dtype) {
        double bytes = (double) in * Simulator.kvBytesPerToken(model, dtype);
        return bytes / Math.min(p.kvLinkBytesPerS(), d.kvLinkBytesPerS()) / Math.max(1, p.layers());
    }

    private static Confirmed run(Estimate e, Options o, double qps) {
        Candidate c = e.candidate();
        // at the rate the command line states (six significant digits), so that it reproduces the run exactly
        double perReplica = stated(c.disaggregated() ? qps : qps / c.prefillInstances());
        SimulationResult r = simulate(c, o, perReplica).result();
        return confirmed(e, o, qps, r.ttft().p90Ms(), r.tpot().p90Ms(), (double) r.outputTokens() / Math.max(1, r.requestsCompleted()));
    }

    /**
     * A confirmation from its figures (as a stored sweep row gives them back): whether it meets the limits
     * and its command line follow from them.
     */
    public static Confirmed confirmed(Estimate e, Options o, double qps, double ttftP90Ms, double tpotP90Ms, double meanOutputTokens) {
        Candidate c = e.candidate();
        boolean ok = ttftP90Ms <= o.ttftMs() && tpotP90Ms <= o.tpotMs();
        double perReplica = c.disaggregated() ? qps : qps / c.prefillInstances();
        return new Confirmed(e, qps, ttftP90Ms, tpotP90Ms, meanOutputTokens, ok, commandLine(c, o, perReplica), "serving");
    }


    /** One run of a servable candidate (one replica of an aggregated one) at {@code qps}. */
    public static DeployedServing.Served simulate(Candidate c, Options o, double qps) {
        SimulationRequest r = o.base().toBuilder().qps(qps).dtype(c.dtype()).progress(null).build();
        DisaggregatedLoop.Sla sla = new DisaggregatedLoop.Sla(o.ttftMs(), o.tpotMs());
        if (c.aggregatedWideEp()) {
            // one wide-EP instance as the estimate prices it: prefill in normal mode with two micro-batches, decode in
            // low-latency mode with two micro-batches from 64 sequences per rank, EPLB 32 slots; max batch per rank; enough
            // requests for the steady state
            SystemSpec s = Systems.load(c.prefillSystem(), r.systemSets());
            int n = c.prefillLayout().devices();
            boolean fp8 = fp8Dispatch(c, r);
            SimulationRequest rr = replica(r, c, qps).requests(steadyRequests(o, qps)).maxBatch(aggregatedWideEpMaxBatch(c)).build();
            return DeployedServing.serve(rr, s, new Deployment(0, null, null, sla), new DeployedServing.WideEpPools(
                    wideEp(n, EpMode.NORMAL, fp8, 2), wideEp(n, EpMode.LOW_LATENCY, fp8, 2), TWO_MICRO_BATCHES_FROM));
        }
        if (!c.disaggregated()) {
            SystemSpec s = Systems.load(c.prefillSystem(), r.systemSets());
            SimulationRequest rr = replica(r, c, qps).requests(r.requests()).maxBatch(c.maxBatch())
                    .compileOptions(c.prefillLayout().options(r.seed())).build();
            return DeployedServing.serve(rr, s, new Deployment(0, null, null, sla));
        }
        if (c.servable()) {
            Disaggregation d = new Disaggregation(c.prefillSystem(), c.decodeSystem(), c.prefillInstances(), c.decodeInstances(), c.maxBatch(),
                    c.maxBatch(), null, true, c.prefillLayout().options(r.seed()), c.decodeLayout().options(r.seed()));
            return DeployedServing.serve(r, null, new Deployment(0, d, null, sla));
        }
        // a wide-EP pool (or two), as the estimate prices it: prefill steps of two prompts per rank in normal mode with two
        // micro-batches, decode in low-latency mode (two micro-batches from 64 sequences per rank), EPLB 32 slots, the max
        // batch per rank; a compiler-layout pool as its layout; enough requests for the steady state
        boolean fp8 = fp8Dispatch(c, r);
        Layout pl = c.prefillLayout();
        Layout dl = c.decodeLayout();
        CompileOptions plain = CompileOptions.defaults();
        Disaggregation d = new Disaggregation(c.prefillSystem(), c.decodeSystem(), c.prefillInstances(), c.decodeInstances(), prefillMaxBatch(c),
                decodeMaxBatch(c), null, true, pl.servable() ? pl.options(r.seed()) : plain, dl.servable() ? dl.options(r.seed()) : plain);
        SimulationRequest rr = r.toBuilder().requests(steadyRequests(o, qps)).build();
        return DeployedServing.serve(rr, null, new Deployment(0, d, null, sla), new DeployedServing.WideEpPools(
                pl.servable() ? null : wideEp(pl.devices(), EpMode.NORMAL, fp8, 2), dl.servable() ? null : wideEp(dl.devices(), EpMode.LOW_LATENCY, fp8, 2),
                TWO_MICRO_BATCHES_FROM));
    }

    /**
     * One replica of an aggregated candidate: the search's run settings on the replica's system at {@code qps} (the
     * caller sets its requests, max batch and layout).
     */
    private static SimulationRequest.Builder replica(SimulationRequest r, Candidate c, double qps) {
        return SimulationRequest.builder(r.model(), c.prefillSystem()).systemSets(r.systemSets()).qps(qps)
                .lengths(r.inputLength(), r.outputLength()).lengths(r.lengths()).routing(r.routing()).dtype(r.dtype())
                .costModel(r.costModel()).collectiveAlgorithm(r.collectiveAlgorithm()).energy(r.energy()).tokenBudget(r.tokenBudget())
                .signatureBits(r.signatureBits()).iterationModel(r.iterationModel()).poissonGaps(r.poissonGaps()).seed(r.seed());
    }

    /** Whether a candidate's wide-EP dispatch sends fp8 (its serving dtype has at most 8 bits), as DeepEP does. */
    private static boolean fp8Dispatch(Candidate c, SimulationRequest base) {
        return dtypeOf(c, ModelZoo.resolve(base.model())).bits() <= 8;
    }

    /** An aggregated wide-EP instance's max batch: the max batch per rank times its ranks. */
    private static int aggregatedWideEpMaxBatch(Candidate c) {
        return Math.multiplyExact(c.maxBatch(), c.prefillLayout().ranks());
    }

    /** A disaggregated candidate's prefill max batch per instance: two prompts per rank under wide EP, else the max batch. */
    private static int prefillMaxBatch(Candidate c) {
        return c.prefillLayout().servable() ? c.maxBatch() : Math.multiplyExact(PREFILL_PER_RANK, c.prefillLayout().ranks());
    }

    /** A disaggregated candidate's decode max batch per instance: the max batch per rank times the ranks. */
    private static int decodeMaxBatch(Candidate c) {
        return Math.multiplyExact(c.maxBatch(), c.decodeLayout().ranks());
    }

    /** A request rate as a command line states it: six significant digits. */
    static double stated(double qps) {
        return Double.parseDouble(String.format(Locale.ROOT, "%.6g", qps));
    }

    /** The simulate command line that reproduces a finalist's run (at {@code qps} as {@link #stated}). */
    static String commandLine(Candidate c, Options o, double rate) {
        SimulationRequest b = o.base();
        double qps = stated(rate);
        StringBuilder s = new StringBuilder("moesim simulate --model ").append(b.model());
        if (c.disaggregated()) {
            s.append(" --disagg ").append(c.prefillSystem()).append(':').append(c.decodeSystem()).append(" --prefill-pools ")
                    .append(c.prefillInstances()).append(" --decode-pools ").append(c.decodeInstances());
            if (c.prefillLayout().kind() != Kind.TP && c.prefillLayout().servable()) {
                s.append(" --prefill-parallel ").append(c.prefillLayout().poolParallel());
            }
            if (c.decodeLayout().kind() != Kind.TP && c.decodeLayout().servable()) {
                s.append(" --decode-parallel ").append(c.decodeLayout().poolParallel());
            }
            if (!c.servable()) {
                s.append(" --ep-mode ").append(c.prefillLayout().servable() ? "off" : "normal").append(':')
                        .append(c.decodeLayout().servable() ? "off" : "ll").append(wideEpFlags(c, b)).append(" --prefill-max-batch ")
                        .append(prefillMaxBatch(c)).append(" --decode-max-batch ").append(decodeMaxBatch(c));
            }
        } else if (c.aggregatedWideEp()) {
            s.append(" --system ").append(c.prefillSystem()).append(" --ep-mode normal:ll").append(wideEpFlags(c, b));
        } else {
            s.append(" --system ").append(c.prefillSystem());
            if (c.prefillLayout().kind() != Kind.TP) {
                s.append(' ').append(c.prefillLayout().flags());
            }
        }
        if (c.servable() || !c.disaggregated()) {
            s.append(" --max-batch ").append(c.aggregatedWideEp() ? aggregatedWideEpMaxBatch(c) : c.maxBatch());
        }
        s.append(String.format(Locale.ROOT, " --qps %.6g", qps));
        s.append(" --requests ").append(c.servable() ? b.requests() : steadyRequests(o, qps)).append(" --in ").append(b.inputLength()).append(" --out ").append(b.outputLength());
        if (!"fixed".equals(b.lengths().text())) {
            s.append(" --lengths ").append(b.lengths().text());
        }
        String dt = dtypeText(c, b);
        if (dt != null) {
            s.append(" --dtype ").append(dt);
        }
        s.append(" --iteration-model ").append(b.iterationModel().text()).append(" --seed ").append(b.seed());
        if (!o.extraFlags().isBlank()) {
            s.append(' ').append(o.extraFlags().strip());
        }
        s.append(String.format(Locale.ROOT, " --sla-ttft-ms %s --sla-tpot-ms %s", trim(o.ttftMs()), trim(o.tpotMs())));
        if (!c.disaggregated() && c.prefillInstances() > 1) {
            s.append("   # one of ").append(c.prefillInstances()).append(" replicas");
        }
        return s.toString();
    }

    /** The dtype a candidate's command line names: its own, else the search's, else none (the model's). */
    private static String dtypeText(Candidate c, SimulationRequest b) {
        return c.dtype() != null ? c.dtype() : b.dtype() == null ? null : b.dtype().text();
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
