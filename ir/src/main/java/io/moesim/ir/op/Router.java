package io.moesim.ir.op;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import java.util.List;

/**
 * The MoE gate: logits = x · W_gate ({@code [hidden, experts]}), scored by softmax or sigmoid, top-k
 * selected. Input {@code [T, hidden]}; results: expert indices {@code int32[T, top_k]} and combine
 * weights {@code fp32[T, top_k]}. {@code shared} records how many shared experts run beside the routed
 * ones (they are separate FFN ops on all tokens).
 *
 * <p>FLOPs = 2·T·hidden·experts (gate GEMM) + 5·T·experts (scoring: max, subtract, exp, sum, divide).
 */
public record Router(int experts, int topK, long hidden, Scoring scoring, int shared, DType wdtype) implements Op {
    public static final String MNEMONIC = "router";

    public Router {
        Check.positive(MNEMONIC, "experts", experts);
        Check.positive(MNEMONIC, "top_k", topK);
        Check.positive(MNEMONIC, "hidden", hidden);
        if (topK > experts) {
            throw new IllegalArgumentException(MNEMONIC + ": top_k " + topK + " exceeds experts " + experts);
        }
        if (shared < 0) {
            throw new IllegalArgumentException(MNEMONIC + ": shared must be >= 0, got " + shared);
        }
    }

    @Override
    public String mnemonic() {
        return MNEMONIC;
    }

    @Override
    public Attrs attributes() {
        Attrs a = new Attrs().put("experts", experts).put("top_k", topK).put("hidden", hidden).put("scoring", scoring);
        if (shared != 0) {
            a.put("shared", shared);
        }
        return a.put("wdtype", wdtype);
    }

    static Router fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "experts", "top_k", "hidden", "scoring", "shared", "wdtype");
        return new Router(a.getPositiveInt("experts"), a.getPositiveInt("top_k"), a.getPositive("hidden"),
                a.getEnum("scoring", Scoring.class), (int) a.getLong("shared", 0), a.getDType("wdtype"));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 1);
        TensorType x = in.get(0);
        Check.rank(MNEMONIC, "input", x, 2);
        Check.dim(MNEMONIC, "input last dim (hidden)", x.last(), hidden);
        long t = x.shape().dim(0);
        return List.of(TensorType.of(DType.INT32, t, topK), TensorType.of(DType.FP32, t, topK));
    }

    @Override
    public long flops(List<TensorType> in) {
        long t = in.get(0).shape().dim(0);
        return Math.addExact(Math.multiplyExact(Math.multiplyExact(Math.multiplyExact(2L, t), (long) hidden), (long) experts), Math.multiplyExact(Math.multiplyExact(5L, t), (long) experts));
    }

    @Override
    public Traffic traffic(List<TensorType> in) {
        TensorType x = in.get(0);
        long t = x.shape().dim(0);
        return new Traffic(wdtype.bytesFor(Math.multiplyExact((long) hidden, (long) experts)), x.bytes(), Math.multiplyExact(Math.multiplyExact(8L, t), (long) topK), 0, 0);
    }

    @Override
    public long params() {
        return Math.multiplyExact((long) hidden, (long) experts);
    }
}
