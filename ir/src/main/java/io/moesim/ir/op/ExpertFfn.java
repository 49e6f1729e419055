package io.moesim.ir.op;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.WeightFormat;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The feed-forward networks of {@code experts} experts over a token-sorted input: expert e applies
 * its own FFN (h → ffn → h; SwiGLU: gate, up and down, GELU: up and down) to its {@code tokens[e]}
 * rows. Input and output {@code [T, h]}, T = Σ tokens. A dense FFN (a dense model's MLP, a MoE layer's shared experts) is
 * the case experts = 1, top_k = 1, not {@code routed}.
 *
 * <p><b>Routed or dense.</b> {@code routed} says the op is a MoE layer's routed experts, run by a fused MoE kernel behind a
 * router, not a dense FFN's linear layers. A block of several experts is always routed; a routed block can be left with one
 * expert once it is split (EP as wide as the experts, a tile of one expert, one side of expert co-processing, a wide-EP rank of
 * one slot), and the flag keeps it routed through {@link #withTokens}, {@link #select} and {@link #concat}. In text it prints
 * {@code routed=true} only where it is not implied (one expert); text without it reads one expert as dense, as before the flag.
 *
 * <p>FLOPs = 2·T·h·ffn·m with m = 3 (SwiGLU) or 2 (GELU): the matrix products; the activation's
 * elementwise work is negligible beside them and not counted. Weight bytes count only experts that
 * received tokens, in the weight format {@code wfmt} (default: {@code wdtype}; compressed experts store
 * fewer bits per weight and print {@code wbits} and {@code dequant}). Active parameters per token: top_k experts.
 *
 * <p><b>Per-expert formats</b> (mixed precision within a layer, MC-MoE style): {@code wfmts}, when not
 * null, gives expert e's format at position e (aligned with {@code tokens}); {@code wfmt} stays the
 * layer's default. A list whose entries are all one format collapses to that format (so a uniform
 * file gives the same op, and plan, as a layer format). Subsets ({@link #select}) keep each chosen
 * expert's own format; a mixed op prints {@code wmbits} (milli-bits) and {@code dequants} per expert.
 */
public record ExpertFfn(int experts, int topK, LongImmutableList tokens, long hidden, long ffn, FfnActivation activation, DType wdtype,
        WeightFormat wfmt, List<WeightFormat> wfmts, boolean routed) implements Op {
    public static final String MNEMONIC = "expert_ffn";

    /** Routed where there are several experts, else a dense FFN. */
    public ExpertFfn(int experts, int topK, LongImmutableList tokens, long hidden, long ffn, FfnActivation activation, DType wdtype,
            WeightFormat wfmt, List<WeightFormat> wfmts) {
        this(experts, topK, tokens, hidden, ffn, activation, wdtype, wfmt, wfmts, experts > 1);
    }

    /** Weights stored in {@code wdtype} itself. */
    public ExpertFfn(int experts, int topK, LongImmutableList tokens, long hidden, long ffn, FfnActivation activation, DType wdtype) {
        this(experts, topK, tokens, hidden, ffn, activation, wdtype, null, null);
    }

    /** Every expert's weights in {@code wfmt}. */
    public ExpertFfn(int experts, int topK, LongImmutableList tokens, long hidden, long ffn, FfnActivation activation, DType wdtype,
            WeightFormat wfmt) {
        this(experts, topK, tokens, hidden, ffn, activation, wdtype, wfmt, null);
    }

    public ExpertFfn {
        if (wdtype == null) {
            throw new IllegalArgumentException(MNEMONIC + ": wdtype is required");
        }
        wfmt = wfmt == null ? WeightFormat.of(wdtype) : wfmt;
        if (wfmts != null) {
            if (wfmts.size() != experts) {
                throw new IllegalArgumentException(MNEMONIC + ": per-expert formats list " + wfmts.size() + " experts, expected " + experts);
            }
            WeightFormat[] a = new WeightFormat[experts];
            boolean same = true;
            for (int e = 0; e < experts; e++) {
                a[e] = wfmts.get(e) == null ? wfmt : wfmts.get(e);
                same &= a[e].equals(a[0]);
            }
            if (same) {
                wfmt = experts > 0 ? a[0] : wfmt;
                wfmts = null;
            } else {
                wfmts = List.of(a);
            }
        }
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
        // several experts are a router's by definition
        routed |= experts > 1;
    }

    /** A dense FFN over T tokens. */
    public static ExpertFfn dense(long t, long hidden, long ffn, FfnActivation act, DType wdtype) {
        return new ExpertFfn(1, 1, LongImmutableList.of(t), hidden, ffn, act, wdtype);
    }

    /** The same experts as a MoE layer's routed block ({@code routed}), which it stays when split to one expert. */
    public ExpertFfn asRouted() {
        return routed ? this : new ExpertFfn(experts, topK, tokens, hidden, ffn, activation, wdtype, wfmt, wfmts, true);
    }

    /** Whether this is a dense FFN: one expert, not a routed block's. */
    public boolean dense() {
        return !routed;
    }

    /**
     * Experts over other token counts with the layer's format, routed where this op is. A mixed op keeps its per-expert
     * formats only when the expert count is unchanged; a subset of a mixed op is {@link #select}.
     */
    public ExpertFfn withTokens(int experts, int topK, LongImmutableList tokens, long ffn) {
        if (wfmts != null && experts != this.experts) {
            throw new IllegalArgumentException(MNEMONIC + ": a mixed-format op's " + this.experts + " experts cannot become " + experts
                    + " without naming which (use select)");
        }
        return new ExpertFfn(experts, topK, tokens, hidden, ffn, activation, wdtype, wfmt, wfmts, routed);
    }

    /**
     * The experts at positions {@code which} (in that order), with {@code tokens[i]} for {@code which[i]}, each keeping its format;
     * routed where this op is.
     */
    public ExpertFfn select(int[] which, long[] tokens, int topK, long ffn) {
        if (which.length != tokens.length) {
            throw new IllegalArgumentException(MNEMONIC + ": " + which.length + " experts chosen, " + tokens.length + " token counts");
        }
        List<WeightFormat> f = null;
        if (wfmts != null) {
            f = new ArrayList<>();
            for (int e : which) {
                f.add(wfmts.get(e));
            }
        }
        return new ExpertFfn(which.length, topK, LongImmutableList.of(tokens), hidden, ffn, activation, wdtype, wfmt, f, routed);
    }

    /**
     * The experts of {@code parts} side by side (tokens and formats concatenated), shape and layer format of the first; routed
     * where any part is.
     */
    public static ExpertFfn concat(List<ExpertFfn> parts, int topK) {
        ExpertFfn f0 = parts.get(0);
        it.unimi.dsi.fastutil.longs.LongArrayList tok = new it.unimi.dsi.fastutil.longs.LongArrayList();
        List<WeightFormat> f = new ArrayList<>();
        boolean mixed = false;
        boolean routed = false;
        for (ExpertFfn p : parts) {
            routed |= p.routed();
            tok.addAll(p.tokens());
            mixed |= p.mixed() || !p.wfmt().equals(f0.wfmt());
            for (int e = 0; e < p.experts(); e++) {
                f.add(p.formatOf(e));
            }
        }
        return new ExpertFfn(tok.size(), Math.min(topK, tok.size()), LongImmutableList.of(tok.toLongArray()), f0.hidden(), f0.ffn(),
                f0.activation(), f0.wdtype(), f0.wfmt(), mixed ? f : null, routed);
    }

    /** True when the experts do not all share one format. */
    public boolean mixed() {
        return wfmts != null;
    }

    /** Expert {@code e}'s weight format. */
    public WeightFormat formatOf(int e) {
        return wfmts != null ? wfmts.get(e) : wfmt;
    }

    /**
     * The experts grouped by format, in order of each format's first expert: for each format, the
     * positions of its experts (ascending). A uniform op is one group of every expert.
     */
    public Map<WeightFormat, int[]> groups() {
        Map<WeightFormat, List<Integer>> g = new LinkedHashMap<>();
        for (int e = 0; e < experts; e++) {
            g.computeIfAbsent(formatOf(e), k -> new ArrayList<>()).add(e);
        }
        Map<WeightFormat, int[]> out = new LinkedHashMap<>();
        g.forEach((k, v) -> out.put(k, v.stream().mapToInt(Integer::intValue).toArray()));
        return out;
    }

    /** The uniform ops of {@link #groups}, each with its experts' tokens and format. */
    public List<ExpertFfn> byFormat() {
        List<ExpertFfn> out = new ArrayList<>();
        for (int[] which : groups().values()) {
            long[] t = new long[which.length];
            for (int i = 0; i < which.length; i++) {
                t[i] = tokens.getLong(which[i]);
            }
            out.add(select(which, t, Math.min(topK, which.length), ffn));
        }
        return out;
    }

    /** Bytes of the weights of all experts (each in its format). */
    public long weightBytes() {
        return expertBytes(false);
    }

    private long expertBytes(boolean activeOnly) {
        if (wfmts == null) {
            return wfmt.bytesFor(Math.multiplyExact((long) (activeOnly ? activeExperts() : experts), paramsPerExpert()));
        }
        long b = 0;
        for (int e = 0; e < experts; e++) {
            if (!activeOnly || tokens.getLong(e) > 0) {
                b = Math.addExact(b, wfmts.get(e).bytesFor(paramsPerExpert()));
            }
        }
        return b;
    }

    /** True when the weights are stored in another format than {@code wdtype} (compressed experts). */
    public boolean compressed() {
        WeightFormat plain = WeightFormat.of(wdtype);
        if (wfmts == null) {
            return !wfmt.equals(plain);
        }
        return wfmts.stream().anyMatch(f -> !f.equals(plain));
    }

    public long totalTokens() {
        return Check.sum(tokens);
    }

    /**
     * The tokens its rows serve: the rows over top_k, rounded up (each token takes top_k rows; exact where all a layer's
     * experts are here, under EP a lower bound, as the op does not see the tokens routed elsewhere).
     */
    public long servedTokens() {
        return (totalTokens() + topK - 1) / topK;
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
        if (!wfmt.equals(WeightFormat.of(wdtype))) {
            a.put("wbits", wfmt.bitsPerWeight()).put("dequant", wfmt.dequantInstructions());
        }
        if (wfmts != null) {
            a.put("wmbits", wfmts.stream().mapToLong(WeightFormat::milliBits).toArray())
                    .put("dequants", wfmts.stream().mapToLong(WeightFormat::dequantInstructions).toArray());
        }
        if (routed && experts == 1) {
            a.put("routed", true);
        }
        return a;
    }

    private static WeightFormat format(double bits, long dequant, DType wdtype) {
        WeightFormat plain = WeightFormat.of(wdtype);
        if (plain.milliBits() == Math.round(bits * 1000) && plain.dequantInstructions() == dequant) {
            return plain;
        }
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
        a.allowOnly(MNEMONIC, "experts", "top_k", "tokens", "hidden", "ffn", "act", "wdtype", "wbits", "dequant", "wmbits", "dequants",
                "routed");
        if (a.has("wbits") != a.has("dequant")) {
            throw new IllegalArgumentException(MNEMONIC + ": wbits and dequant go together");
        }
        if (a.has("wmbits") != a.has("dequants")) {
            throw new IllegalArgumentException(MNEMONIC + ": wmbits and dequants go together");
        }
        DType wd = a.getDType("wdtype");
        WeightFormat f = a.has("wbits") ? format(a.getDouble("wbits"), a.getLong("dequant"), wd) : null;
        List<WeightFormat> fs = null;
        if (a.has("wmbits")) {
            long[] mb = a.getLongs("wmbits");
            long[] dq = a.getLongs("dequants");
            if (mb.length != dq.length) {
                throw new IllegalArgumentException(MNEMONIC + ": wmbits lists " + mb.length + " experts, dequants " + dq.length);
            }
            fs = new ArrayList<>();
            for (int e = 0; e < mb.length; e++) {
                fs.add(format(mb[e] / 1000.0, dq[e], wd));
            }
        }
        int experts = a.getPositiveInt("experts");
        boolean routed = a.getBool("routed", experts > 1);
        if (!routed && experts > 1) {
            throw new IllegalArgumentException(MNEMONIC + ": routed=false with " + experts + " experts (several experts are always routed)");
        }
        return new ExpertFfn(experts, a.getPositiveInt("top_k"), LongImmutableList.of(a.getLongs("tokens")),
                a.getPositive("hidden"), a.getPositive("ffn"), a.getEnum("act", FfnActivation.class), wd, f, fs, routed);
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
        return new Traffic(expertBytes(true), x.bytes(), x.bytes(), 0, 0);
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
