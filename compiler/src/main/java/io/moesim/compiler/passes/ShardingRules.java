package io.moesim.compiler.passes;

import io.moesim.compiler.CompilerException;
import io.moesim.ir.op.AllGather;
import io.moesim.ir.op.AllReduce;
import io.moesim.ir.op.AllToAll;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.BatchMatMul;
import io.moesim.ir.op.Combine;
import io.moesim.ir.op.Concat;
import io.moesim.ir.op.Dispatch;
import io.moesim.ir.op.Elementwise;
import io.moesim.ir.op.Embedding;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.GroupedMatMul;
import io.moesim.ir.op.KvAppend;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.MlaAttention;
import io.moesim.ir.op.Norm;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.Recv;
import io.moesim.ir.op.ReduceScatter;
import io.moesim.ir.op.Repeat;
import io.moesim.ir.op.Router;
import io.moesim.ir.op.Send;
import io.moesim.ir.op.Softmax;
import io.moesim.ir.op.Split;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sharding rule of every op kind, in one table: {@link ParallelizePass} looks each node's op up here before it
 * rewrites it, so a new op kind gets its rule in one place, and an op kind without one is a compile error naming it,
 * never a silent fall-through to "as it is". (The code that applies each rule is still {@code ParallelizePass}'s
 * {@code Rewriter.node}; this table is the first step of issue 14's split into one small rule per op kind.)
 */
final class ShardingRules {
    private ShardingRules() {
    }

    /** What the pass does with an op of a kind. */
    enum Rule {
        /** Column-parallel (n/tp, or batch/tp per head) where it feeds heads, row-parallel (k/tp, partial sums) after split features, else as it is. */
        MATMUL,
        /** Heads and KV heads over tp, sequences over attention dp. */
        ATTENTION_HEADS,
        /** Experts over ep, tokens over ep*dp, all-to-all after it (opens a MoE block). */
        MOE_DISPATCH,
        /** Experts: ffn/tp per device after the block's dispatch; a dense FFN (one expert): ffn/tp and an all-reduce. */
        EXPERT_FFN,
        /** Tokens over ep*dp; a pending sum passes through (closes the MoE block). */
        MOE_COMBINE,
        /** Row sizes over dp on axis 0; feature sizes over tp on split features. */
        SPLIT,
        /** On split features, copies of a replicated operand shrink with the heads; else as it is. */
        CONCAT,
        /** As it is on whole features; an error on tensor-parallel split features. */
        NORM,
        /** As it is; an add of two equal pending sums keeps the sum pending. */
        ELEMENTWISE,
        /** The body converted per section, back to the entry's sharding at the yield. */
        REPEAT,
        /** Token-wise or replicated: the op as it is, rows as its operands have them. */
        AS_IS
    }

    /** One entry per concrete op kind of {@link Op} (its permitted records, collectives included). */
    static final Map<Class<? extends Op>, Rule> RULES = rules();

    private static Map<Class<? extends Op>, Rule> rules() {
        Map<Class<? extends Op>, Rule> m = new LinkedHashMap<>();
        m.put(MatMul.class, Rule.MATMUL);
        m.put(BatchMatMul.class, Rule.AS_IS);
        m.put(GroupedMatMul.class, Rule.AS_IS);
        m.put(ExpertFfn.class, Rule.EXPERT_FFN);
        m.put(Router.class, Rule.AS_IS);
        m.put(Dispatch.class, Rule.MOE_DISPATCH);
        m.put(Combine.class, Rule.MOE_COMBINE);
        m.put(Attention.class, Rule.ATTENTION_HEADS);
        m.put(MlaAttention.class, Rule.ATTENTION_HEADS);
        m.put(Norm.class, Rule.NORM);
        m.put(Elementwise.class, Rule.ELEMENTWISE);
        m.put(Softmax.class, Rule.AS_IS);
        m.put(Embedding.class, Rule.AS_IS);
        m.put(KvAppend.class, Rule.AS_IS);
        m.put(Split.class, Rule.SPLIT);
        m.put(Concat.class, Rule.CONCAT);
        m.put(Repeat.class, Rule.REPEAT);
        // collectives already in a model graph (rare) stay as they are; an all-to-all passes a pending sum through
        m.put(AllReduce.class, Rule.AS_IS);
        m.put(AllGather.class, Rule.AS_IS);
        m.put(ReduceScatter.class, Rule.AS_IS);
        m.put(AllToAll.class, Rule.AS_IS);
        m.put(Send.class, Rule.AS_IS);
        m.put(Recv.class, Rule.AS_IS);
        return java.util.Collections.unmodifiableMap(m);
    }

    /** The rule of {@code op}; a compile error naming the op kind and the node when the table has none. */
    static Rule of(Op op, String node) {
        Rule r = RULES.get(op.getClass());
        if (r == null) {
            throw new CompilerException(ParallelizePass.NAME, "node " + node + ": no sharding rule for op kind " + op.mnemonic() + " ("
                    + op.getClass().getSimpleName() + "); add one to ShardingRules");
        }
        return r;
    }
}
