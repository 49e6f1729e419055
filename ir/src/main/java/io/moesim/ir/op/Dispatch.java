package io.moesim.ir.op;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.List;

/**
 * Token permutation to the experts: each of the T tokens is copied once per selected expert and the
 * copies are sorted by expert. Operands: x {@code [T, h]} and the router's indices
 * {@code int32[T, top_k]}; result {@code [T·top_k, h]}. {@code tokens[e]} is how many copies go to
 * expert e, so Σ tokens = T·top_k: routed tokens are conserved, and the verifier checks it.
 */
public record Dispatch(int experts, int topK, LongImmutableList tokens) implements Op {
    public static final String MNEMONIC = "dispatch";

    public Dispatch {
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

    static Dispatch fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "experts", "top_k", "tokens");
        return new Dispatch(a.getPositiveInt("experts"), a.getPositiveInt("top_k"), LongImmutableList.of(a.getLongs("tokens")));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 2);
        TensorType x = in.get(0);
        TensorType idx = in.get(1);
        Check.rank(MNEMONIC, "input", x, 2);
        Check.rank(MNEMONIC, "indices", idx, 2);
        Check.dtype(MNEMONIC, "indices", idx, DType.INT32);
        long t = x.shape().dim(0);
        Check.dim(MNEMONIC, "indices rows", idx.shape().dim(0), t);
        Check.dim(MNEMONIC, "indices columns (top_k)", idx.shape().dim(1), topK);
        Check.dim(MNEMONIC, "sum of expert tokens (T*top_k: routed tokens are conserved)", Check.sum(tokens), t * topK);
        return List.of(TensorType.of(x.dtype(), t * topK, x.last()));
    }

    @Override
    public long flops(List<TensorType> in) {
        return 0;
    }

    @Override
    public Traffic traffic(List<TensorType> in) {
        TensorType x = in.get(0);
        return Traffic.activations(x.bytes() + in.get(1).bytes(), Math.multiplyExact(x.bytes(), (long) topK));
    }
}
