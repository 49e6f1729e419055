package io.moesim.sim.serving;

import io.moesim.compiler.cost.CostModel;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.plan.DeviceMemory;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.DerivedFigures;
import io.moesim.hw.ProcessorSpec;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.DType;
import io.moesim.ir.MoesimException;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.LayerPlan;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.Phase;
import io.moesim.ir.model.Routing;
import io.moesim.sim.energy.EnergyBreakdown;
import io.moesim.sim.energy.EnergyModel;
import io.moesim.sim.system.CollectiveAlgorithm;
import io.moesim.sim.system.CollectiveModel;
import io.moesim.sim.system.ExecutionResult;
import io.moesim.sim.system.PlanExecutor;
import io.moesim.sim.system.PreparedPlan;
import io.moesim.sim.system.TaskTimer;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds, compiles and simulates each distinct iteration shape once: signature → graph
 * ({@link GraphGenerator}) → plan ({@link PlanSource}, normally the compiler, whose placement makes
 * Duplex's co-processing decision from the routed token counts) → system-level execution. The
 * routing draw is seeded from the run seed and the signature's routed shape ({@link BatchSignature#mix}:
 * not its contexts), so an iteration shape always sees the same expert loads and the cache can hold the
 * whole result.
 */
public final class IterationCache implements IterationModel {
    private final ModelConfig model;
    private final DType dtype;
    private final Routing routing;
    private final long seed;
    private final SystemSpec system;
    private final PlanSource planner;
    private final TaskTimer timer;
    private final TaskTimer roofline;
    private final CollectiveModel collectives;
    private final EnergyModel energy;
    private final String[] processorNames;
    private final Map<BatchSignature, IterationOutcome> cache = new HashMap<>();
    /** Executions kept for traces only: the cache holds summaries, not every iteration shape's task timeline. */
    private final Map<BatchSignature, IterationOutcome> traced = new HashMap<>();
    private long hits;
    /** The model cut to 1 and 2 layers when its cost is extrapolated over layers, else null. */
    private final ModelConfig[] cut;
    /** Phases whose first signature has been checked against the full model's simulation. */
    private final java.util.EnumSet<Phase> checked = java.util.EnumSet.noneOf(Phase.class);
    private boolean extrapolating;
    private long fullSimulations;
    /**
     * The ways the plans cut a batch's rows ({@link io.moesim.compiler.CompileOptions#rowShards}: attention data
     * parallelism, the MoE layers' expert and data parallelism; 1: none). The ranks run one program, so an iteration runs
     * at its busiest rank's shape: its decodes and its prefill chunks are each rounded up to a multiple of the ranks (15
     * decodes on 8 ranks run as 16, two per rank, as the rank holding two of them does).
     */
    private final int rowShards;

    public IterationCache(ModelConfig model, DType dtype, Routing routing, long seed, SystemSpec system, PlanSource planner,
            CostModel costModel, CollectiveAlgorithm algorithm, EnergyModel energy) {
        this(model, dtype, routing, seed, system, planner, costModel, algorithm, energy, true);
    }

    /** The same, for plans that cut a batch's rows {@code rowShards} ways (see {@link #rowShards}). */
    public IterationCache(ModelConfig model, DType dtype, Routing routing, long seed, SystemSpec system, PlanSource planner,
            CostModel costModel, CollectiveAlgorithm algorithm, EnergyModel energy, int rowShards) {
        this(model, dtype, routing, seed, system, planner, costModel, algorithm, energy, true, rowShards);
    }

    /**
     * @param layerExtrapolation whether a model of identical layers may be simulated at 1 and 2
     *        layers and its figures extrapolated to all of them (see {@link #get}); false simulates
     *        every layer of every signature
     */
    public IterationCache(ModelConfig model, DType dtype, Routing routing, long seed, SystemSpec system, PlanSource planner,
            CostModel costModel, CollectiveAlgorithm algorithm, EnergyModel energy, boolean layerExtrapolation) {
        this(model, dtype, routing, seed, system, planner, costModel, algorithm, energy, layerExtrapolation, 1);
    }

    private IterationCache(ModelConfig model, DType dtype, Routing routing, long seed, SystemSpec system, PlanSource planner,
            CostModel costModel, CollectiveAlgorithm algorithm, EnergyModel energy, boolean layerExtrapolation, int rowShards) {
        if (rowShards < 1) {
            throw new IllegalArgumentException("row shards must be >= 1, got " + rowShards);
        }
        this.rowShards = rowShards;
        this.model = model;
        this.dtype = dtype == null ? model.weightDtype() : dtype;
        this.routing = routing;
        this.seed = seed;
        this.system = system;
        this.planner = planner;
        // a serving run's iterations keep the GPU busy: timed as that load clocks it (KernelCostModel.underServingLoad)
        this.timer = new TaskTimer(io.moesim.sim.kernel.KernelCostModel.underServingLoad(costModel), system.device());
        this.roofline = costModel instanceof RooflineCostModel ? timer : new TaskTimer(RooflineCostModel.INSTANCE, system.device());
        this.collectives = CollectiveModel.of(system, algorithm, costModel);
        this.energy = energy;
        this.processorNames = system.device().processors().keySet().toArray(String[]::new);
        this.cut = layerExtrapolation && uniformLayers(model, routing) ? new ModelConfig[] {model.withLayers(1), model.withLayers(2)} : null;
        this.extrapolating = cut != null;
    }

    /**
     * Whether every layer of the model builds the same graph, cut to 1 or 2 layers too (one run of a
     * one-layer block, so all MoE layers carry the iteration's one routing draw), so that an
     * iteration's figures are affine in the number of layers. A routing trace is left out: its
     * representative draw is taken over the trace's layers.
     */
    static boolean uniformLayers(ModelConfig m, Routing routing) {
        if (m.layers() < 3 || routing instanceof Routing.Trace) {
            return false;
        }
        LayerPlan full = LayerPlan.of(m);
        if (full.runs().size() != 1 || full.runs().get(0).block().size() != 1) {
            return false;
        }
        for (int k = 1; k <= 2; k++) {
            LayerPlan p = LayerPlan.of(m.withLayers(k));
            if (p.runs().size() != 1 || !p.runs().get(0).block().equals(full.runs().get(0).block())) {
                return false;
            }
        }
        return true;
    }

    /** Whether signatures are still simulated at 1 and 2 layers and extrapolated (false once a check failed, or never). */
    public boolean extrapolating() {
        return extrapolating;
    }

    /** Signatures simulated with all the model's layers (the checks of the extrapolation included). */
    public long fullSimulations() {
        return fullSimulations;
    }

    @Override
    public String[] processorNames() {
        return processorNames.clone();
    }

    /** The graph request of a signature (decodes share the mean context, prefills the mean chunk). */
    public GraphRequest request(BatchSignature s) {
        return request(s, model);
    }

    private GraphRequest request(BatchSignature s, ModelConfig model) {
        Phase phase = s.prefills() == 0 ? Phase.DECODE : s.decodes() == 0 ? Phase.PREFILL : Phase.MIXED;
        s = busiestRank(s, rowShards);
        int batch = phase == Phase.PREFILL ? s.prefills() : s.decodes();
        long seqLen = phase == Phase.DECODE ? 1 : s.prefillLength();
        long kvLen = phase == Phase.PREFILL ? s.prefillLength() : s.decodeContext();
        int prefillBatch = phase == Phase.MIXED ? s.prefills() : 0;
        long context = phase == Phase.DECODE ? seqLen : Math.max(s.prefillContext(), seqLen);
        return new GraphRequest(model, phase, batch, seqLen, phase == Phase.PREFILL ? context : kvLen, prefillBatch, dtype, routing, s.mix(seed),
                context, phase == Phase.PREFILL ? 1 : s.decodeQuery());
    }

    /**
     * The signature every one of {@code ranks} data-parallel ranks runs: decodes and prefill chunks each rounded up to a
     * multiple of the ranks, so each rank holds as many as the busiest one (contexts and lengths unchanged).
     */
    static BatchSignature busiestRank(BatchSignature s, int ranks) {
        if (ranks == 1) {
            return s;
        }
        return new BatchSignature(roundUp(s.decodes(), ranks), s.decodeContext(), roundUp(s.prefills(), ranks), s.prefillLength(), s.prefillContext(),
                s.decodeQuery());
    }

    private static int roundUp(int n, int ranks) {
        return (n + ranks - 1) / ranks * ranks;
    }

    /** The outcome with its event-level execution (simulated again if the cache kept only the summary). */
    @Override
    public IterationOutcome exact(BatchSignature s) {
        s = busiestRank(s, rowShards); // the shape the ranks run: uneven batches share its entry
        IterationOutcome o = traced.get(s);
        if (o == null) {
            o = simulate(planner.plan(GraphGenerator.generate(request(s))));
            traced.put(s, o);
        }
        return o;
    }

    @Override
    public IterationOutcome get(BatchSignature s) {
        s = busiestRank(s, rowShards); // the shape the ranks run: 9 to 16 decodes on 8 ranks are one simulation, not eight
        IterationOutcome o = cache.get(s);
        if (o != null) {
            hits++;
            return o;
        }
        o = extrapolating ? extrapolated(s) : full(s);
        cache.put(s, o);
        return o;
    }

    /** The signature simulated with every layer, as a summary. */
    private IterationOutcome full(BatchSignature s) {
        fullSimulations++;
        return summary(simulate(planner.plan(GraphGenerator.generate(request(s)))));
    }

    /** Memory: the summary is all a run's figures need; the execution (every task's timeline) is dropped. */
    private static IterationOutcome summary(IterationOutcome o) {
        return new IterationOutcome(o.makespanPs(), o.busyPs(), o.intraLinkBusyPs(), o.interLinkBusyPs(), o.flops(), o.memoryBoundPs(),
                o.dynamicEnergy(), o.rooflinePs(), null);
    }

    /**
     * The layer extrapolation. The layers of such a model are one repeated block with one routing
     * draw, and consecutive layers run one after the other (each needs the previous one's output),
     * so every figure of an iteration, its critical path included, is a + (L − 1)·(b − a) with a and
     * b the figures of the model cut to 1 and 2 layers: two small simulations instead of one of L
     * layers. That is a property of the plans, not an approximation chosen here, and it is checked:
     * the first signature of each phase (decode, prefill, mixed) of a run is simulated in full as
     * well, and if any figure differs (the integers at all, the others beyond 1e−9 relative), or a cut
     * model does not compile, extrapolation stops for the run and every signature from then on is
     * simulated in full. Memory is extrapolated too ({@link #fits}): a shape whose layers would not all
     * fit the devices is compiled in full, which fails as it always did. {@code LayerExtrapolationTest}
     * holds the identity on other shapes.
     */
    private IterationOutcome extrapolated(BatchSignature s) {
        HardwarePlan pa;
        HardwarePlan pb;
        try {
            pa = planner.plan(GraphGenerator.generate(request(s, cut[0])));
            pb = planner.plan(GraphGenerator.generate(request(s, cut[1])));
        } catch (MoesimException ex) {
            // the full compile decides: if it fails too (a shape too large even for 1 layer), its error
            // goes up and extrapolation stays; if it succeeds (e.g. a pipeline cut into more stages
            // than 1 or 2 layers can fill), the cut models are no use for this run
            IterationOutcome f = full(s);
            extrapolating = false;
            return f;
        }
        if (!fits(pa, pb, model.layers())) {
            // all layers may not fit the devices where 1 and 2 do: the full compile decides (and says why)
            return full(s);
        }
        IterationOutcome e = extrapolate(simulate(pa), simulate(pb), model.layers());
        Phase phase = request(s).phase();
        if (checked.add(phase)) {
            IterationOutcome f = full(s);
            if (!same(e, f)) {
                extrapolating = false;
                return f;
            }
        }
        return e;
    }

    /**
     * Whether every device's memory (weights, KV cache, activations), extrapolated over the layers as
     * the figures are, stays below 99% of its capacity: the margin leaves a shape near the edge to
     * the full compile, whose memory check is the reference.
     */
    static boolean fits(HardwarePlan a, HardwarePlan b, int layers) {
        if (a.memory().size() != b.memory().size() || a.memory().isEmpty()) {
            return false;
        }
        long k = layers - 1L;
        for (int i = 0; i < a.memory().size(); i++) {
            DeviceMemory ma = a.memory().get(i);
            DeviceMemory mb = b.memory().get(i);
            double total = ma.totalBytes() + (double) k * (mb.totalBytes() - ma.totalBytes());
            if (total > 0.99 * ma.capacityBytes()) {
                return false;
            }
        }
        return true;
    }

    /** a + (layers − 1)·(b − a), field by field. */
    static IterationOutcome extrapolate(IterationOutcome a, IterationOutcome b, int layers) {
        long k = layers - 1L;
        long[] busy = new long[a.busyPs().length];
        for (int i = 0; i < busy.length; i++) {
            busy[i] = a.busyPs()[i] + k * (b.busyPs()[i] - a.busyPs()[i]);
        }
        EnergyBreakdown ea = a.dynamicEnergy();
        EnergyBreakdown eb = b.dynamicEnergy();
        EnergyBreakdown energy = new EnergyBreakdown(ea.dramJ() + k * (eb.dramJ() - ea.dramJ()), ea.sramJ() + k * (eb.sramJ() - ea.sramJ()),
                ea.logicJ() + k * (eb.logicJ() - ea.logicJ()), ea.linkJ() + k * (eb.linkJ() - ea.linkJ()),
                ea.staticJ() + k * (eb.staticJ() - ea.staticJ()));
        return new IterationOutcome(a.makespanPs() + k * (b.makespanPs() - a.makespanPs()), busy,
                a.intraLinkBusyPs() + k * (b.intraLinkBusyPs() - a.intraLinkBusyPs()),
                a.interLinkBusyPs() + k * (b.interLinkBusyPs() - a.interLinkBusyPs()), a.flops() + k * (b.flops() - a.flops()),
                a.memoryBoundPs() + k * (b.memoryBoundPs() - a.memoryBoundPs()), energy,
                a.rooflinePs() + k * (b.rooflinePs() - a.rooflinePs()), null);
    }

    /** Equal integers, and doubles within 1e−9 relative. */
    static boolean same(IterationOutcome x, IterationOutcome y) {
        EnergyBreakdown ex = x.dynamicEnergy();
        EnergyBreakdown ey = y.dynamicEnergy();
        return x.makespanPs() == y.makespanPs() && java.util.Arrays.equals(x.busyPs(), y.busyPs())
                && x.intraLinkBusyPs() == y.intraLinkBusyPs() && x.interLinkBusyPs() == y.interLinkBusyPs() && x.flops() == y.flops()
                && x.rooflinePs() == y.rooflinePs() && close(x.memoryBoundPs(), y.memoryBoundPs()) && close(ex.dramJ(), ey.dramJ())
                && close(ex.sramJ(), ey.sramJ()) && close(ex.logicJ(), ey.logicJ()) && close(ex.linkJ(), ey.linkJ())
                && close(ex.staticJ(), ey.staticJ());
    }

    private static boolean close(double a, double b) {
        return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
    }

    /** Executes one plan at the system level and summarises it. */
    public IterationOutcome simulate(HardwarePlan plan) {
        PreparedPlan prepared = new PreparedPlan(plan, system, timer, collectives);
        ExecutionResult r = PlanExecutor.run(prepared);
        long[] busy = new long[processorNames.length];
        Map<String, Long> byName = r.busyByProcessor();
        for (int i = 0; i < processorNames.length; i++) {
            busy[i] = byName.getOrDefault(processorNames[i], 0L);
        }
        Map<String, Long> links = r.busyByLink();
        double memPs = 0;
        for (Task t : plan.tasks()) {
            ProcessorSpec p = system.device().processors().get(t.processor());
            if (p != null && prepared.instanceOf(t.id()) < 0) {
                memPs += t.bytes() / (DerivedFigures.bandwidthSeenGBps(system.device(), p) * 1e9) * 1e12;
            }
        }
        long roof = roofline == timer ? prepared.criticalPathPs() : prepared.criticalPathPs(roofline);
        return new IterationOutcome(r.makespanPs(), busy, links.get("intra_node"), links.get("inter_node"), r.flops(), memPs,
                energy.dynamic(prepared), roof, r);
    }

    @Override
    public int size() {
        return cache.size();
    }

    @Override
    public long hits() {
        return hits;
    }

    @Override
    public long simulated() {
        return cache.size();
    }
}
