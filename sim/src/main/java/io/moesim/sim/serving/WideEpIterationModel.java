package io.moesim.sim.serving;

import io.moesim.compiler.cost.CostModel;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.DerivedFigures;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.DType;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.Phase;
import io.moesim.ir.model.Routing;
import io.moesim.sim.SimulationException;
import io.moesim.sim.energy.EnergyBreakdown;
import io.moesim.sim.energy.EnergyConstants;
import io.moesim.sim.energy.EnergyModel;
import io.moesim.sim.widep.WideEpConfig;
import io.moesim.sim.widep.WideEpModel;
import java.util.HashMap;
import java.util.Map;

/**
 * Iteration costs of one wide-EP instance (attention DP = MoE EP over all its devices, {@link WideEpModel}) for a
 * serving loop: an iteration of n sequences runs ⌈n / DP⌉ of them on every DP rank (the busiest rank's share sets the
 * step, as all ranks wait for the slowest in dispatch/combine; with two micro-batches an odd share runs as one batch),
 * priced by the wide-EP step model: each rank's non-expert ops by the cost model, the routed experts
 * per EP rank under the layout (EPLB or plain), dispatch/combine as all-to-alls on the links. A decode signature with
 * {@link BatchSignature#decodeQuery} k + 1 is the decode-shaped verifier of a speculative step.
 *
 * <p>Only prefill-only and decode-only iterations: the pools of a {@link DisaggregatedLoop} (as DeepSeek deploys wide
 * EP: prefill and decode on separate nodes), or one aggregated instance whose {@link ServingLoop} never mixes them (as
 * SGLang runs DP attention with DeepEP). A mixed iteration is refused.
 * Every rank is priced with the busiest rank's share (the step model's equal shapes), so a lightly loaded instance
 * (fewer sequences than ranks) is priced as if each rank held one: an upper bound there. Each distinct per-rank shape
 * is priced once. Kept: the step's compute share as busy time and the iteration's useful FLOPs (so a run's MFU); the
 * memory-bound time of the busiest rank (its ops' minimum DRAM traffic over the bandwidth its processor sees, so a run's
 * HBM bandwidth utilisation is that rank's bytes / (time x bandwidth)); the dynamic energy of all ranks (their DRAM bytes,
 * FLOPs and dispatch/combine link bytes at {@link EnergyModel}'s per-byte and per-FLOP energies, as the compiled-plan path
 * charges a plan's tasks; the weights every rank reads, the activations, KV, FLOPs and routed copies only for the sequences
 * the iteration holds, as its FLOPs); the roofline bound (the same step priced by the roofline cost model); the links' busy time (the dispatch/combine bytes
 * all ranks send over each link kind, for the sequences held, at the per-device rate the all-to-all is timed at, so a
 * run's link utilisation). Not kept: a trace.
 */
public final class WideEpIterationModel implements IterationModel {
    private final ModelConfig model;
    private final DType dtype;
    private final Routing routing;
    private final long seed;
    private final SystemSpec system;
    private final WideEpConfig cfg;
    /**
     * The step models under the cost model: prefill with the configured micro-batches, prefill as one batch,
     * then the same for decode (an aggregated instance's own decode mode).
     */
    private final WideEpModel[] priced;
    /** The same under the roofline cost model (the roofline bound); {@link #priced} itself when that is the cost model. */
    private final WideEpModel[] bounds;
    private final EnergyModel energy;
    private final int decodeTwoFrom;
    /** Each per-rank shape priced once. */
    private final Map<GraphRequest, Priced> memo = new HashMap<>();
    private final String[] names;
    /** Per-device rates of the intra- and inter-node links for dispatch/combine, bytes/s. */
    private final double intraBytesPerS;
    private final double interBytesPerS;
    private long hits;

    /**
     * A per-rank shape's outcome (without its FLOPs and energy, which depend on the sequences held), its priced step
     * (bytes, FLOPs and link bytes, for the dynamic energy) and its graph's FLOPs per sequence.
     */
    private record Priced(IterationOutcome outcome, WideEpModel.Step step, double flopsPerSequence) {
    }

    public WideEpIterationModel(ModelConfig model, DType dtype, Routing routing, long seed, SystemSpec system, CostModel cost, WideEpConfig cfg) {
        this(model, dtype, routing, seed, system, cost, cfg, cfg);
    }

    /**
     * One aggregated wide-EP instance that runs prefill iterations under {@code cfg} and decode iterations under {@code decode}
     * (the same layout, its own dispatch/combine mode: SGLang's {@code --deepep-mode auto} runs DeepEP's normal kernels for
     * prefill and its low-latency ones for decode).
     */
    public WideEpIterationModel(ModelConfig model, DType dtype, Routing routing, long seed, SystemSpec system, CostModel cost, WideEpConfig cfg,
            WideEpConfig decode) {
        this(model, dtype, routing, seed, system, cost, cfg, decode, 2);
    }

    /**
     * The same, a decode iteration under two micro-batches splitting a rank's share in halves only from {@code decodeTwoFrom}
     * sequences per rank (an even share; below it the share runs as one batch, as {@code moesim tune} prices decode steps:
     * at a few sequences per rank the halves re-read the weights for little overlap). 2: every even share.
     */
    public WideEpIterationModel(ModelConfig model, DType dtype, Routing routing, long seed, SystemSpec system, CostModel cost, WideEpConfig cfg,
            WideEpConfig decode, int decodeTwoFrom) {
        this(model, dtype, routing, seed, system, cost, cfg, decode, decodeTwoFrom, new EnergyModel(system, EnergyConstants.defaults()));
    }

    /** The same, dynamic energy under {@code energy} (the run's energy figures). */
    public WideEpIterationModel(ModelConfig model, DType dtype, Routing routing, long seed, SystemSpec system, CostModel cost, WideEpConfig cfg,
            WideEpConfig decode, int decodeTwoFrom, EnergyModel energy) {
        if (decodeTwoFrom < 2) {
            throw new SimulationException(0, "--decode-micro-batch-from", "must be >= 2, got " + decodeTwoFrom);
        }
        this.decodeTwoFrom = decodeTwoFrom;
        for (WideEpConfig c : new WideEpConfig[] {cfg, decode}) {
            if (c.attnDp() != system.devices()) {
                throw new SimulationException(0, "--ep-mode", "a wide-EP pool runs attention DP over all its devices: DP " + c.attnDp()
                        + " on " + system.id() + "'s " + system.devices());
            }
        }
        if (decode.moeEp() != cfg.moeEp() || decode.eplbSlots() != cfg.eplbSlots()) {
            throw new SimulationException(0, "--ep-mode", "one wide-EP instance holds one expert layout: EP " + cfg.moeEp() + " with "
                    + cfg.eplbSlots() + " redundant slots for prefill, EP " + decode.moeEp() + " with " + decode.eplbSlots() + " for decode");
        }
        this.model = model;
        this.dtype = dtype;
        this.routing = routing;
        this.seed = seed;
        this.system = system;
        this.cfg = cfg;
        this.energy = energy;
        this.priced = models(model, system, cost, cfg, decode);
        this.bounds = cost instanceof RooflineCostModel ? priced : models(model, system, RooflineCostModel.INSTANCE, cfg, decode);
        this.names = new String[] {system.device().primary().name()};
        this.intraBytesPerS = io.moesim.sim.widep.AllToAllTimer.bytesPerS(system.intraNodeLink());
        this.interBytesPerS = io.moesim.sim.widep.AllToAllTimer.bytesPerS(io.moesim.sim.widep.AllToAllTimer.interLink(system));
    }

    /**
     * Whether a rank's share of {@code perRank} sequences runs as two micro-batches when they are configured: an even share
     * from {@code from} sequences (below it the halves re-read the weights for little overlap).
     */
    public static boolean twoMicroBatches(long perRank, int from) {
        return perRank % 2 == 0 && perRank >= from;
    }

    /** {prefill, prefill as one batch, decode, decode as one batch} step models under {@code cost}. */
    private static WideEpModel[] models(ModelConfig model, SystemSpec system, CostModel cost, WideEpConfig cfg, WideEpConfig decode) {
        WideEpModel wide = new WideEpModel(model, system, cost, cfg);
        WideEpModel single = cfg.microBatches() == 1 ? wide : new WideEpModel(model, system, cost, cfg.withMicroBatches(1));
        WideEpModel decodeWide = decode.equals(cfg) ? wide : new WideEpModel(model, system, cost, decode);
        WideEpModel decodeSingle = decode.equals(cfg) ? single : decode.microBatches() == 1 ? decodeWide
                : new WideEpModel(model, system, cost, decode.withMicroBatches(1));
        return new WideEpModel[] {wide, single, decodeWide, decodeSingle};
    }

    /** DP ranks: the sequences of one iteration are spread over them. */
    public int ranks() {
        return cfg.attnDp();
    }

    /** The busiest rank's share of {@code n} sequences. */
    int perRank(int n) {
        return (n + cfg.attnDp() - 1) / cfg.attnDp();
    }

    /** The per-rank graph request of a signature. */
    GraphRequest request(BatchSignature s) {
        if (s.decodes() > 0 && s.prefills() > 0) {
            throw new SimulationException(0, "--ep-mode", "wide-EP serving prices prefill-only or decode-only iterations (disaggregated pools); "
                    + "an iteration of " + s.decodes() + " decodes and " + s.prefills() + " prompts is mixed");
        }
        // the routing draw is seeded by the per-rank shape, so that signatures of one shape share one priced step
        if (s.prefills() > 0) {
            int n = perRank(s.prefills());
            long context = Math.max(s.prefillContext(), s.prefillLength());
            long mix = new BatchSignature(0, 0, n, s.prefillLength(), context).mix(seed);
            return new GraphRequest(model, Phase.PREFILL, n, s.prefillLength(), context, 0, dtype, routing, mix, context, 1);
        }
        int n = perRank(s.decodes());
        long context = Math.max(s.decodeContext(), s.decodeQuery());
        long mix = new BatchSignature(n, context, 0, 0, 0, s.decodeQuery()).mix(seed);
        return new GraphRequest(model, Phase.DECODE, n, 1, context, 0, dtype, routing, mix, 1, s.decodeQuery());
    }

    @Override
    public IterationOutcome get(BatchSignature s) {
        GraphRequest r = request(s);
        Priced p = memo.get(r);
        if (p != null) {
            hits++;
        } else {
            p = price(r);
            memo.put(r, p);
        }
        // the FLOPs differ with the sequences the iteration holds, not only with its per-rank shape: outside the memo
        return withFlops(p, r, s);
    }

    private Priced price(GraphRequest r) {
        // two micro-batches split a rank's sequences in halves; an odd share runs as one batch
        boolean decode = r.phase() == Phase.DECODE;
        boolean halves = twoMicroBatches(r.batch(), decode ? decodeTwoFrom : 2);
        int which = (decode ? 2 : 0) + (halves ? 0 : 1);
        WideEpModel.Step step = priced[which].step(r);
        WideEpModel.Step bound = bounds == priced ? step : bounds[which].step(r);
        long ps = Math.max(1, Math.round(step.seconds() * 1e12));
        long compute = Math.min(ps, Math.round(step.computeOnlyS() * 1e12));
        // the busiest rank's bytes at the bandwidth its processor sees, for every device (the loop divides by the devices)
        double memPs = system.devices() * step.rankDramBytes() / (DerivedFigures.bandwidthSeenGBps(system.device(), system.device().primary()) * 1e9)
                * 1e12;
        IterationOutcome o = new IterationOutcome(ps, new long[] {compute * system.devices()}, 0, 0, 0, memPs, EnergyBreakdown.ZERO,
                Math.round(bound.seconds() * 1e12), null);
        double flopsPerSequence = (double) io.moesim.ir.graph.GraphStats.of(io.moesim.ir.model.GraphGenerator.generate(r)).flops() / r.batch();
        return new Priced(o, step, flopsPerSequence);
    }

    /**
     * The iteration's useful FLOPs: its per-rank graph's (every op, the routed experts on the rank's own tokens) over the
     * sequences a rank holds, times the iteration's sequences (every op's FLOPs are linear in the sequences of one
     * shape), so that a share padded up to the busiest rank's counts only the work done. Its dynamic energy likewise: every
     * rank's weights as priced, the rest of the step's DRAM bytes, its FLOPs and its link bytes (all linear in the
     * sequences of one shape) for the sequences held.
     */
    private IterationOutcome withFlops(Priced p, GraphRequest r, BatchSignature s) {
        int sequences = s.prefills() > 0 ? s.prefills() : s.decodes();
        WideEpModel.Step step = p.step();
        IterationOutcome o = p.outcome();
        double held = (double) sequences / ((long) r.batch() * cfg.attnDp());
        double intra = step.intraLinkBytes() * held;
        double inter = step.interLinkBytes() * held;
        EnergyBreakdown dynamic = energy.dynamic(step.weightBytes() + (step.dramBytes() - step.weightBytes()) * held, step.flops() * held, intra,
                inter);
        // link busy time summed over the devices, as an event-level run sums its transfers: every byte sent over a link at
        // the rate dispatch/combine are timed at
        long intraPs = Math.round(intra / intraBytesPerS * 1e12);
        long interPs = Math.round(inter / interBytesPerS * 1e12);
        return new IterationOutcome(o.makespanPs(), o.busyPs(), intraPs, interPs, Math.round(p.flopsPerSequence() * sequences), o.memoryBoundPs(),
                dynamic, o.rooflinePs(), o.execution());
    }

    @Override
    public IterationOutcome exact(BatchSignature s) {
        throw new SimulationException(0, "--trace", "wide-EP serving keeps no event-level execution to trace");
    }

    @Override
    public String[] processorNames() {
        return names.clone();
    }

    @Override
    public int size() {
        return memo.size();
    }

    @Override
    public long hits() {
        return hits;
    }

    @Override
    public long simulated() {
        return memo.size();
    }

    /**
     * KV capacity in tokens of one wide-EP instance: on every device {@code memoryUtilization} of its memory (what its driver
     * reports, {@link io.moesim.hw.MemorySpec#reportedBytes}) less what it holds of the weights (every non-expert weight,
     * replicated on each DP rank, and its EP share of the routed experts with the redundant slots), over the KV bytes of a
     * token.
     */
    public static long kvCapacityTokens(ModelConfig m, DType dtype, SystemSpec system, WideEpConfig cfg, double memoryUtilization, long kvBytesPerToken) {
        long all = io.moesim.ir.model.ExpertQuant.weightBytes(m, dtype);
        // the routed experts in their formats; everything else (the vocabulary's tables in their own precision included)
        long routedBytes = io.moesim.ir.model.ExpertQuant.routedExpertBytes(m, dtype);
        long nonRouted = all - routedBytes;
        double perDevice = nonRouted + (double) routedBytes * (m.moe().experts() + cfg.eplbSlots()) / m.moe().experts() / cfg.moeEp();
        double free = memoryUtilization * system.device().memory().reportedBytes() - perDevice;
        long tokens = (long) (system.devices() * free / kvBytesPerToken);
        if (tokens < 1) {
            throw new SimulationException(0, "system " + system.id(), "under wide EP each device holds " + Math.round(perDevice / 1e9)
                    + " GB of " + m.name() + "'s weights, leaving no room for a KV cache");
        }
        return tokens;
    }
}
