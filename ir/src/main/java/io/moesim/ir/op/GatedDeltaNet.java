package io.moesim.ir.op;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import java.util.List;

/**
 * Gated DeltaNet linear attention (Yang, Kautz, Hatamizadeh, "Gated Delta Networks: Improving Mamba2 with
 * Delta Rule", ICLR 2025; Qwen3-Next's {@code Qwen3NextGatedDeltaNet}): the short causal depthwise conv, the
 * gated delta-rule recurrence over a per-head state of {@code key_dim × value_dim}, and the gated RMSNorm of the
 * output. The projections around it (in_proj of q, k, v, z, b, a; the output projection) are matmuls of the graph.
 *
 * <p>Operands: {@code qkv [T, conv_dim]} (conv_dim = 2·key_heads·key_dim + value_heads·value_dim, the conv's
 * channels), {@code z [T, value_heads·value_dim]} (the output gate), {@code ba [T, 2·value_heads]} (β and the decay
 * input); result {@code [T, value_heads·value_dim]}; T = batch·q_len. Queries and keys of a key head serve
 * value_heads/key_heads value heads (the recurrence runs on value_heads heads).
 *
 * <p>FLOPs, per sequence (d_k = key_dim, d_v = value_dim, H = value_heads):
 * <ul>
 *   <li>conv: 2·conv_kernel·conv_dim per token;</li>
 *   <li>decode-shaped (the recurrent form): per token and head, decay of S (d_k·d_v), S^T k (2·d_k·d_v), the
 *       rank-1 update S += k ⊗ β(v − S^T k) (2·d_k·d_v) and the read o = S^T q (2·d_k·d_v): 7·d_k·d_v;</li>
 *   <li>otherwise the chunked (WY) form of flash-linear-attention's {@code chunk_gated_delta_rule}, per chunk of C
 *       tokens and head: K Kᵀ and Q Kᵀ (2·2C²d_k), W = T(βK) and U = T(βV) (2C²d_k + 2C²d_v), the triangular
 *       solve for T (C³/3), v' = U − W S (2C·d_k·d_v), o = Q S + (Q Kᵀ) v' (2C·d_k·d_v + 2C²d_v) and the state
 *       update S ← γS + Kᵀ v' (2C·d_k·d_v + d_k·d_v): 6C²d_k + 4C²d_v + 6C·d_k·d_v + C³/3 + d_k·d_v, i.e. per
 *       token about C·(6d_k + 4d_v) + 6·d_k·d_v.</li>
 * </ul>
 * The gated RMSNorm, the L2 norms of q and k and the gates' activations (a few FLOPs per element) are left out.
 *
 * <p>Traffic: the state is the layer's cache, fixed per sequence whatever the context: S (H·d_k·d_v) and the conv
 * state ((conv_kernel − 1)·conv_dim) in {@code state_dtype}, read when the sequence has a past (kv_len > q_len:
 * every decode, a continued prefill chunk) and written back once. The chunked form also writes each chunk's
 * state to memory and reads it back for the output ({@code chunk_fwd_h} / {@code chunk_fwd_o}): H·d_k·d_v
 * elements per chunk in the activation dtype, counted as activation traffic. Weights: the conv kernel
 * (conv_dim·conv_kernel), A_log and dt_bias (H each) and the norm's d_v, in the activation dtype.
 */
public record GatedDeltaNet(int keyHeads, int valueHeads, int keyDim, int valueDim, int convKernel, long batch, long qLen, long kvLen, int chunk,
        DType stateDtype) implements Op {
    public static final String MNEMONIC = "gated_delta_net";

    /** flash-linear-attention's chunk size for {@code chunk_gated_delta_rule} (BT = 64). */
    public static final int DEFAULT_CHUNK = 64;

    public GatedDeltaNet {
        Check.positive(MNEMONIC, "key_heads", keyHeads);
        Check.positive(MNEMONIC, "value_heads", valueHeads);
        Check.positive(MNEMONIC, "key_dim", keyDim);
        Check.positive(MNEMONIC, "value_dim", valueDim);
        Check.positive(MNEMONIC, "conv_kernel", convKernel);
        Check.queries(MNEMONIC, batch, qLen, kvLen);
        Check.positive(MNEMONIC, "chunk", chunk);
        if (valueHeads % keyHeads != 0) {
            throw new IllegalArgumentException(MNEMONIC + ": value_heads " + valueHeads + " is not a multiple of key_heads " + keyHeads);
        }
        if (stateDtype == null) {
            throw new IllegalArgumentException(MNEMONIC + ": state_dtype is required");
        }
    }

    /** Decode-shaped: the recurrent form (one query token per sequence, or a verifier's short query). */
    public boolean isDecode() {
        return Attention.isDecode(qLen, kvLen);
    }

    /** Channels of the short conv: q and k of every key head, v of every value head. */
    public long convDim() {
        return convDim(keyHeads, valueHeads, keyDim, valueDim);
    }

    /** State elements one sequence keeps in this layer: S of every value head and the conv's last kernel−1 inputs. */
    public long stateElements() {
        return stateElements(keyHeads, valueHeads, keyDim, valueDim, convKernel);
    }

    /** {@link #convDim()} of a layer of these dimensions (the model's {@code LinearAttention} asks it too). */
    public static long convDim(int keyHeads, int valueHeads, int keyDim, int valueDim) {
        return 2L * keyHeads * keyDim + (long) valueHeads * valueDim;
    }

    /** {@link #stateElements()} of a layer of these dimensions. */
    public static long stateElements(int keyHeads, int valueHeads, int keyDim, int valueDim, int convKernel) {
        return (long) valueHeads * keyDim * valueDim + (convKernel - 1L) * convDim(keyHeads, valueHeads, keyDim, valueDim);
    }

    @Override
    public String mnemonic() {
        return MNEMONIC;
    }

    @Override
    public Attrs attributes() {
        return new Attrs().put("key_heads", keyHeads).put("value_heads", valueHeads).put("key_dim", keyDim).put("value_dim", valueDim)
                .put("conv_kernel", convKernel).put("batch", batch).put("q_len", qLen).put("kv_len", kvLen).put("chunk", chunk)
                .put("state_dtype", stateDtype);
    }

    static GatedDeltaNet fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "key_heads", "value_heads", "key_dim", "value_dim", "conv_kernel", "batch", "q_len", "kv_len", "chunk", "state_dtype");
        return new GatedDeltaNet(a.getPositiveInt("key_heads"), a.getPositiveInt("value_heads"), a.getPositiveInt("key_dim"),
                a.getPositiveInt("value_dim"), a.getPositiveInt("conv_kernel"), a.getPositive("batch"), a.getPositive("q_len"),
                a.getPositive("kv_len"), a.getPositiveInt("chunk"), a.getDType("state_dtype"));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 3);
        long rows = Math.multiplyExact(batch, qLen);
        Check.rows(MNEMONIC, "qkv", in.get(0), rows, convDim());
        Check.rows(MNEMONIC, "z", in.get(1), rows, (long) valueHeads * valueDim);
        Check.rows(MNEMONIC, "ba", in.get(2), rows, 2L * valueHeads);
        return List.of(TensorType.of(in.get(0).dtype(), rows, (long) valueHeads * valueDim));
    }


    @Override
    public long params() {
        return convDim() * convKernel + 2L * valueHeads + valueDim;
    }

    /** FLOPs of the recurrence alone (no conv) for one sequence: see the class comment. */
    public long recurrenceFlopsPerSequence() {
        long kv = (long) keyDim * valueDim;
        if (isDecode()) {
            return Math.multiplyExact(Math.multiplyExact(qLen, (long) valueHeads), 7 * kv);
        }
        long c = Math.min(chunk, qLen);
        long full = qLen / c;
        long rest = qLen % c;
        long perHead = Math.addExact(Math.multiplyExact(full, chunkFlops(c)), rest == 0 ? 0 : chunkFlops(rest));
        return Math.multiplyExact(perHead, (long) valueHeads);
    }

    private long chunkFlops(long c) {
        long kv = (long) keyDim * valueDim;
        long cc = Math.multiplyExact(c, c);
        long sum = Math.addExact(Math.multiplyExact(cc, 6L * keyDim + 4L * valueDim), Math.multiplyExact(6 * c, kv));
        return Math.addExact(sum, Math.addExact(Math.multiplyExact(cc, c) / 3, kv));
    }

    /** Chunks of the chunked form per sequence (0 in the recurrent form). */
    public long chunks() {
        return isDecode() ? 0 : (qLen + chunk - 1) / chunk;
    }

    @Override
    public long flops(List<TensorType> in) {
        long conv = Math.multiplyExact(Math.multiplyExact(2L * convKernel, convDim()), qLen);
        return Math.multiplyExact(batch, Math.addExact(conv, recurrenceFlopsPerSequence()));
    }

    @Override
    public Traffic traffic(List<TensorType> in) {
        DType act = in.get(0).dtype();
        long read = Check.bytes(in);
        long out = inferTypes(in).get(0).bytes();
        long chunkStates = act.bytesFor(Math.multiplyExact(Math.multiplyExact(batch, chunks()), (long) valueHeads * keyDim * valueDim));
        long state = stateDtype.bytesFor(Math.multiplyExact(batch, stateElements()));
        long stateRead = kvLen > qLen ? state : 0;
        return new Traffic(act.bytesFor(params()), Math.addExact(read, chunkStates), Math.addExact(out, chunkStates), stateRead, state);
    }
}
