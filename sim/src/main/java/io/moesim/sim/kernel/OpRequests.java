package io.moesim.sim.kernel;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.FfnActivation;
import io.moesim.ir.op.GroupedMatMul;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.MlaAttention;
import io.moesim.ir.op.Op;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Parses {@code moesim op KIND key=value...}. Kinds and keys (defaults in brackets):
 * <ul>
 *   <li>{@code matmul}: m n k [dtype=bf16]: x[m,k]·W[k,n]</li>
 *   <li>{@code grouped-matmul}: groups m_per_group n k [dtype], or tokens=t1,t2,... n k [dtype]</li>
 *   <li>{@code expert-ffn}: hidden ffn, then tokens=t1,... or experts tokens_per_expert; [act=swiglu] [top_k=2] [dtype]
 *       [routed = experts > 1] (one expert is a dense FFN unless routed=true: a MoE layer's routed block left with one)</li>
 *   <li>{@code attention}: batch heads kv_heads head_dim q_len kv_len [causal = q_len > 1] [dtype]</li>
 *   <li>{@code mla-decode}: batch kv_len [heads=128] [kv_lora_rank=512] [rope_dim=64] [nope_dim=128] [v_head_dim=128] [dtype]
 *       (DeepSeek-V3 defaults; absorbed latent attention, q_len 1)</li>
 *   <li>{@code memcpy}: bytes (suffixes KiB, MiB, GiB are powers of 1024; KB, MB, GB powers of 1000; a bare K, M or G
 *       means KiB, MiB, GiB as in nccl-tests' -b/-e sizes)</li>
 *   <li>{@code all-reduce}, {@code all-gather}, {@code all-to-all}: bytes devices (system level)</li>
 * </ul>
 * Every kind also takes {@code processor=NAME}. Errors are one line naming the bad key.
 */
public final class OpRequests {
    public static final List<String> KINDS = List.of("matmul", "grouped-matmul", "expert-ffn", "attention", "mla-decode", "memcpy",
            "all-reduce", "all-gather", "all-to-all");

    /** Largest count or dimension an op attribute may give (heads, devices, top_k, ...). */
    static final long MAX_COUNT = 1L << 24;
    /** Largest byte count (1 PiB): twice it (a copy reads and writes) and its time in ps stay inside a long. */
    static final long MAX_BYTES = 1L << 50;

    private OpRequests() {
    }

    public static OpRequest parse(String kind, List<String> keyValues) {
        String k = kind.toLowerCase(Locale.ROOT).replace('_', '-');
        Args a = new Args(k, keyValues);
        Optional<String> proc = a.optText("processor");
        OpRequest r = switch (k) {
            case "matmul" -> matmul(a, proc);
            case "grouped-matmul" -> grouped(a, proc);
            case "expert-ffn" -> expertFfn(a, proc);
            case "attention" -> attention(a, proc);
            case "mla-decode" -> mla(a, proc);
            case "memcpy" -> new OpRequest.Memcpy(a.bytes("bytes"), proc);
            case "all-reduce", "all-gather", "all-to-all" -> new OpRequest.Collective(k, a.bytes("bytes"), a.positiveInt("devices"), proc);
            default -> throw new KernelException("moesim op: unknown kind '" + kind + "' (expected one of " + String.join(", ", KINDS) + ")");
        };
        a.finish();
        return r;
    }

    private static OpRequest matmul(Args a, Optional<String> proc) {
        long m = a.positive("m");
        long n = a.positive("n");
        long k = a.positive("k");
        DType dt = a.dtype();
        return a.build(() -> new MatMul(k, n, dt), List.of(TensorType.of(dt, m, k)), proc);
    }

    private static OpRequest grouped(Args a, Optional<String> proc) {
        LongImmutableList tokens;
        if (a.has("tokens")) {
            tokens = a.longs("tokens");
        } else {
            long groups = a.positive("groups");
            long per = a.nonNegative("m_per_group");
            long[] t = new long[(int) Math.min(groups, 1 << 20)];
            java.util.Arrays.fill(t, per);
            tokens = LongImmutableList.of(t);
        }
        long n = a.positive("n");
        long k = a.positive("k");
        DType dt = a.dtype();
        long total = tokens.longStream().sum();
        return a.build(() -> new GroupedMatMul(tokens, k, n, dt), List.of(TensorType.of(dt, total, k)), proc);
    }

    private static OpRequest expertFfn(Args a, Optional<String> proc) {
        long hidden = a.positive("hidden");
        long ffn = a.positive("ffn");
        LongImmutableList tokens;
        if (a.has("tokens")) {
            tokens = a.longs("tokens");
        } else {
            long experts = a.positive("experts");
            long per = a.nonNegative("tokens_per_expert");
            long[] t = new long[(int) Math.min(experts, 1 << 16)];
            java.util.Arrays.fill(t, per);
            tokens = LongImmutableList.of(t);
        }
        if (a.has("experts") && a.has("tokens") && a.positive("experts") != tokens.size()) {
            throw a.bad("experts", "is " + a.text("experts") + " but tokens lists " + tokens.size());
        }
        int topK = a.optPositiveInt("top_k", Math.min(2, tokens.size()));
        FfnActivation act = a.has("act") ? a.choice("act", FfnActivation.class) : FfnActivation.SWIGLU;
        DType dt = a.dtype();
        long total = tokens.longStream().sum();
        boolean routed = a.has("routed") ? a.bool("routed") : tokens.size() > 1;
        if (!routed && tokens.size() > 1) {
            throw a.bad("routed", "is false but " + tokens.size() + " experts are always routed");
        }
        return a.build(() -> new ExpertFfn(tokens.size(), topK, tokens, hidden, ffn, act, dt, null, null, routed), List.of(TensorType.of(dt, total, hidden)),
                proc);
    }

    private static OpRequest attention(Args a, Optional<String> proc) {
        long batch = a.positive("batch");
        int heads = a.positiveInt("heads");
        int kvHeads = a.positiveInt("kv_heads");
        int headDim = a.positiveInt("head_dim");
        long qLen = a.positive("q_len");
        long kvLen = a.positive("kv_len");
        boolean causal = a.has("causal") ? a.bool("causal") : qLen > 1;
        DType dt = a.dtype();
        DType kvDt = a.has("kv_dtype") ? a.dtype("kv_dtype") : dt;
        long rows = batch * qLen;
        return a.build(() -> new Attention(heads, kvHeads, headDim, batch, qLen, kvLen, causal, 0, kvDt),
                List.of(TensorType.of(dt, rows, (long) heads * headDim), TensorType.of(dt, rows, (long) kvHeads * headDim),
                        TensorType.of(dt, rows, (long) kvHeads * headDim)), proc);
    }

    private static OpRequest mla(Args a, Optional<String> proc) {
        long batch = a.positive("batch");
        long kvLen = a.positive("kv_len");
        int heads = a.optPositiveInt("heads", 128);
        int rank = a.optPositiveInt("kv_lora_rank", 512);
        int rope = a.optPositiveInt("rope_dim", 64);
        int nope = a.optPositiveInt("nope_dim", 128);
        int v = a.optPositiveInt("v_head_dim", 128);
        DType dt = a.dtype();
        return a.build(() -> new MlaAttention(heads, rank, rope, nope, v, batch, 1, kvLen, true, true, dt),
                List.of(TensorType.of(dt, batch, (long) heads * (rank + rope)), TensorType.of(dt, batch, (long) rank + rope)), proc);
    }

    /** The key=value list of one request, consumed key by key. */
    private static final class Args {
        private final String kind;
        private final Map<String, String> values = new LinkedHashMap<>();
        private final Set<String> used = new TreeSet<>();

        Args(String kind, List<String> kvs) {
            this.kind = kind;
            for (String kv : kvs) {
                int eq = kv.indexOf('=');
                if (eq <= 0) {
                    throw new KernelException("moesim op " + kind + ": '" + kv + "' is not key=value");
                }
                String key = kv.substring(0, eq).trim();
                if (values.put(key, kv.substring(eq + 1).trim()) != null) {
                    throw new KernelException("moesim op " + kind + ": key '" + key + "' given twice");
                }
            }
        }

        KernelException bad(String key, String why) {
            return new KernelException("moesim op " + kind + ": key '" + key + "' " + why);
        }

        boolean has(String key) {
            return values.containsKey(key);
        }

        String text(String key) {
            String v = values.get(key);
            if (v == null) {
                throw new KernelException("moesim op " + kind + ": missing key '" + key + "'");
            }
            used.add(key);
            return v;
        }

        Optional<String> optText(String key) {
            return has(key) ? Optional.of(text(key)) : Optional.empty();
        }

        long positive(String key) {
            long v = integer(key, text(key));
            if (v <= 0) {
                throw bad(key, "must be positive, got " + v);
            }
            return v;
        }

        /** A count or a dimension that the ops hold in an int: 1 to 2^24, so that products of a few stay in range. */
        int positiveInt(String key) {
            long v = positive(key);
            if (v > MAX_COUNT) {
                throw bad(key, "must be at most " + MAX_COUNT + ", got " + v);
            }
            return (int) v;
        }

        int optPositiveInt(String key, long dflt) {
            return has(key) ? positiveInt(key) : (int) dflt;
        }

        long optPositive(String key, long dflt) {
            return has(key) ? positive(key) : dflt;
        }

        long nonNegative(String key) {
            long v = integer(key, text(key));
            if (v < 0) {
                throw bad(key, "must be >= 0, got " + v);
            }
            return v;
        }

        private long integer(String key, String s) {
            try {
                return Long.parseLong(s.replace("_", ""));
            } catch (NumberFormatException e) {
                throw bad(key, "expects an integer, got '" + s + "'");
            }
        }

        /** A byte count: KiB/MiB/GiB = 2^10/2^20/2^30, KB/MB/GB = 10^3/10^6/10^9, bare K/M/G = KiB/MiB/GiB (nccl-tests). */
        long bytes(String key) {
            String s = text(key);
            String u = s.toUpperCase(Locale.ROOT);
            long mult = 1;
            String[][] suffixes = {{"KIB", "1024"}, {"MIB", "1048576"}, {"GIB", "1073741824"}, {"KB", "1000"}, {"MB", "1000000"},
                {"GB", "1000000000"}, {"K", "1024"}, {"M", "1048576"}, {"G", "1073741824"}, {"B", "1"}};
            for (String[] suf : suffixes) {
                if (u.endsWith(suf[0])) {
                    mult = Long.parseLong(suf[1]);
                    u = u.substring(0, u.length() - suf[0].length());
                    break;
                }
            }
            long v = integer(key, u.trim());
            if (v <= 0) {
                throw bad(key, "must be positive, got '" + s + "'");
            }
            long b;
            try {
                b = Math.multiplyExact(v, mult);
            } catch (ArithmeticException e) {
                throw bad(key, "is too large: '" + s + "'");
            }
            if (b > MAX_BYTES) {
                throw bad(key, "is too large: '" + s + "' (at most 2^50 bytes, 1 PiB)");
            }
            return b;
        }

        boolean bool(String key) {
            String s = text(key).toLowerCase(Locale.ROOT);
            return switch (s) {
                case "true", "1", "yes" -> true;
                case "false", "0", "no" -> false;
                default -> throw bad(key, "expects true or false, got '" + s + "'");
            };
        }

        LongImmutableList longs(String key) {
            String s = text(key);
            LongArrayList out = new LongArrayList();
            for (String part : s.split(",")) {
                long v = integer(key, part.trim());
                if (v < 0) {
                    throw bad(key, "lists a negative count " + v);
                }
                out.add(v);
            }
            if (out.isEmpty()) {
                throw bad(key, "lists nothing");
            }
            return LongImmutableList.of(out.toLongArray());
        }

        <E extends Enum<E>> E choice(String key, Class<E> type) {
            String s = text(key);
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(s)) {
                    return e;
                }
            }
            List<String> names = new ArrayList<>();
            for (E e : type.getEnumConstants()) {
                names.add(e.name().toLowerCase(Locale.ROOT));
            }
            throw bad(key, "expects one of " + String.join(", ", names) + ", got '" + s + "'");
        }

        DType dtype() {
            return has("dtype") ? dtype("dtype") : DType.BF16;
        }

        DType dtype(String key) {
            String s = text(key);
            try {
                return DType.parse(s);
            } catch (IllegalArgumentException e) {
                throw bad(key, "expects fp32, bf16, fp16, fp8e4m3, fp8e5m2 or int8, got '" + s + "'");
            }
        }

        OpRequest build(java.util.function.Supplier<Op> op, List<TensorType> inputs, Optional<String> proc) {
            Op o;
            try {
                o = op.get();
                o.inferTypes(inputs);
            } catch (IllegalArgumentException | io.moesim.ir.MoesimException e) {
                throw new KernelException("moesim op " + kind + ": " + e.getMessage());
            }
            return new OpRequest.Compute(kind, o, inputs, proc);
        }

        void finish() {
            for (String key : values.keySet()) {
                if (!used.contains(key)) {
                    throw new KernelException("moesim op " + kind + ": unknown key '" + key + "'");
                }
            }
        }
    }
}
