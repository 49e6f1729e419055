package io.moesim.ir.graph;

import java.util.List;

/**
 * A sequence of nodes with parameters and yielded values. The graph's top level is a block whose
 * parameters are the graph inputs and whose yields are its outputs; a repeat node's body is a block
 * isolated from the values around it (it sees only its own parameters).
 */
public record Block(List<Value> params, List<Node> nodes, List<Value> yields) {
    public Block {
        params = List.copyOf(params);
        nodes = List.copyOf(nodes);
        yields = List.copyOf(yields);
    }
}
