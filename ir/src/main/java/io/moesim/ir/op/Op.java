package io.moesim.ir.op;

import io.moesim.ir.TensorType;
import java.util.List;

/**
 * One operation of the IR. An op holds only its attributes; its operands are the SSA values of the
 * {@link io.moesim.ir.graph.Node} that applies it. Everything a cost model needs is derived from
 * the attributes and the operand types: result types, FLOPs, minimum DRAM traffic and so Op/B.
 *
 * <p>Conventions: a "token" tensor is {@code [T, h]} (T rows, h features); weights belong to the op
 * (stored in DRAM, counted in {@link #params()}) and are never graph values. FLOPs count
 * multiply-adds as 2; each op's javadoc gives its formula.
 */
public sealed interface Op permits MatMul, BatchMatMul, GroupedMatMul, ExpertFfn, Router, Dispatch, Combine,
        Attention, MlaAttention, LightningIndexer, GatedDeltaNet, Norm, Elementwise, Softmax, Embedding, KvAppend, Split, Concat, Collective, Repeat,
        Quantize {

    /** The name in .moeir text, e.g. {@code matmul}. */
    String mnemonic();

    /** Attributes in print order. */
    Attrs attributes();

    /** Result types for the given operand types; throws {@link TypeException} on a mismatch. */
    List<TensorType> inferTypes(List<TensorType> inputs);

    /** Floating-point operations for one execution on operands of these types. */
    long flops(List<TensorType> inputs);

    /** Minimum DRAM traffic for one execution on operands of these types. */
    Traffic traffic(List<TensorType> inputs);

    /** Weight parameters this op owns (0 for ops without weights). */
    default long params() {
        return 0;
    }

    /** Weight parameters one token uses (differs from {@link #params()} for routed experts). */
    default long activeParams() {
        return params();
    }

    /** Operations per byte of minimum DRAM traffic; 0 when the op moves no bytes. */
    default double opPerByte(List<TensorType> inputs) {
        long b = traffic(inputs).total();
        return b == 0 ? 0.0 : (double) flops(inputs) / b;
    }
}
