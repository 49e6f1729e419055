package io.moesim.ir.op;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import java.util.List;

/**
 * DeepSeek-V3.2's lightning indexer (DSA, DeepSeek Sparse Attention; DeepSeek-V3.2-Exp inference/model.py
 * {@code Indexer}): every query token scores every cached key of its sequence, I(t, s) = Σ_j w_{t,j}·ReLU(q_{t,j}·k_s)
 * over {@code heads} indexer heads of {@code head_dim}, in fp8, and keeps the {@code topk} best keys for the main
 * MLA attention ({@link MlaAttention} with {@code topk}).
 *
 * <p>Operands: {@code q [T, heads·head_dim]}, {@code k [T, head_dim]} (the new tokens' indexer keys),
 * {@code w [T, heads]} (the per-head weights); result: the selected key indices {@code int32 [T, topk]}; T = batch·q_len.
 *
 * <p>FLOPs = 2·batch·pairs·heads·(head_dim + 1): the q·k dot product of each head and the weighted sum over the
 * heads, for each causal (query, key) pair (pairs as {@link Attention}'s with no window); the ReLU and the top-k
 * selection are left out. Its key cache ({@link #keyBytes} a token: fp8 keys with one fp32 scale per block of 128, as
 * DeepSeek's {@code act_quant} quantises them and LightLLM's DeepSeek-V3.2 memory manager stores them) is read for the
 * whole past of each sequence (O(context) per token) and the new tokens' keys are written.
 */
public record LightningIndexer(int heads, int headDim, int topk, long batch, long qLen, long kvLen) implements Op {
    public static final String MNEMONIC = "lightning_indexer";

    /** Elements per fp32 scale of the fp8 indexer keys. */
    public static final int SCALE_BLOCK = 128;

    public LightningIndexer {
        Check.positive(MNEMONIC, "heads", heads);
        Check.positive(MNEMONIC, "head_dim", headDim);
        Check.positive(MNEMONIC, "topk", topk);
        Check.queries(MNEMONIC, batch, qLen, kvLen);
    }

    /** Bytes of one token's indexer key: head_dim fp8 values and a 4-byte scale per block of 128. */
    public static long keyBytes(int headDim) {
        return headDim + 4L * ((headDim + SCALE_BLOCK - 1) / SCALE_BLOCK);
    }

    public long keyBytes() {
        return keyBytes(headDim);
    }

    public boolean isDecode() {
        return Attention.isDecode(qLen, kvLen);
    }

    @Override
    public String mnemonic() {
        return MNEMONIC;
    }

    @Override
    public Attrs attributes() {
        return new Attrs().put("heads", heads).put("head_dim", headDim).put("topk", topk).put("batch", batch).put("q_len", qLen).put("kv_len", kvLen);
    }

    static LightningIndexer fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "heads", "head_dim", "topk", "batch", "q_len", "kv_len");
        return new LightningIndexer(a.getPositiveInt("heads"), a.getPositiveInt("head_dim"), a.getPositiveInt("topk"), a.getPositive("batch"),
                a.getPositive("q_len"), a.getPositive("kv_len"));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 3);
        long rows = Math.multiplyExact(batch, qLen);
        Check.rows(MNEMONIC, "q", in.get(0), rows, (long) heads * headDim);
        Check.rows(MNEMONIC, "k", in.get(1), rows, headDim);
        Check.rows(MNEMONIC, "w", in.get(2), rows, heads);
        return List.of(TensorType.of(DType.INT32, rows, topk));
    }


    /** Causal (query, key) pairs of one sequence: every key up to the query's position. */
    public long pairsPerSequence() {
        return AttentionMath.pairs(qLen, kvLen, true, 0);
    }

    @Override
    public long flops(List<TensorType> in) {
        return Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(2L, batch), pairsPerSequence()), (long) heads * (headDim + 1L));
    }

    @Override
    public Traffic traffic(List<TensorType> in) {
        long read = Check.bytes(in);
        long out = inferTypes(in).get(0).bytes();
        long cacheRead = Math.multiplyExact(Math.multiplyExact(batch, AttentionMath.pastRead(qLen, kvLen, 0)), keyBytes());
        long cacheWrite = Math.multiplyExact(Math.multiplyExact(batch, qLen), keyBytes());
        return new Traffic(0, read, out, cacheRead, cacheWrite);
    }
}
