package io.moesim.ir.op;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.List;

/**
 * The feed-forward networks of {@code experts} experts over a token-sorted input: expert e applies
 * its own FFN (h → ffn → h; SwiGLU: gate, up and down, GELU: up and down) to its {@code tokens[e]}
 * rows. Input and output {@code [T, h]}, T = Σ tokens. A dense FFN is the case experts = 1, top_k = 1.
 *
 * <p>FLOPs = 2·T·h·ffn·m with m = 3 (SwiGLU) or 2 (GELU): the matrix products; the activation's
 * elementwise work is negligible beside them and not counted. Weight bytes count only experts that
 * received tokens. Active parameters per token: top_k experts.
 */
public record ExpertFfn(int experts, int topK, LongImmutableList tokens, long hidden, long ffn, FfnActivation activation, DType wdtype)
        implements Op {
    public static final String MNEMONIC = "expert_ffn";

    public ExpertFfn {
        Check.positive(MNEMONIC, "experts", experts);
        Check.positive(MNEMONIC, "top_k", topK);
        Check.positive(MNEMONIC, "hidden", hidden);
        Check.positive(MNEMONIC, "ffn", ffn);
        if (topK > experts) {
            throw new IllegalArgumentException(MNEMONIC + ": top_k " + topK + " exceeds experts " + experts);
        }
        if (tokens.size() != experts) {
            throw new IllegalArgumentException(MNEMONIC + ": tokens lists " + tokens.size() + " experts, expected " + experts);
        }
        Check.sum(tokens);
    }

    /** A dense FFN over T tokens. */
    public static ExpertFfn dense(long t, long hidden, long ffn, FfnActivation act, DType wdtype) {
        return new ExpertFfn(1, 1, LongImmutableList.of(t), hidden, ffn, act, wdtype);
    }

    public long totalTokens() {
        return Check.sum(tokens);
    }

    /** Experts that received at least one token (their weights are read). */
    public int activeExperts() {
        return Check.nonZero(tokens);
    }

    public long paramsPerExpert() {
        return Math.multiplyExact(Math.multiplyExact((long) activation.matrices(), (long) hidden), (long) ffn);
    }

    @Override
    public String mnemonic() {
        return MNEMONIC;
    }

    @Override
    public Attrs attributes() {
        return new Attrs().put("experts", experts).put("top_k", topK).put("tokens", tokens.toLongArray())
                .put("hidden", hidden).put("ffn", ffn).put("act", activation).put("wdtype", wdtype);
    }

    static ExpertFfn fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "experts", "top_k", "tokens", "hidden", "ffn", "act", "wdtype");
        return new ExpertFfn(a.getPositiveInt("experts"), a.getPositiveInt("top_k"), LongImmutableList.of(a.getLongs("tokens")),
                a.getPositive("hidden"), a.getPositive("ffn"), a.getEnum("act", FfnActivation.class), a.getDType("wdtype"));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 1);
        TensorType x = in.get(0);
        Check.rank(MNEMONIC, "input", x, 2);
        Check.floating(MNEMONIC, "input", x);
        Check.dim(MNEMONIC, "input rows (sum of expert tokens)", x.shape().dim(0), totalTokens());
        Check.dim(MNEMONIC, "input last dim (hidden)", x.last(), hidden);
        return List.of(x);
    }

    @Override
    public long flops(List<TensorType> in) {
        return Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(2L, totalTokens()), (long) hidden), (long) ffn), (long) activation.matrices());
    }

    @Override
    public Traffic traffic(List<TensorType> in) {
        TensorType x = in.get(0);
        return new Traffic(wdtype.bytesFor(Math.multiplyExact((long) activeExperts(), paramsPerExpert())), x.bytes(), x.bytes(), 0, 0);
    }

    @Override
    public long params() {
        return Math.multiplyExact((long) experts, paramsPerExpert());
    }

    @Override
    public long activeParams() {
        return Math.multiplyExact((long) topK, paramsPerExpert());
    }
}
