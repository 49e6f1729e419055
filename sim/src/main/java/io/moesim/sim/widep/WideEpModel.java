package io.moesim.sim.widep;

import io.moesim.compiler.cost.CostModel;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Block;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.Node;
import io.moesim.ir.graph.Value;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.Phase;
import io.moesim.ir.op.Combine;
import io.moesim.ir.op.Dispatch;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.Repeat;
import io.moesim.sim.SimulationException;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.ArrayList;
import java.util.List;

/**
 * One iteration of a model under wide expert parallelism ({@link WideEpConfig}) on a multi-node
 * system, timed from the kernel-level cost of each op and the routed bytes on the links.
 *
 * <p>Mechanisms, per iteration of {@code perRank} (the shape each attention-DP rank runs; all ranks
 * carry the same shape, so the global batch is DP × it):
 * <ol>
 *   <li>Every op of the graph except the routed experts and their dispatch/combine runs on each DP
 *       rank on its own slice: attention, norms, router, shared experts, dense layers, LM head,
 *       each priced by the cost model on one device ({@code A}).</li>
 *   <li>The routing of the global batch (DP × the rank's tokens, top_k copies each, from the run's
 *       routing and seed) gives per-expert token counts; the layout ({@link ExpertLayout}: plain,
 *       or EPLB with redundant slots from those counts as statistics) gives each EP rank its slots'
 *       tokens; each rank's experts are one grouped expert FFN over its slots, priced by the cost
 *       model. The slowest rank sets the MoE layer ({@code X = max_r X_r}): load imbalance is
 *       time.</li>
 *   <li>Dispatch and combine: {@link AllToAllTimer} with the rank's sent copies (tokens × top_k) and
 *       received copies (its load), fp8 (plus scales) or bf16 for dispatch, bf16 for combine.</li>
 *   <li>Without overlap a MoE layer costs A_l + D + X + C. With two micro-batches (each half the
 *       rank's sequences), the dispatch/combine of one overlaps the compute of the other: a MoE
 *       layer costs 2·max(A_l' + X', D' + C') for the half shape ('), plus one fill of the smaller
 *       side per iteration — the half shape's kernels are re-priced, so the overlap is not free
 *       where small batches use the GPU worse.</li>
 * </ol>
 * Not modelled: the CPU and framework time between iterations, the imbalance of attention across DP
 * ranks (equal shapes), GEMM/communication interference for SMs (DeepEP's kernels take 20-24 SMs in
 * normal mode), MTP. See docs/deployment.md for the figures beside DeepSeek's.
 */
public final class WideEpModel {
    private final ModelConfig model;
    private final SystemSpec system;
    private final CostModel cost;
    private final WideEpConfig cfg;

    public WideEpModel(ModelConfig model, SystemSpec system, CostModel cost, WideEpConfig cfg) {
        if (!model.isMoe()) {
            throw new SimulationException(0, "wide EP", model.name() + " has no MoE layers");
        }
        if (cfg.moeEp() > system.devices()) {
            throw new SimulationException(0, "--moe-ep", "EP " + cfg.moeEp() + " needs " + cfg.moeEp() + " devices; system " + system.id()
                    + " has " + system.devices());
        }
        this.model = model;
        this.system = system;
        // it prices a serving step: the GPU busy as a serving engine keeps it (KernelCostModel.underServingLoad)
        this.cost = io.moesim.sim.kernel.KernelCostModel.underServingLoad(cost);
        this.cfg = cfg;
    }

    /**
     * The non-expert compute of one rank's graph and the routed-expert template, from one graph walk; {@code otherBytes} and
     * {@code otherFlops}: the minimum DRAM traffic and the FLOPs of every op but the routed experts and their dispatch/combine;
     * {@code otherWeightBytes}: the weights' part of that traffic.
     */
    private record Parts(double moeLayerCompute, double otherCompute, long moeLayers, ExpertFfn routed, TensorType routedIn, long tokens,
            double otherBytes, double otherFlops, double otherWeightBytes) {
    }

    /**
     * The figures of one iteration shape. {@code rankDramBytes}: the busiest rank's minimum DRAM traffic over the step (its
     * ops' {@code Op.traffic}: every non-expert op, its experts' weights and routed tokens); {@code dramBytes} and
     * {@code flops}: the same summed over all ranks; {@code intraLinkBytes} / {@code interLinkBytes}: the bytes all ranks
     * send in dispatch and combine over NVLink / the inter-node link; {@code weightBytes}: the weights' part of {@code dramBytes}
     * (the rest, activations and KV, grows with the sequences). With two micro-batches, both halves'.
     */
    public record Step(
            double seconds,
            long tokensPerRank,
            long globalTokens,
            long moeLayers,
            double attentionPerLayerS,
            double otherComputeS,
            double expertMaxS,
            double expertMeanS,
            double dispatchS,
            double combineS,
            double maxOverMeanLoad,
            long maxRankLoad,
            long dispatchedCopies,
            long combinedCopies,
            long dispatchBytesPerCopy,
            long combineBytesPerCopy,
            int redundantSlots,
            int usedRedundantSlots,
            int microBatches,
            double overlapHiddenS,
            int nodes,
            double rankDramBytes,
            double dramBytes,
            double flops,
            double intraLinkBytes,
            double interLinkBytes,
            double weightBytes) {

        /** Compute alone: the step with dispatch and combine taking no time. */
        public double computeOnlyS() {
            int mb = microBatches == 2 ? 2 : 1;
            return otherComputeS + moeLayers * mb * (attentionPerLayerS + expertMaxS);
        }

        /** Share of the step that dispatch and combine add beyond compute (what overlap leaves exposed). */
        public double communicationShare() {
            return seconds <= 0 ? 0 : Math.max(0, seconds - computeOnlyS()) / seconds;
        }

        /** Dispatch and combine time over dispatch, combine and compute time, before any overlap. */
        public double communicationSerialShare() {
            int mb = microBatches == 2 ? 2 : 1;
            double comm = moeLayers * mb * (dispatchS + combineS);
            return comm / (comm + computeOnlyS());
        }

        /** Tokens per second per node (global tokens of the iteration over its time, over the nodes the EP ranks span). */
        public double tokensPerSecondPerNode() {
            return globalTokens / seconds / nodes;
        }

        /** The JSON keys (ep.*): a contract, add never rename. */
        public java.util.Map<String, Object> toMap() {
            java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("ep.step_ms", seconds * 1e3);
            m.put("ep.tokens_per_rank", tokensPerRank);
            m.put("ep.global_tokens", globalTokens);
            m.put("ep.nodes", nodes);
            m.put("ep.tokens_per_s_per_node", tokensPerSecondPerNode());
            m.put("ep.moe_layers", moeLayers);
            m.put("ep.attention_per_layer_us", attentionPerLayerS * 1e6);
            m.put("ep.other_compute_ms", otherComputeS * 1e3);
            m.put("ep.expert_max_us", expertMaxS * 1e6);
            m.put("ep.expert_mean_us", expertMeanS * 1e6);
            m.put("ep.dispatch_us", dispatchS * 1e6);
            m.put("ep.combine_us", combineS * 1e6);
            m.put("ep.max_over_mean_load", maxOverMeanLoad);
            m.put("ep.max_rank_load", maxRankLoad);
            m.put("ep.dispatched_copies", dispatchedCopies);
            m.put("ep.combined_copies", combinedCopies);
            m.put("ep.dispatch_bytes_per_copy", dispatchBytesPerCopy);
            m.put("ep.combine_bytes_per_copy", combineBytesPerCopy);
            m.put("ep.redundant_slots", redundantSlots);
            m.put("ep.redundant_slots_used", usedRedundantSlots);
            m.put("ep.micro_batches", microBatches);
            m.put("ep.overlap_hidden_ms", overlapHiddenS * 1e3);
            m.put("ep.dispatch_combine_share", communicationShare());
            m.put("ep.dispatch_combine_serial_share", communicationSerialShare());
            m.put("ep.compute_only_ms", computeOnlyS() * 1e3);
            m.put("ep.busiest_rank_dram_bytes", rankDramBytes);
            m.put("ep.dram_bytes", dramBytes);
            m.put("ep.flops", flops);
            m.put("ep.intra_link_bytes", intraLinkBytes);
            m.put("ep.inter_link_bytes", interLinkBytes);
            return m;
        }
    }

    /** One iteration of {@code perRank} on every DP rank, with the configured micro-batching. */
    public Step step(GraphRequest perRank) {
        Step whole = stepOnce(perRank, null);
        if (cfg.microBatches() == 1) {
            return whole;
        }
        GraphRequest half = halve(perRank);
        // the layout is built once for the whole iteration's statistics and kept for both halves
        ExpertLayout layout = layout(globalCounts(perRank, parts(perRank).tokens()));
        Step h = stepOnce(half, layout);
        double comp = h.attentionPerLayerS() + h.expertMaxS();
        double comm = h.dispatchS() + h.combineS();
        double perLayer = 2 * Math.max(comp, comm);
        double seconds = h.moeLayers() * perLayer + Math.min(comp, comm) + 2 * h.otherComputeS();
        double serial = h.moeLayers() * 2 * (comp + comm) + 2 * h.otherComputeS();
        return new Step(seconds, whole.tokensPerRank(), whole.globalTokens(), whole.moeLayers(), h.attentionPerLayerS(), 2 * h.otherComputeS(),
                h.expertMaxS(), h.expertMeanS(), h.dispatchS(), h.combineS(), whole.maxOverMeanLoad(), whole.maxRankLoad(),
                whole.dispatchedCopies(), whole.combinedCopies(), whole.dispatchBytesPerCopy(), whole.combineBytesPerCopy(),
                whole.redundantSlots(), whole.usedRedundantSlots(), 2, serial - seconds, whole.nodes(), 2 * h.rankDramBytes(), 2 * h.dramBytes(),
                2 * h.flops(), 2 * h.intraLinkBytes(), 2 * h.interLinkBytes(), 2 * h.weightBytes());
    }

    private static GraphRequest halve(GraphRequest r) {
        if (r.phase() == Phase.MIXED) {
            throw new SimulationException(0, "--micro-batches", "two micro-batches are modelled for prefill or decode shapes, not mixed");
        }
        if (r.batch() % 2 != 0) {
            throw new SimulationException(0, "--micro-batches", "two micro-batches need an even per-rank batch, got " + r.batch());
        }
        return new GraphRequest(r.model(), r.phase(), r.batch() / 2, r.seqLen(), r.kvLen(), r.prefillBatch(), r.dtype(), r.routing(), r.seed(),
                r.prefillContext(), r.decodeQuery());
    }

    private long[] globalCounts(GraphRequest perRank, long tokensPerRank) {
        long global = Math.multiplyExact(tokensPerRank, (long) cfg.attnDp());
        return perRank.routing().counts(model.moe().experts(), model.moe().topK(), global, perRank.seed());
    }

    /** The layout for these per-expert counts: EPLB from them as statistics, or plain. */
    public ExpertLayout layout(long[] counts) {
        return cfg.eplbSlots() > 0 ? ExpertLayout.eplbBest(counts, cfg.moeEp(), cfg.eplbSlots()) : ExpertLayout.contiguous(counts.length, cfg.moeEp());
    }

    private Step stepOnce(GraphRequest perRank, ExpertLayout fixed) {
        Parts p = parts(perRank);
        long[] counts = globalCounts(perRank, p.tokens());
        ExpertLayout layout = fixed != null ? fixed : layout(counts);
        long[][] slotTokens = layout.slotTokens(counts);
        DeviceSpec dev = system.device();
        ProcessorSpec proc = dev.primary();
        int ep = cfg.moeEp();
        double[] xs = new double[ep];
        long[] loads = new long[ep];
        double max = 0;
        double sum = 0;
        double maxBytes = 0;
        double bytes = 0;
        double weights = 0;
        double flops = 0;
        if (p.routed().mixed()) {
            throw new io.moesim.sim.SimulationException(0, "wide-ep", "per-expert weight formats (expert lines of --expert-formats) are not modelled "
                    + "under wide expert parallelism; give per-layer formats");
        }
        for (int r = 0; r < ep; r++) {
            long[] t = occupied(slotTokens[r], layout.slots()[r]);
            long total = 0;
            for (long x : t) {
                total += x;
            }
            loads[r] = total;
            ExpertFfn op = p.routed().withTokens(t.length, Math.min(p.routed().topK(), t.length), LongImmutableList.of(t), p.routed().ffn());
            List<TensorType> in = List.of(TensorType.of(p.routedIn().dtype(), total, p.routed().hidden()));
            xs[r] = cost.seconds(op, in, dev, proc);
            io.moesim.ir.op.Traffic traffic = op.traffic(in);
            double b = traffic.total();
            maxBytes = Math.max(maxBytes, b);
            bytes += b;
            weights += traffic.weightBytes();
            flops += op.flops(in);
            max = Math.max(max, xs[r]);
            sum += xs[r];
        }
        int topK = model.moe().topK();
        long[] send = new long[ep];
        java.util.Arrays.fill(send, Math.multiplyExact(p.tokens(), (long) topK));
        long hidden = model.hidden();
        long dBytes = WideEpConfig.copyBytes(hidden, cfg.dispatchDtype());
        long cBytes = WideEpConfig.copyBytes(hidden, cfg.combineDtype());
        AllToAllTimer.Cost d = AllToAllTimer.time(system, ep, cfg.mode(), send, loads, dBytes, topK, model.moe().experts());
        AllToAllTimer.Cost c = AllToAllTimer.time(system, ep, cfg.mode(), send, loads, cBytes, topK, model.moe().experts());
        long dispatched = 0;
        for (long s : send) {
            dispatched += s;
        }
        long combined = 0;
        for (long l : loads) {
            combined += l;
        }
        long maxLoad = 0;
        for (long l : loads) {
            maxLoad = Math.max(maxLoad, l);
        }
        double attn = p.moeLayers() == 0 ? 0 : p.moeLayerCompute() / p.moeLayers();
        double seconds = p.otherCompute() + p.moeLayers() * (attn + max + d.seconds() + c.seconds());
        int g = Math.min(system.devicesPerNode(), ep);
        int nodes = (ep + g - 1) / g;
        long layers = p.moeLayers();
        return new Step(seconds, p.tokens(), p.tokens() * cfg.attnDp(), layers, attn, p.otherCompute(), max, sum / ep, d.seconds(),
                c.seconds(), ExpertLayout.maxOverMean(loads), maxLoad, dispatched, combined, dBytes, cBytes, layout.redundant(),
                layout.usedRedundant(), 1, 0, nodes, p.otherBytes() + layers * maxBytes, cfg.attnDp() * p.otherBytes() + layers * bytes,
                cfg.attnDp() * p.otherFlops() + layers * flops, layers * (d.sentIntraBytes() + c.sentIntraBytes()),
                layers * (d.sentInterBytes() + c.sentInterBytes()), cfg.attnDp() * p.otherWeightBytes() + layers * weights);
    }

    /** The token counts of a rank's slots that hold an expert (empty slots load no weights and take no tokens). */
    private static long[] occupied(long[] tokens, int[] slots) {
        int n = 0;
        for (int e : slots) {
            n += e == ExpertLayout.EMPTY ? 0 : 1;
        }
        long[] out = new long[Math.max(1, n)];
        int i = 0;
        for (int k = 0; k < slots.length; k++) {
            if (slots[k] != ExpertLayout.EMPTY) {
                out[i++] = tokens[k];
            }
        }
        return out;
    }

    private Parts parts(GraphRequest perRank) {
        Graph g = GraphGenerator.generate(perRank);
        // seconds: [0] non-expert ops inside MoE layers, [1] everything else; [2] their bytes, [3] their FLOPs, [4] their weight bytes
        double[] acc = new double[5];
        long[] moeLayers = {0};
        ExpertFfn[] routed = {null};
        TensorType[] routedIn = {null};
        walk(g.body(), 1, false, acc, moeLayers, routed, routedIn);
        if (routed[0] == null) {
            throw new SimulationException(0, "wide EP", model.name() + ": no routed expert FFN in the graph");
        }
        return new Parts(acc[0], acc[1], moeLayers[0], routed[0], routedIn[0], perRank.tokens(), acc[2], acc[3], acc[4]);
    }

    private void walk(Block b, long times, boolean inMoe, double[] acc, long[] moeLayers, ExpertFfn[] routed, TensorType[] routedIn) {
        DeviceSpec dev = system.device();
        ProcessorSpec proc = dev.primary();
        for (Node n : b.nodes()) {
            if (n.hasBody()) {
                long count = ((Repeat) n.op()).count();
                walk(n.body(), Math.multiplyExact(times, count), containsRouted(n.body()), acc, moeLayers, routed, routedIn);
                continue;
            }
            Op op = n.op();
            if (op instanceof Dispatch || op instanceof Combine) {
                continue;
            }
            List<TensorType> in = new ArrayList<>();
            for (Value v : n.operands()) {
                in.add(v.type());
            }
            if (op instanceof ExpertFfn e && e.routed()) {
                moeLayers[0] += times;
                if (routed[0] == null) {
                    routed[0] = e;
                    routedIn[0] = in.get(0);
                }
                continue;
            }
            acc[inMoe ? 0 : 1] += times * cost.seconds(op, in, dev, proc);
            io.moesim.ir.op.Traffic traffic = op.traffic(in);
            acc[2] += (double) times * traffic.total();
            acc[4] += (double) times * traffic.weightBytes();
            acc[3] += (double) times * op.flops(in);
        }
    }

    private static boolean containsRouted(Block b) {
        for (Node n : b.nodes()) {
            if (n.op() instanceof ExpertFfn e && e.routed()) {
                return true;
            }
            if (n.hasBody() && containsRouted(n.body())) {
                return true;
            }
        }
        return false;
    }
}
