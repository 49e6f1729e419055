package io.moesim.ir.op;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import java.util.List;

/**
 * Multi-head latent attention (DeepSeek-V2/V3). The KV cache holds per token one latent vector of
 * {@code kv_lora_rank} plus a shared RoPE key of {@code rope_dim}.
 *
 * <ul>
 *   <li>{@code absorbed = true} (decode): the up-projections are folded into q and the output, so
 *       attention runs in latent space: q {@code [T, heads·(rank+rope)]}, latent {@code [T, rank+rope]}
 *       → {@code [T, heads·rank]}; FLOPs = 2·batch·heads·pairs·(2·rank + rope).</li>
 *   <li>{@code absorbed = false} (prefill): ordinary heads of nope+rope query/key dims and v_head_dim
 *       values: q, k {@code [T, heads·(nope+rope)]}, v {@code [T, heads·v_head_dim]} →
 *       {@code [T, heads·v_head_dim]}; FLOPs = 2·batch·heads·pairs·(nope + rope + v_head_dim).</li>
 * </ul>
 * KV bytes read = batch·past·(rank + rope)·sizeof(kv_dtype) in both forms.
 *
 * <p>Sparse (DeepSeek-V3.2's DSA, {@code topk > 0}): a last operand {@code int32 [T, topk]} holds the keys a
 * {@link LightningIndexer} selected, and each query attends to min(its causal context, topk) keys (pairs counted
 * as a window of topk); the latent KV read per sequence is min(past, topk·q_len) entries (one decode token: at most
 * topk, whatever the context; a long prefill chunk's queries select over the whole past, read once).
 */
public record MlaAttention(int heads, int kvLoraRank, int ropeDim, int nopeDim, int vHeadDim, long batch, long qLen, long kvLen,
        boolean causal, boolean absorbed, DType kvDtype, int topk) implements Op {
    public static final String MNEMONIC = "mla_attention";

    /** Dense MLA (every key). */
    public MlaAttention(int heads, int kvLoraRank, int ropeDim, int nopeDim, int vHeadDim, long batch, long qLen, long kvLen, boolean causal,
            boolean absorbed, DType kvDtype) {
        this(heads, kvLoraRank, ropeDim, nopeDim, vHeadDim, batch, qLen, kvLen, causal, absorbed, kvDtype, 0);
    }

    public MlaAttention {
        if (topk < 0) {
            throw new IllegalArgumentException(MNEMONIC + ": topk must be >= 0 (0: dense), got " + topk);
        }
        Check.positive(MNEMONIC, "heads", heads);
        Check.positive(MNEMONIC, "kv_lora_rank", kvLoraRank);
        Check.positive(MNEMONIC, "rope_dim", ropeDim);
        Check.positive(MNEMONIC, "nope_dim", nopeDim);
        Check.positive(MNEMONIC, "v_head_dim", vHeadDim);
        Check.queries(MNEMONIC, batch, qLen, kvLen);
    }

    /** Decode-shaped: one query token per sequence, or a verifier's short query (see {@link Attention#isDecode()}). */
    public boolean isDecode() {
        return Attention.isDecode(qLen, kvLen);
    }

    /** Whether the attention is DSA-sparse (attends to the indexer's top-k keys). */
    public boolean sparse() {
        return topk > 0;
    }

    /**
     * Keys each decode query attends to (min(kv_len, topk) when sparse), the KV length a decode kernel walks; for a
     * prefill-shaped op, kv_len.
     */
    public long attendedKeys() {
        return sparse() && isDecode() ? Math.min(kvLen, topk) : kvLen;
    }

    /** Query-key pairs of one sequence (sparse: each query sees at most topk keys). */
    public long pairsPerSequence() {
        return AttentionMath.pairs(qLen, kvLen, causal, topk);
    }

    /** Latent KV-cache entries read per sequence: the past, or at most topk per query token when sparse. */
    public long kvEntriesRead() {
        long past = AttentionMath.pastRead(qLen, kvLen, 0);
        return sparse() ? Math.min(past, Math.multiplyExact((long) topk, qLen)) : past;
    }

    /** Latent KV-cache elements per token. */
    public long cacheWidth() {
        return (long) kvLoraRank + ropeDim;
    }

    @Override
    public String mnemonic() {
        return MNEMONIC;
    }

    @Override
    public Attrs attributes() {
        Attrs a = new Attrs().put("heads", heads).put("kv_lora_rank", kvLoraRank).put("rope_dim", ropeDim).put("nope_dim", nopeDim)
                .put("v_head_dim", vHeadDim).put("batch", batch).put("q_len", qLen).put("kv_len", kvLen).put("causal", causal)
                .put("absorbed", absorbed).put("kv_dtype", kvDtype);
        return topk > 0 ? a.put("topk", topk) : a;
    }

    static MlaAttention fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "heads", "kv_lora_rank", "rope_dim", "nope_dim", "v_head_dim", "batch", "q_len", "kv_len", "causal", "absorbed",
                "kv_dtype", "topk");
        return new MlaAttention(a.getPositiveInt("heads"), a.getPositiveInt("kv_lora_rank"), a.getPositiveInt("rope_dim"),
                a.getPositiveInt("nope_dim"), a.getPositiveInt("v_head_dim"), a.getPositive("batch"), a.getPositive("q_len"),
                a.getPositive("kv_len"), a.getBool("causal"), a.getBool("absorbed"), a.getDType("kv_dtype"), a.has("topk") ? a.getPositiveInt("topk") : 0);
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, (absorbed ? 2 : 3) + (sparse() ? 1 : 0));
        long rows = Math.multiplyExact((long) batch, (long) qLen);
        TensorType q = in.get(0);
        if (sparse()) {
            TensorType idx = in.get(in.size() - 1);
            Check.rows(MNEMONIC, "indices", idx, rows, topk);
            Check.dtype(MNEMONIC, "indices", idx, DType.INT32);
        }
        if (absorbed) {
            Check.rows(MNEMONIC, "q", q, rows, heads * cacheWidth());
            Check.rows(MNEMONIC, "latent", in.get(1), rows, cacheWidth());
            return List.of(TensorType.of(q.dtype(), rows, (long) heads * kvLoraRank));
        }
        Check.rows(MNEMONIC, "q", q, rows, (long) heads * (nopeDim + ropeDim));
        Check.rows(MNEMONIC, "k", in.get(1), rows, (long) heads * (nopeDim + ropeDim));
        Check.rows(MNEMONIC, "v", in.get(2), rows, (long) heads * vHeadDim);
        return List.of(TensorType.of(q.dtype(), rows, (long) heads * vHeadDim));
    }


    @Override
    public long flops(List<TensorType> in) {
        long pairs = pairsPerSequence();
        long perPair = absorbed ? 2L * kvLoraRank + ropeDim : (long) nopeDim + ropeDim + vHeadDim;
        return Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(2L, (long) batch), (long) heads), pairs), perPair);
    }

    @Override
    public Traffic traffic(List<TensorType> in) {
        long read = Check.bytes(in);
        long out = inferTypes(in).get(0).bytes();
        long kv = kvDtype.bytesFor(Math.multiplyExact(Math.multiplyExact((long) batch, kvEntriesRead()), (long) cacheWidth()));
        return new Traffic(0, read, out, kv, 0);
    }
}
