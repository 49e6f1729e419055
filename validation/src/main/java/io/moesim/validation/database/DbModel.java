package io.moesim.validation.database;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.ProcessorSpec;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.FfnActivation;
import io.moesim.sim.kernel.FrameworkCost;
import io.moesim.sim.kernel.KernelSimulator;
import io.moesim.sim.kernel.OpEstimate;
import io.moesim.validation.compare.Prediction;
import io.moesim.validation.compare.RooflinePredictor;
import io.moesim.validation.trace.GpuEnvironment;
import io.moesim.validation.trace.IrOps;
import io.moesim.validation.trace.Measurement;
import io.moesim.validation.trace.OpForm;
import io.moesim.validation.trace.Split;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Predicts database rows with the simulator's kernel model under a {@link FrameworkProfile}, the same
 * arithmetic the compiler's cost model uses ({@link FrameworkCost}). A row is a sum of kernel
 * {@link Piece}s, each the kernel model's estimate on the datasheet target of one op class; a profile
 * turns each piece into time. Pieces are computed once per (row, target), so fitting a profile over a
 * grid costs no simulation.
 *
 * <ul>
 *   <li>{@code matmul}: one GEMM ({@code gemm} or {@code gemm_fp8}); an fp8 GEMM adds the activation's
 *       quantise kernel when the profile says the framework runs one ({@code quantize} class).</li>
 *   <li>{@code attention}: one kernel, {@code attention_decode} for q_len 1 (paged-KV decode), else
 *       {@code attention_prefill}.</li>
 *   <li>{@code quantize}: a streaming kernel, {@code cast} reads 2 and writes 1 byte per element,
 *       {@code amax} reads 2.</li>
 *   <li>{@code moe-layer} (a fused MoE block as the framework runs it, router logits given): the permute
 *       (this GPU's assigned rows of the hidden size gathered, {@code other}), the grouped expert GEMMs of this
 *       GPU's experts (gate+up, then down, {@code moe}) with the token spread of the row's
 *       {@code distribution}, the unpermute and weighted sum ({@code other}); fp8 blocks quantise their
 *       input and the gated activation when the profile quantises.</li>
 *   <li>collectives: NCCL rows on the system's link model; {@code impl=} rows (a framework's own
 *       all-reduce) on the profile's {@link FrameworkProfile.CustomAllReduce} where it has one.</li>
 * </ul>
 *
 * <p><b>Token spread</b> of a MoE row over its E experts (tokens·top_k assignments): expert i has weight 1
 * ({@code balanced}) or (i+1)^-a ({@code power_law_a}); a token picks it with probability p_i = top_k·w_i/Σw,
 * so tokens drawn independently touch Σ 1-(1-p_i)^tokens distinct experts: that many of the hottest are
 * active, each with one assignment and the rest by weight, at most one per token per expert. The GPU measured
 * holds experts 0..E/ep-1, the most loaded ones: the slowest rank, which decides a step (an assumption:
 * the database does not say which rank it timed).
 */
public final class DbModel {
    private final KernelSimulator sim = new KernelSimulator();
    private final Map<String, List<Piece>> pieces = new ConcurrentHashMap<>();

    /**
     * One kernel of a row on a target, as the kernel model estimates it at datasheet figures.
     *
     * @param cls         the profile's op class
     * @param quantize    a quantise kernel that runs only where the profile quantises fp8 activations
     * @param total       the model's time, s
     * @param launch      its launch part, s
     * @param compute     its compute part, s
     * @param memory      its DRAM part, s
     */
    public record Piece(String cls, boolean quantize, double total, double launch, double compute, double memory, double items, int engines,
            double kvGroup) {
        static Piece of(String cls, boolean quantize, OpEstimate e) {
            return of(cls, quantize, e, 0, 1, 1);
        }

        static Piece of(String cls, boolean quantize, OpEstimate e, double items, int engines, double kvGroup) {
            OpEstimate.Breakdown b = e.breakdown();
            return new Piece(cls, quantize, e.seconds(), b.launchUs() * 1e-6, b.computeUs() * 1e-6, b.memoryUs() * 1e-6, items, engines, kvGroup);
        }

        double seconds(FrameworkProfile p) {
            if (quantize && !p.fp8QuantizesActivation()) {
                return 0;
            }
            return seconds(p.figures(cls));
        }

        double seconds(FrameworkProfile.ClassFigures f) {
            return f.seconds(total, launch, compute, memory, items, engines, kvGroup);
        }
    }

    /** Predicted µs of the row on the device under the profile; NaN where the model cannot run it. */
    public double predictUs(DbRow r, DeviceSpec device, FrameworkProfile profile) {
        OpForm f = r.op();
        if (IrOps.isCollective(f.kind())) {
            if (f.has("impl") && profile.customAllReduce().isPresent()) {
                SystemSpec s = Systems.load(r.system());
                return profile.customAllReduce().get().seconds(f.getLong("bytes"), (int) f.getLong("group"), s.intraNodePeerBandwidthGBps()) * 1e6;
            }
            Prediction p = RooflinePredictor.datasheet().predict(measurement(r), device);
            return p.us();
        }
        List<Piece> ps = pieces(r, device);
        if (ps == null) {
            return Double.NaN;
        }
        double s = 0;
        for (Piece p : ps) {
            s += p.seconds(profile);
        }
        return s * 1e6;
    }

    /** The row's kernels on the device (null where the model cannot run it), memoised. */
    public List<Piece> pieces(DbRow r, DeviceSpec device) {
        String key = device.id() + "|" + r.op().text();
        List<Piece> hit = pieces.get(key);
        if (hit != null) {
            return hit.isEmpty() ? null : hit;
        }
        List<Piece> ps = compute(r.op(), device);
        pieces.put(key, ps == null ? List.of() : ps);
        return ps;
    }

    private List<Piece> compute(OpForm f, DeviceSpec device) {
        ProcessorSpec p = device.primary();
        List<Piece> out = new ArrayList<>();
        switch (f.kind()) {
            case "matmul", "attention" -> {
                IrOps.Applied a = IrOps.apply(f).orElseThrow();
                OpEstimate e = sim.estimate(a.op(), a.inputs(), device, p);
                if (!Double.isFinite(e.seconds())) {
                    return null;
                }
                out.add(Piece.of(FrameworkCost.opClass(a.op()), false, e, FrameworkCost.items(a.op()), p.engines(), FrameworkCost.kvGroup(a.op())));
                if (f.kind().equals("matmul") && IrOps.dtype(f).bits() == 8) {
                    long el = f.getLong("m") * f.getLong("k");
                    // dynamic per-tensor quantisation: the amax pass (reads bf16), then the cast (reads bf16, writes fp8)
                    out.add(Piece.of("quantize", true, sim.memcpy(el, device, p)));
                    out.add(Piece.of("quantize", true, sim.memcpy(el * 3 / 2, device, p)));
                }
            }
            case "quantize" -> {
                long el = f.getLong("m") * f.getLong("k");
                long bytes = f.get("step", "cast").equals("amax") ? el : el * 3 / 2;
                out.add(Piece.of("quantize", false, sim.memcpy(Math.max(1, bytes), device, p)));
            }
            case "moe-layer" -> {
                long t = f.getLong("tokens");
                long h = f.getLong("hidden");
                int experts = (int) f.getLong("experts");
                int k = (int) f.getLong("top_k");
                long ffn = f.getLong("ffn") / f.getLong("tp", 1);
                int local = (int) (experts / f.getLong("ep", 1));
                DType dt = IrOps.dtype(f);
                long[] spread = spread(t, k, experts, f.get("distribution", "balanced"));
                long[] mine = java.util.Arrays.copyOf(spread, local);
                long rows = java.util.Arrays.stream(mine).sum();
                long moved = Math.max(1, rows) * h * 2; // this GPU's assignments: bf16 rows gathered, then scattered back
                out.add(Piece.of("other", false, sim.memcpy(Math.max(1, moved), device, p)));
                if (rows > 0) {
                    ExpertFfn op = new ExpertFfn(local, Math.min(k, local), LongImmutableList.of(mine), h, ffn, FfnActivation.SWIGLU, dt);
                    OpEstimate e = sim.estimate(op, List.of(TensorType.of(dt, rows, h)), device, p);
                    if (!Double.isFinite(e.seconds())) {
                        return null;
                    }
                    out.add(Piece.of("moe", false, e));
                    if (dt.bits() == 8) {
                        long el = rows * h + rows * ffn; // as FrameworkCost: the expert input rows and the gated activation
                        out.add(Piece.of("quantize", true, sim.memcpy(el, device, p)));
                        out.add(Piece.of("quantize", true, sim.memcpy(el * 3 / 2, device, p)));
                    }
                }
                out.add(Piece.of("other", false, sim.memcpy(Math.max(1, moved), device, p)));
            }
            default -> {
                return null;
            }
        }
        return out;
    }

    /** Assignments per expert of tokens·top_k over the experts under a distribution (see the class comment). */
    public static long[] spread(long tokens, int topK, int experts, String distribution) {
        double alpha = 0;
        if (distribution.startsWith("power_law_")) {
            alpha = Double.parseDouble(distribution.substring("power_law_".length()));
        } else if (!distribution.equals("balanced")) {
            throw new IllegalArgumentException("moe-layer: unknown distribution '" + distribution + "' (balanced or power_law_A)");
        }
        int k = Math.min(topK, experts);
        long total = tokens * k;
        double[] w = new double[experts];
        double sum = 0;
        for (int i = 0; i < experts; i++) {
            w[i] = Math.pow(i + 1, -alpha);
            sum += w[i];
        }
        // a token picks expert i with probability p_i = k·w_i (at most 1); tokens drawn independently touch
        // sum_i 1 - (1 - p_i)^tokens distinct experts: the hottest that many are active
        double active = 0;
        for (int i = 0; i < experts; i++) {
            double p = Math.min(1, k * w[i] / sum);
            active += 1 - Math.pow(1 - p, tokens);
        }
        int n = (int) Math.max(Math.ceil((double) total / tokens), Math.min(Math.min(experts, total), Math.round(active)));
        long[] out = new long[experts];
        double[] share = new double[n];
        // one assignment each, the rest by weight, at most one per token per expert (water-filling)
        double left = total - n;
        boolean[] capped = new boolean[n];
        for (int i = 0; i < n; i++) {
            share[i] = 1;
        }
        for (int round = 0; round <= n && left > 1e-9; round++) {
            double ws = 0;
            for (int i = 0; i < n; i++) {
                if (!capped[i]) {
                    ws += w[i];
                }
            }
            if (ws == 0) {
                break;
            }
            double given = 0;
            boolean any = false;
            for (int i = 0; i < n; i++) {
                if (capped[i]) {
                    continue;
                }
                double add = left * w[i] / ws;
                if (share[i] + add >= tokens) {
                    given += tokens - share[i];
                    share[i] = tokens;
                    capped[i] = true;
                    any = true;
                } else {
                    share[i] += add;
                    given += add;
                }
            }
            left -= given;
            if (!any) {
                break;
            }
        }
        long assigned = 0;
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            out[i] = (long) Math.floor(share[i] + 1e-9);
            assigned += out[i];
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> {
            int c = Double.compare(share[b] - Math.floor(share[b] + 1e-9), share[a] - Math.floor(share[a] + 1e-9));
            return c != 0 ? c : Integer.compare(a, b);
        });
        for (int j = 0; assigned < total; j = (j + 1) % n) {
            int i = order[j];
            if (out[i] < tokens) {
                out[i]++;
                assigned++;
            }
        }
        return out;
    }

    static Measurement measurement(DbRow r) {
        return new Measurement(r.op(), r.device(), r.gpu(), r.system(), r.us(), Double.NaN, Double.NaN, 0, Optional.empty(), "measured", r.source(),
                "", GpuEnvironment.named(r.device()), "", Split.CALIBRATION);
    }
}
