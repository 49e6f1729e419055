package io.moesim.ir.op;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import java.util.List;

/**
 * Scaled dot-product attention of {@code batch} sequences, each with {@code q_len} new query tokens
 * against {@code kv_len} keys (the past {@code kv_len - q_len} come from the KV cache, the new ones
 * are the k/v operands). Prefill: q_len = kv_len, causal. Decode: q_len = 1. Chunked prefill:
 * 1 < q_len < kv_len. MHA when kv_heads = heads, MQA when kv_heads = 1, GQA otherwise.
 * {@code window > 0} is a sliding window (GPT-OSS).
 *
 * <p>Operands q {@code [batch·q_len, heads·head_dim]}, k and v {@code [batch·q_len, kv_heads·head_dim]};
 * result like q. FLOPs = 4·batch·heads·head_dim·pairs (QKᵀ and PV), pairs as in
 * {@link AttentionMath#pairs}. KV bytes read = batch·past·2·kv_heads·head_dim·sizeof(kv_dtype), so
 * decode Op/B ≈ heads / kv_heads: the GQA group size.
 */
public record Attention(int heads, int kvHeads, int headDim, long batch, long qLen, long kvLen, boolean causal, long window, DType kvDtype)
        implements Op {
    public static final String MNEMONIC = "attention";

    public Attention {
        Check.positive(MNEMONIC, "heads", heads);
        Check.positive(MNEMONIC, "kv_heads", kvHeads);
        Check.positive(MNEMONIC, "head_dim", headDim);
        Check.queries(MNEMONIC, batch, qLen, kvLen);
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(MNEMONIC + ": heads " + heads + " is not a multiple of kv_heads " + kvHeads);
        }
        if (window < 0) {
            throw new IllegalArgumentException(MNEMONIC + ": window must be >= 0, got " + window);
        }
    }

    /**
     * KV heads on each of {@code tp} tensor-parallel ranks: {@code kvHeads / tp} where tp divides them, else one, each
     * replicated on {@code tp / kvHeads} ranks (vLLM and SGLang replicate KV heads when TP exceeds their count, e.g.
     * Qwen3-30B-A3B's 4 KV heads under TP 8); 0 when neither divides the other (no such layout).
     */
    public static int kvHeadsPerRank(int kvHeads, int tp) {
        if (kvHeads % tp == 0) {
            return kvHeads / tp;
        }
        return tp % kvHeads == 0 ? 1 : 0;
    }

    public AttentionKind kind() {
        return kvHeads == heads ? AttentionKind.MHA : kvHeads == 1 ? AttentionKind.MQA : AttentionKind.GQA;
    }

    /**
     * The most query tokens per sequence a decode kernel takes: a speculative verifier's k + 1 with k
     * at most 16 (the decode kernels of serving stacks take a short query per sequence against its KV).
     */
    public static final long DECODE_QUERY_MAX = 17;

    /**
     * A decode-shaped attention: one query token per sequence, or a short query (at most
     * {@link #DECODE_QUERY_MAX}, e.g. a speculative verifier's k + 1) against a longer KV cache.
     */
    public boolean isDecode() {
        return isDecode(qLen, kvLen);
    }

    /** Whether {@code qLen} queries per sequence against {@code kvLen} keys is decode-shaped (see {@link #isDecode()}). */
    public static boolean isDecode(long qLen, long kvLen) {
        return qLen == 1 || (qLen <= DECODE_QUERY_MAX && qLen < kvLen);
    }

    /** A whole prompt: a causal query over all of its keys, with no KV cache before it (a context-phase request, one token too). */
    public boolean isWholePrompt() {
        return isWholePrompt(causal, qLen, kvLen);
    }

    /** Whether a {@code causal} query of {@code qLen} tokens per sequence against {@code kvLen} keys is a whole prompt ({@link #isWholePrompt()}). */
    public static boolean isWholePrompt(boolean causal, long qLen, long kvLen) {
        return causal && qLen == kvLen;
    }

    public long pairsPerSequence() {
        return AttentionMath.pairs(qLen, kvLen, causal, window);
    }

    @Override
    public String mnemonic() {
        return MNEMONIC;
    }

    @Override
    public Attrs attributes() {
        Attrs a = new Attrs().put("heads", heads).put("kv_heads", kvHeads).put("head_dim", headDim).put("batch", batch)
                .put("q_len", qLen).put("kv_len", kvLen).put("causal", causal);
        if (window != 0) {
            a.put("window", window);
        }
        return a.put("kv_dtype", kvDtype);
    }

    static Attention fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "heads", "kv_heads", "head_dim", "batch", "q_len", "kv_len", "causal", "window", "kv_dtype");
        return new Attention(a.getPositiveInt("heads"), a.getPositiveInt("kv_heads"), a.getPositiveInt("head_dim"), a.getPositive("batch"),
                a.getPositive("q_len"), a.getPositive("kv_len"), a.getBool("causal"), a.getLong("window", 0), a.getDType("kv_dtype"));
    }

    // the operands' names in type errors, made once (type inference runs for every node of every graph built)
    private static final String[] KV_NAMES = {"k", "v"};
    private static final String[] KV_ROWS = {"k rows (batch*q_len)", "v rows (batch*q_len)"};
    private static final String[] KV_WIDTHS = {"k width (kv_heads*head_dim)", "v width (kv_heads*head_dim)"};

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 3);
        long rows = Math.multiplyExact((long) batch, (long) qLen);
        TensorType q = in.get(0);
        Check.rank(MNEMONIC, "q", q, 2);
        Check.floating(MNEMONIC, "q", q);
        Check.dim(MNEMONIC, "q rows (batch*q_len)", q.shape().dim(0), rows);
        Check.dim(MNEMONIC, "q width (heads*head_dim)", q.last(), (long) heads * headDim);
        for (int i = 1; i <= 2; i++) {
            TensorType kv = in.get(i);
            Check.rank(MNEMONIC, KV_NAMES[i - 1], kv, 2);
            Check.dim(MNEMONIC, KV_ROWS[i - 1], kv.shape().dim(0), rows);
            Check.dim(MNEMONIC, KV_WIDTHS[i - 1], kv.last(), (long) kvHeads * headDim);
        }
        return List.of(q);
    }

    @Override
    public long flops(List<TensorType> in) {
        return Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(4L, (long) batch), (long) heads), (long) headDim), pairsPerSequence());
    }

    @Override
    public Traffic traffic(List<TensorType> in) {
        long read = in.get(0).bytes() + in.get(1).bytes() + in.get(2).bytes();
        long kv = kvDtype.bytesFor(Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(Math.multiplyExact((long) batch, AttentionMath.pastRead(qLen, kvLen, window)), 2L), (long) kvHeads), (long) headDim));
        return new Traffic(0, read, in.get(0).bytes(), kv, 0);
    }
}
