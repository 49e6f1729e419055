package io.moesim.ir.graph;

import io.moesim.ir.op.Op;
import java.util.List;

/**
 * One application of an op: results = op(operands). A {@link io.moesim.ir.op.Repeat} node also has a
 * body block (null for every other op).
 */
public record Node(List<Value> results, Op op, List<Value> operands, Block body) {
    public Node {
        results = List.copyOf(results);
        operands = List.copyOf(operands);
    }

    public Node(List<Value> results, Op op, List<Value> operands) {
        this(results, op, operands, null);
    }

    public boolean hasBody() {
        return body != null;
    }

    /** The first result; throws if the node has none. */
    public Value result() {
        if (results.isEmpty()) {
            throw new IllegalStateException(op.mnemonic() + " has no result");
        }
        return results.get(0);
    }
}
