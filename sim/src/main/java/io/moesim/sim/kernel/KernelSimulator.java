package io.moesim.sim.kernel;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.DerivedFigures;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.MemorySpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.BatchMatMul;
import io.moesim.ir.op.Collective;
import io.moesim.ir.op.Combine;
import io.moesim.ir.op.Concat;
import io.moesim.ir.op.Dispatch;
import io.moesim.ir.op.Embedding;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.GroupedMatMul;
import io.moesim.ir.op.KvAppend;
import io.moesim.ir.op.LightningIndexer;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.GatedDeltaNet;
import io.moesim.ir.op.MlaAttention;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.Repeat;
import io.moesim.ir.op.Router;
import io.moesim.ir.op.Split;
import io.moesim.ir.op.Traffic;
import io.moesim.sim.kernel.dram.AccessPattern;
import io.moesim.sim.kernel.dram.HbmModel;
import io.moesim.sim.kernel.engine.AttentionModel;
import io.moesim.sim.kernel.engine.EngineContext;
import io.moesim.sim.kernel.engine.GemmModel;
import io.moesim.sim.kernel.engine.StreamModel;
import io.moesim.sim.kernel.engine.WorkBreakdown;
import io.moesim.sim.kernel.pim.PimKernelModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel level: one op on one processor, simulated with the DRAM, PIM and engine models and
 * memoised by (op signature, processor spec). Thread-safe; one instance can serve a whole run.
 *
 * <p>GPU/xPU: GEMM-like ops go to {@link GemmModel}, attention to {@link AttentionModel}, the rest
 * stream through {@link StreamModel}. PIM processors: GEMM-like ops and attention go to
 * {@link PimKernelModel}'s module simulation, the rest stream at the internal bandwidth. Views
 * (split, concat, repeat) cost nothing; collectives belong to the system level.
 */
public final class KernelSimulator {
    private final KernelCache cache = new KernelCache();
    private final KernelStore store;
    private final java.util.concurrent.atomic.AtomicLong simulations = new java.util.concurrent.atomic.AtomicLong();

    /** Estimates memoised for this instance only. */
    public KernelSimulator() {
        this(null);
    }

    /** Estimates memoised here and in {@code store} across runs (null for none). */
    public KernelSimulator(KernelStore store) {
        this.store = store;
    }

    /** Ops simulated at the kernel level (neither memo nor store had them). */
    public long simulations() {
        return simulations.get();
    }
    private final Map<MemorySpec, HbmModel> hbms = new HashMap<>();
    private final Map<ProcessorSpec, PimKernelModel> pims = new HashMap<>();

    public KernelCache cache() {
        return cache;
    }

    /** The request on its processor (named, else the device's primary one). */
    public OpEstimate estimate(OpRequest request, DeviceSpec device) {
        ProcessorSpec p = request.processor()
                .map(n -> device.processor(n).orElseThrow(() -> new KernelException("moesim op: target " + device.id()
                        + " has no processor '" + n + "' (it has " + String.join(", ", device.processors().keySet()) + ")")))
                .orElse(device.primary());
        // one op on its own, as a benchmark times it: called back to back
        if (request instanceof OpRequest.Compute c) {
            return estimate(c.op(), c.inputs(), device, p).backToBack(p.kernel());
        }
        if (request instanceof OpRequest.Memcpy m) {
            return memcpy(m.bytes(), device, p).backToBack(p.kernel());
        }
        OpRequest.Collective c = (OpRequest.Collective) request;
        throw new KernelException("moesim op " + c.kind() + ": collectives are timed by the system-level link model; pass --system");
    }

    /** A device-to-device copy: every byte read once and written once, at the copy pattern's bandwidth. */
    public OpEstimate memcpy(long bytes, DeviceSpec device, ProcessorSpec p) {
        // memoised like an op (a framework's quantise kernels ask for the same sizes once per GEMM shape)
        FrontKey fk = new FrontKey(null, bytes, specId(p), specId(device.memory()));
        OpEstimate front = this.front.get(fk);
        if (front != null) {
            cache.recordHit();
            return front;
        }
        OpEstimate e = lookup("memcpy|" + bytes, specText(p, device.memory()), () -> simulateMemcpy(bytes, device, p));
        this.front.put(fk, e);
        return e;
    }

    private OpEstimate simulateMemcpy(long bytes, DeviceSpec device, ProcessorSpec p) {
        long moved = 2 * bytes;
        WorkBreakdown w;
        if (p.kind().isPim()) {
            w = pim(device, p).stream(0, moved, DType.FP16, DerivedFigures.bandwidthSeenGBps(device, p));
        } else {
            EngineContext ctx = context(device, p);
            w = StreamModel.run(ctx, 0, 0, AccessPattern.COPY, moved);
        }
        double roof = moved / (DerivedFigures.bandwidthSeenGBps(device, p) * 1e9);
        return OpEstimate.of("memcpy", w, 0, moved, roof, p.name());
    }

    private final java.util.Map<List<Object>, Specs> specTexts = new java.util.concurrent.ConcurrentHashMap<>();

    /** A processor's and a memory's full spec texts, and the fingerprint of that text. */
    private record Specs(String text, long fingerprint) {
    }

    /** The specs of a processor and a memory, computed once per distinct pair (records compare by content). */
    private Specs specText(ProcessorSpec p, MemorySpec m) {
        return specTexts.computeIfAbsent(List.of(p, m), k -> {
            String text = SpecText.of(p) + "|" + SpecText.of(m);
            return new Specs(text, KernelCache.fingerprint(text));
        });
    }

    /**
     * The key of the in-run front memo: the op (records compare by content) and its operand types,
     * with the specs by identity (an id per spec object), so that a repeated op costs one hash lookup
     * rather than the signature text (kilobytes of spec text) built and hashed again. Spec objects
     * that are equal but distinct get distinct ids and meet again in {@link #cache}, keyed by text.
     */
    private record FrontKey(Op op, Object inputs, int processor, int memory) {
    }

    private final Map<FrontKey, OpEstimate> front = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<Object, Integer> specIds = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

    private int specId(Object spec) {
        synchronized (specIds) {
            Integer id = specIds.get(spec);
            if (id == null) {
                id = specIds.size();
                specIds.put(spec, id);
            }
            return id;
        }
    }

    public OpEstimate estimate(Op op, List<TensorType> inputs, DeviceSpec device, ProcessorSpec p) {
        FrontKey fk = new FrontKey(op, inputs, specId(p), specId(device.memory()));
        OpEstimate hit = front.get(fk);
        if (hit != null) {
            cache.recordHit();
            return hit;
        }
        // the full text of the specs, not their hashCode: two specs that differ only in a calibrated
        // figure may share a hash (and enum hashes change from run to run), which would serve one's
        // estimate for the other and make fits depend on evaluation order
        OpEstimate e = lookup(op + "|" + inputs, specText(p, device.memory()), () -> simulate(op, inputs, device, p));
        front.put(fk, e);
        return e;
    }

    /**
     * The estimate of a signature text {@code op}|{@code specs}: from the memo, else the store, else
     * simulated (and kept in both).
     */
    private OpEstimate lookup(String op, Specs sp, java.util.function.Supplier<OpEstimate> simulate) {
        String specs = sp.text();
        long key = KernelCache.key(op, sp.fingerprint());
        OpEstimate hit = cache.get(key, op, specs);
        if (hit != null) {
            return hit;
        }
        if (store != null) {
            java.util.Optional<OpEstimate> stored = store.load(key, op, specs, sp.fingerprint());
            if (stored.isPresent()) {
                cache.put(key, op, specs, stored.get());
                return stored.get();
            }
        }
        OpEstimate e = simulate.get();
        simulations.incrementAndGet();
        cache.put(key, op, specs, e);
        if (store != null) {
            store.save(key, op, specs, sp.fingerprint(), e);
        }
        return e;
    }

    private OpEstimate simulate(Op op, List<TensorType> in, DeviceSpec device, ProcessorSpec p) {
        long flops = op.flops(in);
        long bytes = op instanceof Collective ? 0 : op.traffic(in).total();
        RooflineCostModel.Bound roof = RooflineCostModel.bound(op, in, device, p);
        if (op instanceof Split || op instanceof Concat || op instanceof Repeat) {
            return OpEstimate.of(op.mnemonic(), new WorkBreakdown(0, 0, 0, 0, 0, 0, 0, 0, "", 0, 0, p.clockMHz(), false), flops, bytes,
                    0, p.name());
        }
        if (op instanceof Collective) {
            throw new KernelException("kernel models do not time collective " + op.mnemonic() + ": the system level does");
        }
        DType dt = RooflineCostModel.computeDType(op, in);
        WorkBreakdown w = op instanceof ExpertFfn f && f.mixed() ? mixed(f, in, device, p, dt) : work(op, in, device, p, dt, flops, bytes);
        if (w == null) {
            return OpEstimate.of(op.mnemonic(), new WorkBreakdown(Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, 0, 0, 0, 0, 0, 0, "", 0,
                    0, p.clockMHz(), false), flops, bytes, roof.seconds(), p.name());
        }
        return OpEstimate.of(op.mnemonic(), w, flops, bytes, roof.seconds(), p.name());
    }

    private WorkBreakdown simulatePim(Op op, List<TensorType> in, DeviceSpec device, ProcessorSpec p, DType dt, long flops, long bytes) {
        PimKernelModel m = pim(device, p);
        DType mdt = p.macsPerCycle().containsKey(dt) ? dt : DType.FP16;
        WorkBreakdown w = m.gemmOp(op, in, mdt, bytes);
        if (w != null && op instanceof ExpertFfn f && f.compressed()) {
            return compressedOnPim(f, w, p, mdt);
        }
        if (w != null) {
            return w;
        }
        return m.stream(flops, bytes, mdt, DerivedFigures.bandwidthSeenGBps(device, p));
    }

    private WorkBreakdown simulateEngine(Op op, List<TensorType> in, DeviceSpec device, ProcessorSpec p, DType dt, long flops) {
        EngineContext ctx = context(device, p);
        int macs = ctx.macs(dt);
        int inB = Math.max(1, dt.bits() / 8);
        double eff = ctx.matrixEfficiency(dt);
        Traffic tr = op.traffic(in);
        if (macs == 0 && (op instanceof MatMul || op instanceof GroupedMatMul || op instanceof ExpertFfn || op instanceof Attention
                || op instanceof MlaAttention || op instanceof BatchMatMul || (op instanceof LightningIndexer && ctx.macs(DType.FP8_E4M3) == 0))) {
            return null; // no matrix units for this dtype
        }
        if (op instanceof MatMul mm) {
            TensorType x = in.get(0);
            long rows = mm.batch() > 1 && x.rank() == 3 ? x.shape().dim(1) : x.rows();
            return GemmModel.run(ctx, List.of(new GemmModel.Shape(rows, mm.n(), mm.k(), mm.batch())), inB, inB, macs, eff);
        }
        if (op instanceof GroupedMatMul gm) {
            List<GemmModel.Shape> shapes = new ArrayList<>();
            for (int g = 0; g < gm.groups(); g++) {
                shapes.add(new GemmModel.Shape(gm.tokens().getLong(g), gm.n(), gm.k(), 1));
            }
            return GemmModel.run(ctx, shapes, inB, inB, macs, eff);
        }
        if (op instanceof ExpertFfn f && f.totalTokens() == 0) {
            // a tile whose experts received no tokens (overlap tile/fused): no work, no kernel
            return new WorkBreakdown(0, 0, 0, 0, 0, 0, 0, 0, "", 0, 0, p.clockMHz(), false);
        }
        if (op instanceof ExpertFfn f) {
            // two grouped GEMM kernels: gate+up fused (2·ffn columns for SwiGLU), then down
            long up = f.activation().upColumns(f.ffn());
            List<GemmModel.Shape> first = new ArrayList<>();
            List<GemmModel.Shape> second = new ArrayList<>();
            for (int x = 0; x < f.experts(); x++) {
                long t = f.tokens().getLong(x);
                first.add(new GemmModel.Shape(t, up, f.hidden(), 1));
                second.add(new GemmModel.Shape(t, f.hidden(), f.ffn(), 1));
            }
            // compressed experts: B in the format's bytes per weight, decoded per tile on the vector lanes
            double wB = f.compressed() ? f.wfmt().bytesPerWeight() : inB;
            int dq = f.compressed() ? f.wfmt().dequantInstructions(dt) : 0;
            WorkBreakdown a = GemmModel.run(ctx, first, inB, inB, macs, eff, wB, dq);
            WorkBreakdown b = GemmModel.run(ctx, second, inB, inB, macs, eff, wB, dq);
            return a == null ? b : b == null ? a : sum(a, b);
        }
        if (op instanceof Router r) {
            return GemmModel.run(ctx, List.of(new GemmModel.Shape(in.get(0).rows(), r.experts(), r.hidden(), 1)), inB, inB, macs, eff);
        }
        if (op instanceof BatchMatMul bm) {
            TensorType a = in.get(0);
            int rank = a.rank();
            long m = a.shape().dim(rank - 2);
            long k = a.last();
            TensorType b = in.get(1);
            long n = bm.transposeB() ? b.shape().dim(rank - 2) : b.last();
            long lead = a.elements() / (m * k);
            return GemmModel.run(ctx, List.of(new GemmModel.Shape(m, n, k, lead)), inB, inB, macs, eff);
        }
        if (op instanceof Attention a) {
            long group = a.heads() / a.kvHeads();
            return AttentionModel.run(ctx, a.batch() * a.kvHeads(), group * a.qLen(), a.qLen(), a.kvLen(), a.headDim(), a.headDim(),
                    a.causal(), tr.total(), macs, eff);
        }
        if (op instanceof LightningIndexer li) {
            // DeepGEMM's fp8 MQA-logits kernel: the indexer heads of a query token share one key (MQA), scores only
            // (a value width of 1 stands for the weighted sum over the heads), on the fp8 matrix units where there are any
            int fp8 = ctx.macs(DType.FP8_E4M3);
            return AttentionModel.run(ctx, li.batch(), (long) li.heads() * li.qLen(), li.qLen(), li.kvLen(), li.headDim(), 1, true, tr.total(),
                    fp8 > 0 ? fp8 : macs, fp8 > 0 ? ctx.matrixEfficiency(DType.FP8_E4M3) : eff);
        }
        if (op instanceof MlaAttention a && a.sparse() && !a.isDecode() && a.kvLen() > a.topk()) {
            // a sparse prefill chunk: each query over its own min(position + 1, top-k) selected keys; as a flat (non-causal)
            // walk of the mean keys per query, the pairs' count kept
            long keys = (a.pairsPerSequence() + a.qLen() - 1) / a.qLen();
            return AttentionModel.run(ctx, a.batch() * a.heads(), a.qLen(), a.qLen(), keys, (long) a.nopeDim() + a.ropeDim(), a.vHeadDim(), false,
                    tr.total(), macs, eff);
        }
        if (op instanceof MlaAttention a) {
            long rows = (long) a.heads() * a.qLen();
            if (a.absorbed() && a.qLen() > 1 && a.isDecode() && rows > AttentionModel.BLOCK_Q) {
                // a decode-shaped verifier pass (k + 1 query tokens per sequence) of more query rows than one CTA tile holds
                // (heads x query tokens; DeepSeek-V3 under attention DP has all 128 heads on a rank): FlashMLA-style, the rows
                // split into tiles of BLOCK_Q, each a decode CTA streaming the sequence's latent KV (its DRAM bytes counted
                // once, tr.total()). The prefill branch would tile each head's k + 1 queries on their own, a 128-row tile each.
                long tiles = (rows + AttentionModel.BLOCK_Q - 1) / AttentionModel.BLOCK_Q;
                return AttentionModel.run(ctx, a.batch() * tiles, (rows + tiles - 1) / tiles, 1, a.attendedKeys(), a.cacheWidth(), a.kvLoraRank(),
                        a.causal(), tr.total(), macs, eff);
            }
            if (a.absorbed()) {
                // sparse (DSA): a decode query walks its top-k selected keys (FlashMLA's sparse decode kernel)
                return AttentionModel.run(ctx, a.batch(), (long) a.heads() * a.qLen(), a.qLen(), a.attendedKeys(), a.cacheWidth(), a.kvLoraRank(),
                        a.causal(), tr.total(), macs, eff);
            }
            return AttentionModel.run(ctx, a.batch() * a.heads(), a.qLen(), a.qLen(), a.kvLen(), (long) a.nopeDim() + a.ropeDim(),
                    a.vHeadDim(), a.causal(), tr.total(), macs, eff);
        }
        if (op instanceof GatedDeltaNet g && !g.isDecode() && macs > 0) {
            return gatedDeltaNetChunked(ctx, g, in, tr, inB, macs, eff);
        }
        if (op instanceof Embedding e) {
            // gathered rows land at random addresses; the output is written sequentially
            int rowBytes = (int) Math.min(Integer.MAX_VALUE, e.wdtype().bytesFor(e.hidden()));
            return StreamModel.run(ctx, 0, tr.activationBytes(), new AccessPattern.Random(rowBytes), tr.weightBytes());
        }
        if (op instanceof Dispatch || op instanceof Combine) {
            TensorType x = in.get(0);
            int rowBytes = (int) Math.min(Integer.MAX_VALUE, x.dtype().bytesFor(x.last()));
            return StreamModel.run(ctx, flops, tr.activationWriteBytes(), new AccessPattern.Random(rowBytes), tr.activationReadBytes());
        }
        if (op instanceof KvAppend) {
            TensorType x = in.get(0);
            int rowBytes = (int) Math.min(Integer.MAX_VALUE, x.dtype().bytesFor(x.last()));
            return StreamModel.run(ctx, 0, tr.activationBytes(), new AccessPattern.Random(Math.max(32, rowBytes)), tr.kvBytes());
        }
        return StreamModel.run(ctx, flops, tr.total(), null, 0);
    }

    /**
     * Compressed experts on a PIM processor. The module simulation streams the weights at the MACs'
     * width ({@code mdt}); a format of fewer bits moves the same weights in a fraction r of the bytes,
     * so the weight-stream time scales by r. The PIM engines have no vector unit in the specs, so the
     * decode runs on the MACs: one MAC slot per dequantisation instruction per weight, on all engines.
     * Busy time = max(module compute + decode, module busy time × r) (decode is not hidden under the
     * MACs' own work, the stream is). The modules' datapath stays as specified (fp16 weights per
     * clock), so compressed storage shortens only the time they stall on bundle reads: Duplex's
     * modules are balanced to their bundle rate, so on Logic-PIM a compressed expert gains little
     * and pays its decode, and the placement moves experts to the xPU.
     */
    private static WorkBreakdown compressedOnPim(ExpertFfn f, WorkBreakdown w, ProcessorSpec p, DType mdt) {
        long weights = Math.multiplyExact((long) f.activeExperts(), f.paramsPerExpert());
        if (weights == 0) {
            return w;
        }
        double r = (double) f.wfmt().bytesFor(weights) / mdt.bytesFor(weights);
        double macs = p.macsPerCycle().getOrDefault(mdt, p.macsPerCycle().values().stream().findFirst().orElse(1.0));
        double decode = weights * (double) f.wfmt().dequantInstructions(mdt) / (macs * p.engines() * p.clockMHz() * 1e6);
        double busy = w.totalSeconds() - w.launchSeconds();
        double busy2 = Math.max(w.computeSeconds() + decode, busy * r);
        long dram = Math.max(Math.round(w.dramBytes() * r), f.wfmt().bytesFor(weights));
        return new WorkBreakdown(w.launchSeconds() + busy2, w.computeSeconds() + decode, w.memorySeconds(), w.launchSeconds(),
                w.fillDrainSeconds(), dram, w.waves(), w.tiles(), w.tile(), w.rowHitRate(), w.refreshShare(), w.clockMHz(), w.extrapolated());
    }

    /**
     * Experts of several formats on one processor: one grouped GEMM (pair) per format, one after
     * another (a grouped GEMM kernel takes one B format, as Marlin, Machete and CUTLASS mixed-input
     * GEMMs do), each timed as a uniform op; their breakdowns add.
     */
    private WorkBreakdown mixed(ExpertFfn f, List<TensorType> in, DeviceSpec device, ProcessorSpec p, DType dt) {
        WorkBreakdown w = null;
        for (ExpertFfn g : f.byFormat()) {
            List<TensorType> gin = List.of(TensorType.of(in.get(0).dtype(), g.totalTokens(), f.hidden()));
            WorkBreakdown b = work(g, gin, device, p, dt, g.flops(gin), g.traffic(gin).total());
            if (b == null) {
                return null;
            }
            w = w == null ? b : sum(w, b);
        }
        return w;
    }

    private WorkBreakdown work(Op op, List<TensorType> in, DeviceSpec device, ProcessorSpec p, DType dt, long flops, long bytes) {
        return p.kind().isPim() ? simulatePim(op, in, device, p, dt, flops, bytes) : simulateEngine(op, in, device, p, dt, flops);
    }

    /**
     * Gated DeltaNet's chunked form (prefill) as flash-linear-attention runs it: the per-chunk products on the matrix
     * units, per (sequence, value head, chunk of C): K Kᵀ and Q Kᵀ (C x C x d_k), W and U (C x d_k and C x d_v over C),
     * W S and Q S (C x d_v over d_k), the intra-chunk (Q Kᵀ) v' (C x d_v over C) and the state update Kᵀ v' (d_k x d_v
     * over C), as one grouped GEMM (the chunk states it writes and reads back are its operands); then the conv and
     * the rest as a stream over the op's other bytes (inputs, output, weights, the sequence state).
     */
    private static WorkBreakdown gatedDeltaNetChunked(EngineContext ctx, GatedDeltaNet g, List<TensorType> in, Traffic tr, int inB, int macs,
            double eff) {
        long c = Math.min(g.chunk(), g.qLen());
        long n = g.batch() * g.valueHeads() * g.chunks();
        long dk = g.keyDim();
        long dv = g.valueDim();
        List<GemmModel.Shape> shapes = List.of(new GemmModel.Shape(c, c, dk, 2 * n), new GemmModel.Shape(c, dk, c, n), new GemmModel.Shape(c, dv, c, 2 * n),
                new GemmModel.Shape(c, dv, dk, 2 * n), new GemmModel.Shape(dk, dv, c, n));
        WorkBreakdown mm = GemmModel.run(ctx, shapes, inB, inB, macs, eff);
        long chunkStates = in.get(0).dtype().bytesFor(n * dk * dv);
        long conv = 2L * g.convKernel() * g.convDim() * g.qLen() * g.batch();
        WorkBreakdown rest = StreamModel.run(ctx, conv, tr.total() - 2 * chunkStates, null, 0);
        return mm == null ? rest : sum(mm, rest);
    }

    private static WorkBreakdown sum(WorkBreakdown a, WorkBreakdown b) {
        return new WorkBreakdown(a.totalSeconds() + b.totalSeconds(), a.computeSeconds() + b.computeSeconds(),
                a.memorySeconds() + b.memorySeconds(), a.launchSeconds() + b.launchSeconds(), a.fillDrainSeconds() + b.fillDrainSeconds(),
                a.dramBytes() + b.dramBytes(), a.waves() + b.waves(), a.tiles() + b.tiles(), a.tile() + "+" + b.tile(),
                (a.rowHitRate() + b.rowHitRate()) / 2, Math.max(a.refreshShare(), b.refreshShare()), a.clockMHz(),
                a.extrapolated() || b.extrapolated());
    }

    synchronized EngineContext context(DeviceSpec device, ProcessorSpec p) {
        return new EngineContext(device, p, hbm(device.memory()));
    }

    public synchronized HbmModel hbm(MemorySpec m) {
        return hbms.computeIfAbsent(m, HbmModel::new);
    }

    synchronized PimKernelModel pim(DeviceSpec device, ProcessorSpec p) {
        return pims.computeIfAbsent(p, q -> new PimKernelModel(q, device.memory()));
    }
}
