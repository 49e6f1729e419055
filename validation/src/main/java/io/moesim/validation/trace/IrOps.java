package io.moesim.validation.trace;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.AllGather;
import io.moesim.ir.op.AllReduce;
import io.moesim.ir.op.AllToAll;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.GroupedMatMul;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.Norm;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.ReduceScatter;
import io.moesim.ir.op.Router;
import io.moesim.ir.op.Scoring;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Maps an {@link OpForm} to the IR op and operand types it stands for, so FLOPs and bytes come from
 * the IR's own formulas (one definition for the compiler, the simulator and this harness).
 * {@code memcpy} has no IR op: it is reported as bytes only.
 */
public final class IrOps {
    private IrOps() {
    }

    /** An IR op with its operand types. */
    public record Applied(Op op, List<TensorType> inputs) {
        public long flops() {
            return op.flops(inputs);
        }

        public long trafficBytes() {
            return op.traffic(inputs).total();
        }
    }

    /** The kinds this harness knows, in the spelling of {@code moesim op}. */
    public static final List<String> KINDS = List.of("matmul", "grouped-matmul", "attention", "rms-norm", "router",
            "memcpy", "all-reduce", "all-gather", "reduce-scatter", "all-to-all", "moe-layer", "block", "quantize");

    /** Ops made of several kernels (timed as a whole by the GPU runner); no single IR op stands for them. */
    public static boolean isComposite(String kind) {
        return kind.equals("moe-layer") || kind.equals("block");
    }

    public static boolean isCollective(String kind) {
        return kind.equals("all-reduce") || kind.equals("all-gather") || kind.equals("reduce-scatter") || kind.equals("all-to-all");
    }

    /** The attributes each kind takes (every kind also takes dtype); any other is refused, as {@code moesim op} does. */
    private static final java.util.Map<String, java.util.Set<String>> ATTRIBUTES = java.util.Map.ofEntries(
            java.util.Map.entry("matmul", java.util.Set.of("m", "n", "k")),
            java.util.Map.entry("grouped-matmul", java.util.Set.of("tokens", "groups", "m", "n", "k")),
            // kv_dtype: the KV cache's dtype where it is not the queries' (an fp8 cache under bf16 queries); default dtype
            java.util.Map.entry("attention", java.util.Set.of("heads", "kv_heads", "head_dim", "batch", "q_len", "kv_len", "causal", "kv_dtype")),
            java.util.Map.entry("rms-norm", java.util.Set.of("hidden", "tokens")),
            java.util.Map.entry("router", java.util.Set.of("hidden", "tokens", "experts", "top_k", "scoring")),
            java.util.Map.entry("memcpy", java.util.Set.of("bytes")),
            // impl: the serving framework's own all-reduce kernel (kernel database rows)
            java.util.Map.entry("all-reduce", java.util.Set.of("group", "bytes", "impl")),
            java.util.Map.entry("all-gather", java.util.Set.of("group", "bytes")),
            java.util.Map.entry("reduce-scatter", java.util.Set.of("group", "bytes")),
            java.util.Map.entry("all-to-all", java.util.Set.of("group", "bytes")),
            // tp, ep, distribution: a fused MoE block's parallel layout and token spread (kernel database rows); gated=false: experts of
            // an up and a down matrix, no gate (the default, true, is SwiGLU's gate, up and down)
            java.util.Map.entry("moe-layer", java.util.Set.of("tokens", "hidden", "experts", "top_k", "ffn", "tp", "ep", "distribution", "gated")),
            java.util.Map.entry("quantize", java.util.Set.of("m", "k", "step")),
            java.util.Map.entry("block", java.util.Set.of("model", "seq", "batch", "phase", "kv_len")));

    static void checkAttributes(OpForm f) {
        java.util.Set<String> known = ATTRIBUTES.get(f.kind());
        if (known == null) {
            return;
        }
        for (String k : f.attrs().keySet()) {
            if (!k.equals("dtype") && !known.contains(k)) {
                throw new IllegalArgumentException(f.kind() + ": unknown attribute '" + k + "' (known: dtype, "
                        + String.join(", ", new java.util.TreeSet<>(known)) + ")");
            }
        }
    }

    /** Whether a fused MoE block's experts are gated ({@code gated=true}, the default: SwiGLU) or not ({@code gated=false}: up, activation, down). */
    public static boolean gated(OpForm f) {
        String g = f.get("gated", "true");
        if (!g.equals("true") && !g.equals("false")) {
            throw new IllegalArgumentException(f.kind() + ": gated must be true or false, not '" + g + "'");
        }
        return g.equals("true");
    }

    /**
     * A quantise row's step: {@code cast} (the default: reads bf16, writes fp8 with a given scale), {@code amax} (the per-tensor
     * scale's reduction pass) or {@code token} (a dynamic per-token quantise: each row's amax, then its cast, in one kernel).
     */
    public static String quantizeStep(OpForm f) {
        String s = f.get("step", "cast");
        if (!QUANTIZE_STEP_NAMES.contains(s)) {
            throw new IllegalArgumentException(f.kind() + ": step must be one of " + String.join(", ", QUANTIZE_STEP_NAMES) + ", not '" + s + "'");
        }
        return s;
    }

    /** The steps {@link #quantizeStep} accepts. */
    public static final List<String> QUANTIZE_STEP_NAMES = List.of("cast", "amax", "token");

    public static DType dtype(OpForm f) {
        return parseDType(f, "dtype", "bf16");
    }

    /** An attention op's KV-cache dtype: {@code kv_dtype} where given, else the op's {@code dtype}. */
    public static DType kvDtype(OpForm f, DType dtype) {
        return f.has("kv_dtype") ? parseDType(f, "kv_dtype", "") : dtype;
    }

    /** The dtype attribute {@code key} ({@code fallback} where absent); a bad name says the kind, and the key unless it is dtype. */
    private static DType parseDType(OpForm f, String key, String fallback) {
        try {
            return DType.parse(f.get(key, fallback));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(f.kind() + ": " + (key.equals("dtype") ? "" : key + ": ") + e.getMessage());
        }
    }

    /** Per-group token counts of a grouped matmul: {@code tokens=[..]} or {@code groups=G m=M}. */
    public static long[] groupTokens(OpForm f) {
        if (f.has("tokens")) {
            return f.getLongs("tokens");
        }
        long[] t = new long[Math.toIntExact(f.getLong("groups"))];
        Arrays.fill(t, f.getLong("m"));
        return t;
    }

    /** The IR op, or empty for memcpy and the composites. Throws IllegalArgumentException for an unknown kind or bad attributes. */
    public static Optional<Applied> apply(OpForm f) {
        checkAttributes(f);
        DType dt = dtype(f);
        switch (f.kind()) {
            case "matmul": {
                long m = f.getLong("m");
                long k = f.getLong("k");
                return Optional.of(new Applied(new MatMul(k, f.getLong("n"), dt), List.of(TensorType.of(dt, m, k))));
            }
            case "grouped-matmul": {
                long[] tokens = groupTokens(f);
                long k = f.getLong("k");
                GroupedMatMul g = new GroupedMatMul(LongImmutableList.of(tokens), k, f.getLong("n"), dt);
                return Optional.of(new Applied(g, List.of(TensorType.of(dt, g.totalTokens(), k))));
            }
            case "attention": {
                int heads = Math.toIntExact(f.getLong("heads"));
                int kvHeads = Math.toIntExact(f.getLong("kv_heads", heads));
                int hd = Math.toIntExact(f.getLong("head_dim"));
                long batch = f.getLong("batch");
                long kv = f.getLong("kv_len");
                long q = f.getLong("q_len", kv);
                Attention a = new Attention(heads, kvHeads, hd, batch, q, kv, f.getBool("causal", q > 1), 0, kvDtype(f, dt));
                TensorType qt = TensorType.of(dt, batch * q, (long) heads * hd);
                TensorType kvt = TensorType.of(dt, batch * q, (long) kvHeads * hd);
                return Optional.of(new Applied(a, List.of(qt, kvt, kvt)));
            }
            case "rms-norm": {
                long h = f.getLong("hidden");
                return Optional.of(new Applied(new Norm(Norm.Kind.RMS, h, 1e-6, dt), List.of(TensorType.of(dt, f.getLong("tokens"), h))));
            }
            case "router": {
                long h = f.getLong("hidden");
                Scoring s = Scoring.valueOf(f.get("scoring", "softmax").toUpperCase(Locale.ROOT));
                Router r = new Router(Math.toIntExact(f.getLong("experts")), Math.toIntExact(f.getLong("top_k")), h, s, 0, dt);
                return Optional.of(new Applied(r, List.of(TensorType.of(dt, f.getLong("tokens"), h))));
            }
            case "memcpy":
                f.getLong("bytes");
                return Optional.empty();
            case "quantize":
                // fp8 activation quantisation of an m x k activation (no IR op yet: a framework profile's kernel)
                f.getLong("m");
                f.getLong("k");
                quantizeStep(f);
                return Optional.empty();
            case "moe-layer":
                for (String k : List.of("tokens", "hidden", "experts", "top_k", "ffn")) {
                    f.getLong(k);
                }
                gated(f);
                return Optional.empty();
            case "block":
                f.get("model");
                f.getLong("seq");
                return Optional.empty();
            case "all-reduce":
            case "all-gather":
            case "reduce-scatter":
            case "all-to-all": {
                int group = Math.toIntExact(f.getLong("group"));
                long bytes = f.getLong("bytes");
                long elems = Math.max(1, bytes * 8 / dt.bits());
                Op op = switch (f.kind()) {
                    case "all-reduce" -> new AllReduce(group);
                    case "all-gather" -> new AllGather(group, 0);
                    case "reduce-scatter" -> new ReduceScatter(group, 0);
                    default -> new AllToAll(group);
                };
                // nccl-tests' size is the full buffer: the all-gather output, the reduce-scatter input.
                long opElems = f.kind().equals("all-gather") ? Math.max(1, elems / group) : elems;
                return Optional.of(new Applied(op, List.of(TensorType.of(dt, opElems))));
            }
            default:
                throw new IllegalArgumentException("unknown op kind '" + f.kind() + "' (known: " + String.join(", ", KINDS) + ")");
        }
    }
}
