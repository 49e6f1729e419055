package io.moesim.compiler.passes;

import io.moesim.ir.DType;
import io.moesim.ir.op.Embedding;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.GroupedMatMul;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.Norm;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.Router;

/**
 * Bytes of the weights an op owns, in its weight dtype (or in another, for "what if fp8" questions). A tied LM head owns none:
 * its matrix is the embedding table, counted once, as the embedding's (the memory plan gives a tied head on a later pipeline
 * stage than the embedding its own copy).
 */
final class WeightBytes {
    private WeightBytes() {
    }

    static DType dtype(Op op) {
        if (op instanceof MatMul m) {
            return m.wdtype();
        }
        if (op instanceof ExpertFfn f) {
            return f.wdtype();
        }
        if (op instanceof Router r) {
            return r.wdtype();
        }
        if (op instanceof Norm n) {
            return n.wdtype();
        }
        if (op instanceof Embedding e) {
            return e.wdtype();
        }
        if (op instanceof GroupedMatMul g) {
            return g.wdtype();
        }
        return DType.BF16;
    }

    /** A tied LM head: its matrix is the embedding's table, held once, as the embedding's. */
    private static boolean sharesTable(Op op) {
        return op instanceof MatMul m && m.tied();
    }

    static long of(Op op) {
        if (sharesTable(op)) {
            return 0;
        }
        if (op instanceof ExpertFfn f) {
            return f.weightBytes();
        }
        return op.params() == 0 ? 0 : dtype(op).bytesFor(op.params());
    }

    /** As if the big matrices (matmuls, experts, embeddings) were stored in {@code as}; norms and router stay. */
    static long as(Op op, DType as) {
        if (op.params() == 0 || sharesTable(op)) {
            return 0;
        }
        boolean big = op instanceof MatMul || op instanceof ExpertFfn || op instanceof Embedding || op instanceof GroupedMatMul;
        DType d = big && as.bits() < dtype(op).bits() ? as : dtype(op);
        long bytes = d.bytesFor(op.params());
        return op instanceof ExpertFfn f ? Math.min(bytes, of(f)) : bytes;
    }
}
