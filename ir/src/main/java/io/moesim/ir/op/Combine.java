package io.moesim.ir.op;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.List;

/**
 * Inverse of {@link Dispatch}: the expert outputs {@code [T·top_k, h]} are scattered back to token
 * order and summed with the router's weights {@code fp32[T, top_k]} into {@code [T, h]}.
 * FLOPs = 2·T·top_k·h (a multiply and an add per element of each copy).
 */
public record Combine(int experts, int topK, LongImmutableList tokens) implements Op {
    public static final String MNEMONIC = "combine";

    public Combine {
        Check.positive(MNEMONIC, "experts", experts);
        Check.positive(MNEMONIC, "top_k", topK);
        if (tokens.size() != experts) {
            throw new IllegalArgumentException(MNEMONIC + ": tokens lists " + tokens.size() + " experts, expected " + experts);
        }
        Check.sum(tokens);
    }

    @Override
    public String mnemonic() {
        return MNEMONIC;
    }

    @Override
    public Attrs attributes() {
        return new Attrs().put("experts", experts).put("top_k", topK).put("tokens", tokens.toLongArray());
    }

    static Combine fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "experts", "top_k", "tokens");
        return new Combine(a.getPositiveInt("experts"), a.getPositiveInt("top_k"), LongImmutableList.of(a.getLongs("tokens")));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 2);
        TensorType y = in.get(0);
        TensorType w = in.get(1);
        Check.rank(MNEMONIC, "expert outputs", y, 2);
        Check.rank(MNEMONIC, "weights", w, 2);
        Check.dtype(MNEMONIC, "weights", w, DType.FP32);
        Check.dim(MNEMONIC, "weights columns (top_k)", w.shape().dim(1), topK);
        long t = w.shape().dim(0);
        long routed = Math.multiplyExact(t, (long) topK);
        Check.dim(MNEMONIC, "expert output rows (T*top_k)", y.shape().dim(0), routed);
        Check.dim(MNEMONIC, "sum of expert tokens (T*top_k: routed tokens are conserved)", Check.sum(tokens), routed);
        return List.of(TensorType.of(y.dtype(), t, y.last()));
    }

    @Override
    public long flops(List<TensorType> in) {
        return Math.multiplyExact(2L, in.get(0).elements());
    }

    @Override
    public Traffic traffic(List<TensorType> in) {
        TensorType y = in.get(0);
        return Traffic.activations(y.bytes() + in.get(1).bytes(), y.bytes() / topK);
    }
}
