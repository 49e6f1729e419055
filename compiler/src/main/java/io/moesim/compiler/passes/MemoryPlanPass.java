package io.moesim.compiler.passes;

import io.moesim.compiler.CompilerException;
import io.moesim.compiler.StagedPass;
import io.moesim.compiler.PassContext;
import io.moesim.compiler.Program;
import io.moesim.compiler.Stage;
import io.moesim.compiler.plan.DeviceMemory;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.Node;
import io.moesim.ir.graph.Value;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.GatedDeltaNet;
import io.moesim.ir.op.LightningIndexer;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.MlaAttention;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.Repeat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Checks that each device holds its weights, KV cache and activations within its memory, as much as its driver reports
 * ({@link io.moesim.hw.MemorySpec#reportedBytes}: 81,559 MiB = 85.5 GB on an H100, where the datasheet says 80 GB). Weights:
 * every op's parameters in its pipeline stage (after slicing: experts/ep, heads/tp). KV cache: the
 * context of the attention ops (batch/dp × kv_len × cache width, kv_heads/tp). Activations: twice
 * the largest working set of one op (inputs + outputs), as double-buffered kernels need. When a
 * device does not fit, the error says which, by how much, and which simple changes would fit.
 */
public final class MemoryPlanPass extends StagedPass {
    public static final String NAME = "plan-memory";

    public MemoryPlanPass() {
        super(NAME, Set.of(Stage.PARALLELIZED), Set.of(Stage.MEMORY_PLANNED));
    }
    private static final double GB = 1e9;




    /** What one pipeline stage's devices hold. */
    record StageNeed(long weights, long expertWeights, long weightsFp8, long kv, long activations) {
        long total() {
            return weights + kv + activations;
        }
    }

    @Override
    public Program run(Program in, PassContext ctx) {
        ParallelLayout layout = in.require(ParallelLayout.class, NAME);
        long capacity = (long) in.system().device().memory().reportedBytes();
        List<StageNeed> stages = stageNeeds(in.graph(), layout);
        List<DeviceMemory> out = new ArrayList<>();
        List<Long> experts = new ArrayList<>();
        for (int d = 0; d < layout.devices(); d++) {
            StageNeed s = stages.get(d / layout.stageDevices());
            out.add(new DeviceMemory(d, s.weights(), s.kv(), s.activations(), capacity));
            experts.add(s.expertWeights());
        }
        for (DeviceMemory m : out) {
            if (!m.fits()) {
                throw new CompilerException(NAME, message(m, stages.get(m.device() / layout.stageDevices()), layout, capacity));
            }
        }
        DeviceMemory worst = out.stream().max(java.util.Comparator.comparingLong(DeviceMemory::totalBytes)).orElseThrow();
        ctx.note(() -> String.format(Locale.ROOT, "memory: device %d holds %.1f GB of %s GB (weights %.1f, KV cache %.1f, activations %.2f)",
                worst.device(), worst.totalBytes() / GB, trim(capacity / GB), worst.weightBytes() / GB, worst.kvCacheBytes() / GB,
                worst.activationBytes() / GB));
        return in.with(MemoryPlan.class, new MemoryPlan(out, experts));
    }

    static List<StageNeed> stageNeeds(Graph g, ParallelLayout layout) {
        int pp = layout.pp();
        long layers = 0;
        for (Node n : g.nodes()) {
            if (n.op() instanceof Repeat r) {
                layers += r.count();
            }
        }
        long[][] acc = new long[pp][5];
        long[] act = new long[pp];
        long layer = 0;
        for (Node n : g.nodes()) {
            if (n.op() instanceof Repeat r) {
                for (long c = 0; c < r.count(); c++) {
                    int stage = (int) (layer * pp / Math.max(1, layers));
                    for (Node b : n.body().nodes()) {
                        add(acc[stage], act, stage, b);
                    }
                    layer++;
                }
            } else {
                add(acc[layer == 0 ? 0 : pp - 1], act, layer == 0 ? 0 : pp - 1, n);
            }
        }
        List<StageNeed> out = new ArrayList<>();
        for (int s = 0; s < pp; s++) {
            out.add(new StageNeed(acc[s][0], acc[s][1], acc[s][2], acc[s][3], 2 * act[s]));
        }
        return out;
    }

    private static void add(long[] acc, long[] act, int stage, Node n) {
        List<TensorType> in = GraphWalk.types(n.operands());
        // a tied head on a later pipeline stage than the embedding's (the first) holds its own copy of the table
        Op op = stage > 0 && n.op() instanceof MatMul m ? m.untied() : n.op();
        acc[0] += WeightBytes.of(op);
        if (n.op() instanceof ExpertFfn f && f.routed()) {
            acc[1] += WeightBytes.of(n.op());
        }
        acc[2] += WeightBytes.as(op, DType.FP8_E4M3);
        acc[3] += kvBytes(n);
        long ws = 0;
        for (TensorType t : in) {
            ws += t.bytes();
        }
        for (Value v : n.results()) {
            ws += v.type().bytes();
        }
        act[stage] = Math.max(act[stage], ws);
    }

    /** The KV cache an attention op keeps: its sequences' whole context (a linear-attention layer: its sequences' states). */
    static long kvBytes(Node n) {
        if (n.op() instanceof Attention a) {
            long ctxLen = a.window() > 0 ? Math.min(a.window(), a.kvLen()) : a.kvLen();
            return a.kvDtype().bytesFor(a.batch() * ctxLen * 2L * a.kvHeads() * a.headDim());
        }
        if (n.op() instanceof MlaAttention m) {
            return m.kvDtype().bytesFor(m.batch() * m.kvLen() * m.cacheWidth());
        }
        if (n.op() instanceof LightningIndexer li) {
            return li.batch() * li.kvLen() * li.keyBytes(); // the indexer's own fp8 key cache
        }
        if (n.op() instanceof GatedDeltaNet g) {
            return g.stateDtype().bytesFor(g.batch() * g.stateElements()); // a fixed state per sequence, whatever the context
        }
        return 0;
    }

    static String message(DeviceMemory m, StageNeed s, ParallelLayout layout, long capacity) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "does not fit: device %d needs %.1f GB, has %s GB (weights %.1f GB, KV cache %.1f GB",
                m.device(), m.totalBytes() / GB, trim(capacity / GB), s.weights() / GB, s.kv() / GB));
        if (s.activations() >= 0.05 * GB) {
            sb.append(String.format(Locale.ROOT, ", activations %.1f GB", s.activations() / GB));
        }
        sb.append(')');
        List<String> fits = new ArrayList<>();
        int ep = layout.moe().ep();
        int devices = layout.devices();
        if (s.expertWeights() > 0) {
            int spare = layout.moe().dp() * layout.moe().tp();
            if (spare > 1) {
                long need = s.total() - s.expertWeights() + s.expertWeights() / spare;
                if (need <= capacity) {
                    fits.add(String.format(Locale.ROOT, "a larger expert-parallel degree (ep=%d on the same %d devices: %.1f GB)", ep * spare, devices,
                            need / GB));
                }
            }
        }
        for (int k = 2; k <= 16; k *= 2) {
            // k times the devices: experts k-ways more spread, sequences (and so KV cache) k-ways more split
            long need = s.weights() - s.expertWeights() + s.expertWeights() / k + s.kv() / k + s.activations();
            if (need <= capacity) {
                fits.add(String.format(Locale.ROOT, "more devices (%d, with %s: %.1f GB)", devices * k,
                        s.expertWeights() > 0 ? "ep=" + ep * k : "dp=" + layout.attention().dp() * k, need / GB));
                break;
            }
        }
        long fp8 = s.weightsFp8() + s.kv() + s.activations();
        if (fp8 < s.total() && fp8 <= capacity) {
            fits.add(String.format(Locale.ROOT, "fp8 weights (%.1f GB)", fp8 / GB));
        }
        if (fits.isEmpty()) {
            sb.append("; no simple change fits: try more devices, a larger expert-parallel degree, or fp8 weights together");
        } else {
            sb.append("; would fit: ").append(String.join(", ", fits));
        }
        return sb.toString();
    }

    private static String trim(double gb) {
        return gb == Math.rint(gb) ? Long.toString((long) gb) : String.format(Locale.ROOT, "%.1f", gb);
    }

}
