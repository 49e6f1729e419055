package io.moesim.ir.op;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import java.util.List;

/**
 * Token-embedding lookup: {@code int32[...]} token ids → {@code outDtype[..., hidden]} from a table in {@code wdtype}
 * (the two differ where a quantised model keeps its table unquantised: a bf16 table, activations the graph types fp8).
 * Only the gathered rows are read (at most one per token, at most the vocabulary), counted as weight bytes.
 * {@code positional}: a learned-position table (OPT's), looked up by position ids, not token ids; engines keep it whole on
 * every rank (vLLM's OPT holds it in a plain {@code nn.Embedding}), where they split the token table over the vocabulary.
 * Attribute {@code positional}, written only where true.
 */
public record Embedding(long vocab, long hidden, DType wdtype, DType outDtype, boolean positional) implements Op {
    public static final String MNEMONIC = "embedding";

    public Embedding {
        Check.positive(MNEMONIC, "vocab", vocab);
        Check.positive(MNEMONIC, "hidden", hidden);
        if (outDtype == null) {
            outDtype = wdtype;
        }
    }

    /** A token table's lookup that writes in its table's precision. */
    public Embedding(long vocab, long hidden, DType wdtype) {
        this(vocab, hidden, wdtype, wdtype, false);
    }

    /** A token table's lookup that writes in {@code outDtype}. */
    public Embedding(long vocab, long hidden, DType wdtype, DType outDtype) {
        this(vocab, hidden, wdtype, outDtype, false);
    }

    @Override
    public String mnemonic() {
        return MNEMONIC;
    }

    @Override
    public Attrs attributes() {
        Attrs a = new Attrs().put("vocab", vocab).put("hidden", hidden).put("wdtype", wdtype);
        if (outDtype != wdtype) {
            a.put("out_dtype", outDtype);
        }
        return positional ? a.put("positional", true) : a;
    }

    static Embedding fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "vocab", "hidden", "wdtype", "out_dtype", "positional");
        DType w = a.getDType("wdtype");
        return new Embedding(a.getPositive("vocab"), a.getPositive("hidden"), w, a.has("out_dtype") ? a.getDType("out_dtype") : w,
                a.getBool("positional", false));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 1);
        TensorType ids = in.get(0);
        Check.dtype(MNEMONIC, "token ids", ids, DType.INT32);
        long[] d = ids.shape().dims();
        long[] out = java.util.Arrays.copyOf(d, d.length + 1);
        out[d.length] = hidden;
        return List.of(TensorType.of(outDtype, out));
    }

    @Override
    public long flops(List<TensorType> in) {
        return 0;
    }

    @Override
    public Traffic traffic(List<TensorType> in) {
        long t = in.get(0).elements();
        long rows = Math.min(t, vocab);
        return new Traffic(wdtype.bytesFor(Math.multiplyExact((long) rows, (long) hidden)), in.get(0).bytes(), outDtype.bytesFor(Math.multiplyExact((long) t, (long) hidden)), 0, 0);
    }

    @Override
    public long params() {
        return Math.multiplyExact((long) vocab, (long) hidden);
    }
}
