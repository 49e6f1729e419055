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
 */
public record MlaAttention(int heads, int kvLoraRank, int ropeDim, int nopeDim, int vHeadDim, long batch, long qLen, long kvLen,
        boolean causal, boolean absorbed, DType kvDtype) implements Op {
    public static final String MNEMONIC = "mla_attention";

    public MlaAttention {
        Check.positive(MNEMONIC, "heads", heads);
        Check.positive(MNEMONIC, "kv_lora_rank", kvLoraRank);
        Check.positive(MNEMONIC, "rope_dim", ropeDim);
        Check.positive(MNEMONIC, "nope_dim", nopeDim);
        Check.positive(MNEMONIC, "v_head_dim", vHeadDim);
        Check.positive(MNEMONIC, "batch", batch);
        Check.positive(MNEMONIC, "q_len", qLen);
        Check.positive(MNEMONIC, "kv_len", kvLen);
        if (qLen > kvLen) {
            throw new IllegalArgumentException(MNEMONIC + ": q_len " + qLen + " exceeds kv_len " + kvLen);
        }
    }

    /** Decode-shaped: one query token per sequence, or a verifier's short query (see {@link Attention#isDecode()}). */
    public boolean isDecode() {
        return Attention.isDecode(qLen, kvLen);
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
        return new Attrs().put("heads", heads).put("kv_lora_rank", kvLoraRank).put("rope_dim", ropeDim).put("nope_dim", nopeDim)
                .put("v_head_dim", vHeadDim).put("batch", batch).put("q_len", qLen).put("kv_len", kvLen).put("causal", causal)
                .put("absorbed", absorbed).put("kv_dtype", kvDtype);
    }

    static MlaAttention fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "heads", "kv_lora_rank", "rope_dim", "nope_dim", "v_head_dim", "batch", "q_len", "kv_len", "causal", "absorbed",
                "kv_dtype");
        return new MlaAttention(a.getPositiveInt("heads"), a.getPositiveInt("kv_lora_rank"), a.getPositiveInt("rope_dim"),
                a.getPositiveInt("nope_dim"), a.getPositiveInt("v_head_dim"), a.getPositive("batch"), a.getPositive("q_len"),
                a.getPositive("kv_len"), a.getBool("causal"), a.getBool("absorbed"), a.getDType("kv_dtype"));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, absorbed ? 2 : 3);
        long rows = Math.multiplyExact((long) batch, (long) qLen);
        TensorType q = in.get(0);
        if (absorbed) {
            checkOperand("q", q, rows, heads * cacheWidth());
            checkOperand("latent", in.get(1), rows, cacheWidth());
            return List.of(TensorType.of(q.dtype(), rows, (long) heads * kvLoraRank));
        }
        checkOperand("q", q, rows, (long) heads * (nopeDim + ropeDim));
        checkOperand("k", in.get(1), rows, (long) heads * (nopeDim + ropeDim));
        checkOperand("v", in.get(2), rows, (long) heads * vHeadDim);
        return List.of(TensorType.of(q.dtype(), rows, (long) heads * vHeadDim));
    }

    private static void checkOperand(String what, TensorType t, long rows, long width) {
        Check.rank(MNEMONIC, what, t, 2);
        Check.dim(MNEMONIC, what + " rows (batch*q_len)", t.shape().dim(0), rows);
        Check.dim(MNEMONIC, what + " width", t.last(), width);
    }

    @Override
    public long flops(List<TensorType> in) {
        long pairs = AttentionMath.pairs(qLen, kvLen, causal, 0);
        long perPair = absorbed ? 2L * kvLoraRank + ropeDim : (long) nopeDim + ropeDim + vHeadDim;
        return Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(2L, (long) batch), (long) heads), pairs), perPair);
    }

    @Override
    public Traffic traffic(List<TensorType> in) {
        long read = 0;
        for (TensorType t : in) {
            read += t.bytes();
        }
        long out = inferTypes(in).get(0).bytes();
        long kv = kvDtype.bytesFor(Math.multiplyExact(Math.multiplyExact((long) batch, AttentionMath.pastRead(qLen, kvLen, 0)), (long) cacheWidth()));
        return new Traffic(0, read, out, kv, 0);
    }
}
