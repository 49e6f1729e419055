package io.moesim.sim.kernel.pim;

import io.moesim.hw.MemorySpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.GroupedMatMul;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.MlaAttention;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.Router;
import io.moesim.sim.kernel.engine.WorkBreakdown;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Ops on a PIM processor (Logic-PIM, BankGroup-PIM, Bank-PIM), as GEMMs of weights streamed from
 * the DRAM arrays into the engines.
 *
 * <p><b>Work split</b>: a weight matrix W (K×N, N outputs) is column-sliced over all engines of all
 * stacks ({@code ceil(N/E)} rows each, as Duplex slices every expert over all stacks); when N is
 * smaller than the engine count, K is split as well (partial sums, their reduction not timed).
 * Expert FFNs run expert after expert (gate and up fused into one 2·ffn-row pass, then down).
 * Decode attention: per (sequence, KV head) Kᵀ·q (N = kv_len rows, K = head_dim, M = the query
 * heads of the group) and V·p (N = head_dim, K = kv_len); units spread over the engines, or split
 * along kv_len when fewer than the engines. The softmax unit runs beside the stream (not timed).
 * Other ops stream their bytes at the internal bandwidth with the MACs as their ALUs.
 *
 * <p>Every engine does the same work, so one engine is simulated (its module cycle by cycle, its
 * pseudo-channel's bundle reads access by access) and the processor finishes when it does.
 */
public final class PimKernelModel {
    /** Command issue from the host to the PIM stacks per kernel (an assumption; a calibration candidate). */
    public static final double LAUNCH_SECONDS = 0.5e-6;
    private static final int PROFILE_STEPS = 1 << 18;

    private final ProcessorSpec processor;
    private final MemorySpec memory;
    private final Map<DType, PimModuleConfig> configs = new HashMap<>();
    private final Map<GemmKey, PimGemmModuleSim.Result> gemms = new HashMap<>();
    private final Map<DType, Double> psPerStep = new HashMap<>();

    private record GemmKey(DType dtype, long m, long n, long k) {
    }

    /** GEMMs of one shape but their tokens share their first whole token groups' simulation. */
    private record ShapeKey(DType dtype, long n, long k) {
    }

    private final Map<ShapeKey, PimGemmModuleSim.Checkpoints> checkpoints = new HashMap<>();

    /** One engine's share of a kernel: GEMMs it runs in sequence, count times each. */
    private record Gemm(long m, long n, long k, long count) {
    }

    public PimKernelModel(ProcessorSpec processor, MemorySpec memory) {
        this.processor = processor;
        this.memory = memory;
    }

    public PimModuleConfig config(DType dtype) {
        return configs.computeIfAbsent(dtype, d -> PimModuleConfig.of(processor, memory, d));
    }

    /** One engine's GEMM, memoised by shape. */
    public synchronized PimGemmModuleSim.Result gemm(DType dtype, long m, long n, long k) {
        GemmKey key = new GemmKey(dtype, m, n, k);
        PimGemmModuleSim.Result r = gemms.get(key);
        if (r == null) {
            PimModuleConfig c = config(dtype);
            // only a GEMM of at least one whole token group keeps or uses checkpoints
            boolean grouped = m >= (long) c.params().lanes() * c.params().slotsPerLane();
            r = PimGemmModuleSim.gemm(c, new BundleStream(processor.pim().orElseThrow(), memory), m, n, k, PimGemmModuleSim.DEFAULT_CHUNK_BUDGET,
                    grouped ? checkpoints.computeIfAbsent(new ShapeKey(dtype, n, k), x -> new PimGemmModuleSim.Checkpoints()) : null);
            gemms.put(key, r);
        }
        return r;
    }

    /** Average ps per bundle step of a free-running stream (row switches and refresh included). */
    public synchronized double psPerStep(DType dtype) {
        return psPerStep.computeIfAbsent(dtype, d -> {
            BundleStream s = new BundleStream(processor.pim().orElseThrow(), memory);
            long last = 0;
            for (int i = 0; i < PROFILE_STEPS; i++) {
                last = s.nextStep(0);
            }
            return (double) last / PROFILE_STEPS;
        });
    }

    /** Null when the op is not GEMM-like (the caller streams it instead). */
    public WorkBreakdown gemmOp(Op op, List<TensorType> in, DType dtype, long minBytes) {
        List<Gemm> work = split(op, in);
        if (work == null) {
            return null;
        }
        PimModuleConfig c = config(dtype);
        PimGemmModuleSim.Result total = PimGemmModuleSim.Result.ZERO;
        for (Gemm g : work) {
            if (g.count > 0) {
                total = total.plus(gemm(dtype, g.m, g.n, g.k).times(g.count));
            }
        }
        double cycleS = 1e-6 / processor.clockMHz();
        double compute = (total.cycles() - total.stallCycles()) * cycleS;
        double busy = total.cycles() * cycleS;
        // memory side: the op's minimum traffic at the stream's rate (row switches and refresh
        // included), so "compute" means the module's passes, not DRAM, set the pace; the weights
        // re-streamed per pass of lanes tokens show up in dram_bytes
        long pcs = Math.max(1, c.engines() / c.enginesPerPc());
        double stepBytes = (double) c.params().bundleBits() / 8 * c.chunksPerStep() * c.enginesPerPc();
        double steps = minBytes / (stepBytes * pcs);
        double memory = steps * psPerStep(dtype) * 1e-12;
        long dramBytes = Math.round(total.chunks() * (double) c.params().bundleBits() / 8 * c.engines());
        BundleStream probe = new BundleStream(processor.pim().orElseThrow(), this.memory);
        double rowHit = 1.0 - 1.0 / probe.accessesPerRow();
        double refresh = (double) this.memory.timing().tRFCps() / this.memory.timing().tREFIps();
        return new WorkBreakdown(LAUNCH_SECONDS + busy, compute, memory, LAUNCH_SECONDS, 0, Math.max(dramBytes, minBytes),
                total.calls(), total.calls() * c.engines(), c.params().lanes() + "x" + c.params().weightsPerStep(), rowHit, refresh,
                processor.clockMHz(), total.extrapolated());
    }

    /** Streaming ops: bytes at the internal bandwidth, FLOPs on the MACs. */
    public WorkBreakdown stream(long flops, long bytes, DType dtype, double internalGBps) {
        PimModuleConfig c = config(dtype);
        double peak = (double) c.params().macs() * 2 * c.engines() * processor.clockMHz() * 1e6;
        double compute = flops / peak;
        double mem = bytes / (internalGBps * 1e9);
        BundleStream probe = new BundleStream(processor.pim().orElseThrow(), memory);
        double efficiency = probe.stepPs() / psPerStep(dtype);
        mem /= efficiency;
        double latency = (memory.timing().tRCDps() + memory.timing().tCLps()) * 1e-12;
        double total = LAUNCH_SECONDS + latency + Math.max(compute, mem);
        return new WorkBreakdown(total, compute, mem, LAUNCH_SECONDS, latency, bytes, 1, c.engines(), "", 1 - 1.0 / probe.accessesPerRow(),
                (double) memory.timing().tRFCps() / memory.timing().tREFIps(), processor.clockMHz(), false);
    }

    private List<Gemm> split(Op op, List<TensorType> in) {
        long e = processor.engines();
        if (op instanceof MatMul mm) {
            TensorType x = in.get(0);
            long rows = mm.batch() > 1 && x.rank() == 3 ? x.shape().dim(1) : x.rows();
            return weight(rows, mm.n(), mm.k(), mm.batch(), e);
        }
        if (op instanceof GroupedMatMul gm) {
            java.util.ArrayList<Gemm> out = new java.util.ArrayList<>();
            for (int g = 0; g < gm.groups(); g++) {
                out.addAll(weight(gm.tokens().getLong(g), gm.n(), gm.k(), 1, e));
            }
            return out;
        }
        if (op instanceof ExpertFfn f) {
            java.util.ArrayList<Gemm> out = new java.util.ArrayList<>();
            long upRows = f.activation().upColumns(f.ffn());
            for (int x = 0; x < f.experts(); x++) {
                long t = f.tokens().getLong(x);
                out.addAll(weight(t, upRows, f.hidden(), 1, e));
                out.addAll(weight(t, f.hidden(), f.ffn(), 1, e));
            }
            return out;
        }
        if (op instanceof Router r) {
            return weight(in.get(0).rows(), r.experts(), r.hidden(), 1, e);
        }
        if (op instanceof Attention a) {
            long units = a.batch() * a.kvHeads();
            long group = (long) a.heads() / a.kvHeads() * a.qLen();
            return attention(units, group, a.kvLen(), a.headDim(), a.headDim(), e);
        }
        if (op instanceof MlaAttention a) {
            if (a.absorbed()) {
                return attention(a.batch(), (long) a.heads() * a.qLen(), a.attendedKeys(), a.cacheWidth(), a.kvLoraRank(), e);
            }
            return attention(a.batch() * a.heads(), a.qLen(), a.kvLen(), (long) a.nopeDim() + a.ropeDim(), a.vHeadDim(), e);
        }
        return null;
    }

    /** W (k×n) applied to m tokens, count independent weights, over e engines. */
    private static List<Gemm> weight(long m, long n, long k, long count, long e) {
        if (m == 0) {
            return List.of();
        }
        if (n >= e) {
            return List.of(new Gemm(m, (n + e - 1) / e, k, count));
        }
        long kSplit = Math.max(1, e / n);
        return List.of(new Gemm(m, 1, (k + kSplit - 1) / kSplit, count));
    }

    /** units of (scores: kv_len rows × qkDim; values: vDim rows × kv_len) with m query rows each. */
    private static List<Gemm> attention(long units, long m, long kvLen, long qkDim, long vDim, long e) {
        if (units >= e) {
            long perEngine = (units + e - 1) / e;
            return List.of(new Gemm(m, kvLen, qkDim, perEngine), new Gemm(m, vDim, kvLen, perEngine));
        }
        long split = Math.max(1, Math.min(kvLen, e / units));
        long part = (kvLen + split - 1) / split;
        return List.of(new Gemm(m, part, qkDim, 1), new Gemm(m, vDim, part, 1));
    }
}
