package io.moesim.ir.op;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.WeightFormat;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.List;

/**
 * The feed-forward networks of {@code experts} experts over a token-sorted input: expert e applies
 * its own FFN (h → ffn → h; SwiGLU: gate, up and down, GELU: up and down) to its {@code tokens[e]}
 * rows. Input and output {@code [T, h]}, T = Σ tokens. A dense FFN is the case experts = 1, top_k = 1.
 *
 * <p>FLOPs = 2·T·h·ffn·m with m = 3 (SwiGLU) or 2 (GELU): the matrix products; the activation's
 * elementwise work is negligible beside them and not counted. Weight bytes count only experts that
 * received tokens, in the weight format {@code wfmt} (default: {@code wdtype}; compressed experts store
 * fewer bits per weight and print {@code wbits} and {@code dequant}). Active parameters per token: top_k experts.
 */
public record ExpertFfn(int experts, int topK, LongImmutableList tokens, long hidden, long ffn, FfnActivation activation, DType wdtype,
        WeightFormat wfmt) implements Op {
    public static final String MNEMONIC = "expert_ffn";

    /** Weights stored in {@code wdtype} itself. */
    public ExpertFfn(int experts, int topK, LongImmutableList tokens, long hidden, long ffn, FfnActivation activation, DType wdtype) {
        this(experts, topK, tokens, hidden, ffn, activation, wdtype, null);
    }

    public ExpertFfn {
        if (wdtype == null) {
            throw new IllegalArgumentException(MNEMONIC + ": wdtype is required");
        }
        wfmt = wfmt == null ? WeightFormat.of(wdtype) : wfmt;
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

    /** The same experts over other token counts (the weight format kept). */
    public ExpertFfn withTokens(int experts, int topK, LongImmutableList tokens, long ffn) {
        return new ExpertFfn(experts, topK, tokens, hidden, ffn, activation, wdtype, wfmt);
    }

    /** True when the weights are stored in another format than {@code wdtype} (compressed experts). */
    public boolean compressed() {
        return !wfmt.equals(WeightFormat.of(wdtype));
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
        Attrs a = new Attrs().put("experts", experts).put("top_k", topK).put("tokens", tokens.toLongArray())
                .put("hidden", hidden).put("ffn", ffn).put("act", activation).put("wdtype", wdtype);
        if (compressed()) {
            a.put("wbits", wfmt.bitsPerWeight()).put("dequant", wfmt.dequantInstructions());
        }
        return a;
    }

    private static WeightFormat format(double bits, long dequant) {
        long milli = Math.round(bits * 1000);
        for (WeightFormat f : new WeightFormat[] {WeightFormat.INT8, WeightFormat.INT4, WeightFormat.NVFP4, WeightFormat.MXFP4, WeightFormat.TERNARY}) {
            if (f.milliBits() == milli && f.dequantInstructions() == dequant) {
                return f;
            }
        }
        WeightFormat b = WeightFormat.bits(bits);
        return new WeightFormat(b.name(), b.milliBits(), Math.toIntExact(dequant), null);
    }

    static ExpertFfn fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "experts", "top_k", "tokens", "hidden", "ffn", "act", "wdtype", "wbits", "dequant");
        if (a.has("wbits") != a.has("dequant")) {
            throw new IllegalArgumentException(MNEMONIC + ": wbits and dequant go together");
        }
        WeightFormat f = a.has("wbits") ? format(a.getDouble("wbits"), a.getLong("dequant")) : null;
        return new ExpertFfn(a.getPositiveInt("experts"), a.getPositiveInt("top_k"), LongImmutableList.of(a.getLongs("tokens")),
                a.getPositive("hidden"), a.getPositive("ffn"), a.getEnum("act", FfnActivation.class), a.getDType("wdtype"), f);
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
        return new Traffic(wfmt.bytesFor(Math.multiplyExact((long) activeExperts(), paramsPerExpert())), x.bytes(), x.bytes(), 0, 0);
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
