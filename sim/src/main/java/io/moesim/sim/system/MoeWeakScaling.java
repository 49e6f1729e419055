package io.moesim.sim.system;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.CompileOptions.Parallelism;
import io.moesim.compiler.Compiler;
import io.moesim.compiler.cost.CostModel;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.GraphBuilder;
import io.moesim.ir.graph.Value;
import io.moesim.ir.op.Combine;
import io.moesim.ir.op.Dispatch;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.FfnActivation;
import io.moesim.ir.op.Router;
import io.moesim.ir.op.Scoring;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * FlashMoE's weak-scaling efficiency of one distributed MoE layer (Aimuyo, Oh and Singh, "FlashDMoE: Fast
 * Distributed MoE in a Single Kernel", arXiv 2506.04667, Fig. 1c "Weak Scaling across GPUs"):
 * T(2 GPUs) / T(N GPUs) with the work per GPU held fixed, so 1 is perfect and communication that is not
 * hidden drives it down as the share of tokens that leave their GPU grows from 1/2 to (N−1)/N.
 *
 * <p>The layer is a router, dispatch, expert FFNs and combine over {@code tokensPerDevice·N} tokens and
 * {@code expertsPerDevice·N} experts, top-k, routed uniformly (every expert the same number of token
 * copies, so each GPU's GEMM work is the same at every N), compiled with expert parallelism N (one
 * expert group per GPU, tokens split N ways) and the given overlap, and simulated event by event on
 * {@code DEVICExN}. T is the plan's makespan.
 *
 * <p><b>Fewer experts per GPU than GPUs</b> (Mixtral-8x7B on 8: one expert each). FlashDMoE's own setups
 * hold many experts per GPU (up to 128 experts on 8 H100s), so the paper does not define this case. moesim
 * splits a GPU's token copies among the experts of a block of consecutive experts ({@code TokenShards}); with
 * one expert per GPU a GPU's copies would stay on that GPU and the layer would never communicate. So each
 * expert is cut into {@code s} slices of {@code ffn/s} (expert tensor parallelism across GPUs: every copy of a
 * token goes to all s slices of its expert and their partial outputs are summed in the combine), s the
 * smallest divisor of ffn with {@code experts per GPU · s >= N}. Each GPU keeps its weights and its GEMM
 * FLOPs (epd·s slices of ffn/s over k·s copies a token), every GPU's tokens reach every GPU, and the copies
 * a token sends grow s-fold, as they do under expert tensor parallelism. The shape is fixed for N, so T(2)
 * and T(N) run the same per-GPU work.
 */
public final class MoeWeakScaling {
    private MoeWeakScaling() {
    }

    /**
     * The shape of the layer per GPU ({@code expertsPerDevice}, {@code topK} and {@code ffn} count slices where
     * {@code slices} > 1: the model's experts are each cut into that many).
     */
    public record Shape(int expertsPerDevice, int topK, long tokensPerDevice, long hidden, long ffn, DType dtype, int slices) {
        public Shape {
            if (expertsPerDevice < 1 || topK < 1 || tokensPerDevice < 1 || hidden < 1 || ffn < 1 || slices < 1) {
                throw new IllegalArgumentException("bad MoE layer shape " + expertsPerDevice + " experts/GPU, top-" + topK + ", "
                        + tokensPerDevice + " tokens/GPU, hidden " + hidden + ", ffn " + ffn + ", " + slices + " slices");
            }
        }

        /** Whole experts (one slice each). */
        public Shape(int expertsPerDevice, int topK, long tokensPerDevice, long hidden, long ffn, DType dtype) {
            this(expertsPerDevice, topK, tokensPerDevice, hidden, ffn, dtype, 1);
        }
    }

    /** One point: the layer on {@code devices} GPUs took {@code layerUs}. */
    public record Point(int devices, int experts, long tokens, double layerUs) {
    }

    /** The points, ascending in devices, and T(first)/T(last). */
    public record Result(Overlap overlap, Shape shape, List<Point> points) {
        public double efficiency() {
            return points.get(0).layerUs() / points.get(points.size() - 1).layerUs();
        }

        /** Figures for a run's config echo (JSON keys). */
        public Map<String, Object> echo() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("moe_weak_scaling_efficiency", efficiency());
            m.put("moe_weak_scaling_devices", (long) points.get(points.size() - 1).devices());
            m.put("moe_weak_scaling_tokens_per_gpu", shape.tokensPerDevice());
            m.put("moe_weak_scaling_experts_per_gpu", (long) shape.expertsPerDevice());
            m.put("moe_weak_scaling_expert_slices", (long) shape.slices());
            List<Double> us = new ArrayList<>();
            for (Point p : points) {
                us.add(p.layerUs());
            }
            m.put("moe_weak_scaling_layer_us", us);
            return m;
        }
    }

    /** One MoE layer of {@code experts} experts over {@code tokens} tokens, routed uniformly. */
    public static Graph layer(int experts, int topK, long tokens, long hidden, long ffn, DType dt) {
        long copies = tokens * topK;
        if (copies % experts != 0) {
            throw new IllegalArgumentException(tokens + " tokens, top-" + topK + " do not route uniformly over " + experts + " experts");
        }
        long[] counts = new long[experts];
        Arrays.fill(counts, copies / experts);
        LongImmutableList c = LongImmutableList.of(counts);
        GraphBuilder b = new GraphBuilder("moe_layer");
        Value x = b.input("x", TensorType.of(dt, tokens, hidden));
        Value y = b.repeat("layers", 1, List.of(x), (bb, p) -> {
            Value in = p.get(0);
            List<Value> r = bb.addMulti(List.of("expert_ids", "expert_weights"), new Router(experts, topK, hidden, Scoring.SOFTMAX, 0, dt), List.of(in));
            Value xs = bb.add("dispatched", new Dispatch(experts, topK, c), in, r.get(0));
            Value ys = bb.add("expert_out", new ExpertFfn(experts, topK, c, hidden, ffn, FfnActivation.SWIGLU, dt).asRouted(), xs);
            return List.of(bb.add("moe_out", new Combine(experts, topK, c), ys, r.get(1)));
        }).get(0);
        b.output(y);
        return b.build();
    }

    /** The layer's time on {@code devices} GPUs of {@code deviceName} (e.g. "h100") under {@code overlap}. */
    public static Point point(String deviceName, int devices, Shape s, Overlap overlap, int tiles, CostModel cost, CollectiveAlgorithm algorithm) {
        SystemSpec sys = Systems.load(deviceName + "x" + devices);
        return point(sys, s, overlap, tiles, cost, algorithm);
    }

    /** The layer's time on system {@code sys} (all its devices, expert parallel) under {@code overlap}. */
    public static Point point(SystemSpec sys, Shape s, Overlap overlap, int tiles, CostModel cost, CollectiveAlgorithm algorithm) {
        int n = sys.devices();
        int experts = s.expertsPerDevice() * n;
        long tokens = s.tokensPerDevice() * n;
        Graph g = layer(experts, s.topK(), tokens, s.hidden(), s.ffn(), s.dtype());
        Parallelism attn = new Parallelism(1, 1, n, 1);
        Parallelism moe = new Parallelism(1, n, 1, 1);
        CompileOptions o = new CompileOptions(attn, moe, CompileOptions.Placement.OPB, CompileOptions.ExpertPlacement.RR, overlap, tiles, null, 10.0, 0L);
        HardwarePlan plan = Compiler.compile(g, sys, o, cost).plan();
        ExecutionResult r = io.moesim.sim.Simulator.execute(plan, sys, cost, algorithm);
        return new Point(n, experts, tokens, r.makespanPs() / 1e6);
    }

    /**
     * T(2)/T(N) on {@code base} cut to 2, 4, ... GPUs up to all of its devices (same device, links and
     * topology; a node holds as many GPUs as in {@code base}), expert parallel over all of them.
     */
    public static Result measure(SystemSpec base, Shape s, Overlap overlap, int tiles, CostModel cost, CollectiveAlgorithm algorithm) {
        int max = base.devices();
        if (max < 2) {
            throw new IllegalArgumentException("weak scaling needs at least 2 devices, system " + base.id() + " has " + max);
        }
        List<Point> pts = new ArrayList<>();
        for (int n = 2; n <= max; n = n * 2 > max && n < max ? max : n * 2) {
            pts.add(point(cut(base, n), s, overlap, tiles, cost, algorithm));
        }
        return new Result(overlap, s, List.copyOf(pts));
    }

    /** T(2)/T(N) from the two points it needs only: 2 GPUs and all of {@code base}'s N (cut from it as {@link #measure}). */
    public static Result endpoints(SystemSpec base, Shape s, Overlap overlap, int tiles, CostModel cost, CollectiveAlgorithm algorithm) {
        int max = base.devices();
        if (max < 2) {
            throw new IllegalArgumentException("weak scaling needs at least 2 devices, system " + base.id() + " has " + max);
        }
        List<Point> pts = new ArrayList<>();
        pts.add(point(cut(base, 2), s, overlap, tiles, cost, algorithm));
        if (max > 2) {
            pts.add(point(cut(base, max), s, overlap, tiles, cost, algorithm));
        }
        return new Result(overlap, s, List.copyOf(pts));
    }

    /** {@code base} with {@code n} devices. */
    static SystemSpec cut(SystemSpec base, int n) {
        int perNode = Math.min(n, base.devicesPerNode());
        int nodes = (n + perNode - 1) / perNode;
        return new SystemSpec(base.id() + "@" + n, base.name(), base.origin(), base.device(), perNode, nodes, base.intraNodeLink(),
                base.intraNodeTopology(), nodes > 1 ? base.interNodeLink() : java.util.Optional.empty(),
                nodes > 1 ? base.interNodeTopology() : java.util.Optional.empty(), base.hostLink());
    }

    /**
     * The shape of a model's MoE layer at {@code devices} GPUs: its experts spread evenly (at least one per GPU),
     * its top-k, and {@code tokensPerDevice} rounded up so that the copies route uniformly.
     */
    public static Shape shapeOf(io.moesim.ir.model.MoeConfig moe, long hidden, DType dt, int devices, long tokensPerDevice) {
        int epd = Math.max(1, moe.experts() / devices);
        int k = Math.min(moe.topK(), epd * devices);
        int s = slicesFor(epd, devices, moe.expertFfn());
        long step = epd / gcd(epd, k);
        long t = Math.max(step, (tokensPerDevice + step - 1) / step * step);
        return new Shape(epd * s, k * s, t, hidden, moe.expertFfn() / s, dt, s);
    }

    /** The slices per expert so that a GPU holds at least {@code devices} of them: the smallest divisor of ffn at least ceil(devices/epd). */
    static int slicesFor(int epd, int devices, long ffn) {
        if (epd >= devices) {
            return 1;
        }
        for (long s = (devices + epd - 1) / epd; s <= ffn; s++) {
            if (ffn % s == 0) {
                return Math.toIntExact(s);
            }
        }
        return Math.toIntExact(ffn);
    }

    static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** T(2)/T(N) on DEVICEx2 ... DEVICExN (N a power of two, at least 2). */
    public static Result measure(String deviceName, int maxDevices, Shape s, Overlap overlap, int tiles, CostModel cost, CollectiveAlgorithm algorithm) {
        if (maxDevices < 2) {
            throw new IllegalArgumentException("weak scaling needs at least 2 devices, got " + maxDevices);
        }
        List<Point> pts = new ArrayList<>();
        for (int n = 2; n <= maxDevices; n *= 2) {
            pts.add(point(deviceName, n, s, overlap, tiles, cost, algorithm));
        }
        if (pts.get(pts.size() - 1).devices() != maxDevices) {
            pts.add(point(deviceName, maxDevices, s, overlap, tiles, cost, algorithm));
        }
        return new Result(overlap, s, List.copyOf(pts));
    }
}
