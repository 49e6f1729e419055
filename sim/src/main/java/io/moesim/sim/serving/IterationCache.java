package io.moesim.sim.serving;

import io.moesim.compiler.cost.CostModel;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.DerivedFigures;
import io.moesim.hw.ProcessorSpec;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.DType;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.Phase;
import io.moesim.ir.model.Routing;
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
 * routing draw is seeded from the run seed and the signature, so an iteration shape always sees the
 * same expert loads and the cache can hold the whole result.
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

    public IterationCache(ModelConfig model, DType dtype, Routing routing, long seed, SystemSpec system, PlanSource planner,
            CostModel costModel, CollectiveAlgorithm algorithm, EnergyModel energy) {
        this.model = model;
        this.dtype = dtype == null ? model.weightDtype() : dtype;
        this.routing = routing;
        this.seed = seed;
        this.system = system;
        this.planner = planner;
        this.timer = new TaskTimer(costModel, system.device());
        this.roofline = costModel instanceof RooflineCostModel ? timer : new TaskTimer(RooflineCostModel.INSTANCE, system.device());
        this.collectives = new CollectiveModel(system, algorithm);
        this.energy = energy;
        this.processorNames = system.device().processors().keySet().toArray(String[]::new);
    }

    @Override
    public String[] processorNames() {
        return processorNames.clone();
    }

    /** The graph request of a signature (decodes share the mean context, prefills the mean chunk). */
    public GraphRequest request(BatchSignature s) {
        Phase phase = s.prefills() == 0 ? Phase.DECODE : s.decodes() == 0 ? Phase.PREFILL : Phase.MIXED;
        int batch = phase == Phase.PREFILL ? s.prefills() : s.decodes();
        long seqLen = phase == Phase.DECODE ? 1 : s.prefillLength();
        long kvLen = phase == Phase.PREFILL ? s.prefillLength() : s.decodeContext();
        int prefillBatch = phase == Phase.MIXED ? s.prefills() : 0;
        long context = phase == Phase.DECODE ? seqLen : Math.max(s.prefillContext(), seqLen);
        return new GraphRequest(model, phase, batch, seqLen, phase == Phase.PREFILL ? context : kvLen, prefillBatch, dtype, routing, s.mix(seed),
                context);
    }

    /** The outcome with its event-level execution (simulated again if the cache kept only the summary). */
    @Override
    public IterationOutcome exact(BatchSignature s) {
        IterationOutcome o = traced.get(s);
        if (o == null) {
            o = simulate(planner.plan(GraphGenerator.generate(request(s))));
            traced.put(s, o);
        }
        return o;
    }

    @Override
    public IterationOutcome get(BatchSignature s) {
        IterationOutcome o = cache.get(s);
        if (o != null) {
            hits++;
            return o;
        }
        Graph g = GraphGenerator.generate(request(s));
        HardwarePlan plan = planner.plan(g);
        o = simulate(plan);
        // memory: the summary is all a run's figures need; the execution (every task's timeline) is dropped
        o = new IterationOutcome(o.makespanPs(), o.busyPs(), o.intraLinkBusyPs(), o.interLinkBusyPs(), o.flops(), o.memoryBoundPs(),
                o.dynamicEnergy(), o.rooflinePs(), null);
        cache.put(s, o);
        return o;
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
