package io.moesim.ir.op;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import java.util.List;

/**
 * Token-embedding lookup: {@code int32[...]} token ids → {@code wdtype[..., hidden]}. Only the
 * gathered rows are read (at most one per token, at most the vocabulary), counted as weight bytes.
 */
public record Embedding(long vocab, long hidden, DType wdtype) implements Op {
    public static final String MNEMONIC = "embedding";

    public Embedding {
        Check.positive(MNEMONIC, "vocab", vocab);
        Check.positive(MNEMONIC, "hidden", hidden);
    }

    @Override
    public String mnemonic() {
        return MNEMONIC;
    }

    @Override
    public Attrs attributes() {
        return new Attrs().put("vocab", vocab).put("hidden", hidden).put("wdtype", wdtype);
    }

    static Embedding fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "vocab", "hidden", "wdtype");
        return new Embedding(a.getPositive("vocab"), a.getPositive("hidden"), a.getDType("wdtype"));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 1);
        TensorType ids = in.get(0);
        Check.dtype(MNEMONIC, "token ids", ids, DType.INT32);
        long[] d = ids.shape().dims();
        long[] out = java.util.Arrays.copyOf(d, d.length + 1);
        out[d.length] = hidden;
        return List.of(TensorType.of(wdtype, out));
    }

    @Override
    public long flops(List<TensorType> in) {
        return 0;
    }

    @Override
    public Traffic traffic(List<TensorType> in) {
        long t = in.get(0).elements();
        long rows = Math.min(t, vocab);
        return new Traffic(wdtype.bytesFor(Math.multiplyExact((long) rows, (long) hidden)), in.get(0).bytes(), wdtype.bytesFor(Math.multiplyExact((long) t, (long) hidden)), 0, 0);
    }

    @Override
    public long params() {
        return Math.multiplyExact((long) vocab, (long) hidden);
    }
}
