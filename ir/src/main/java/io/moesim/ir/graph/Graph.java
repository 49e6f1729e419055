package io.moesim.ir.graph;

import java.util.List;

/**
 * An immutable, verified SSA graph. Build one with {@link GraphBuilder}; edit one through
 * {@link #toBuilder()}. {@link GraphStats} computes totals through repeat blocks.
 */
public final class Graph {
    private final String name;
    private final Block body;

    Graph(String name, Block body) {
        this.name = name;
        this.body = body;
    }

    /** Verifies and wraps a block as a graph; throws {@link VerificationException} listing every problem. */
    public static Graph of(String name, Block body) {
        Graph g = new Graph(name, body);
        Verifier.verify(g);
        return g;
    }

    /**
     * As {@link #of(String, Block)}, with a function giving each node's source position so that every
     * diagnostic says where it is (the .moeir parser passes file:line:col); see
     * {@link Verifier#verify(Graph, java.util.function.Function)}.
     */
    public static Graph of(String name, Block body, java.util.function.Function<Node, String> locator) {
        Graph g = new Graph(name, body);
        Verifier.verify(g, locator);
        return g;
    }

    public String name() {
        return name;
    }

    public Block body() {
        return body;
    }

    public List<Value> inputs() {
        return body.params();
    }

    public List<Value> outputs() {
        return body.yields();
    }

    public List<Node> nodes() {
        return body.nodes();
    }

    /** Number of nodes written in the graph, bodies included once (not multiplied by repeat counts). */
    public int nodeCount() {
        return count(body);
    }

    private static int count(Block b) {
        int n = 0;
        for (Node node : b.nodes()) {
            n += 1 + (node.hasBody() ? count(node.body()) : 0);
        }
        return n;
    }

    public GraphBuilder toBuilder() {
        return GraphBuilder.from(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Graph g && g.name.equals(name) && g.body.equals(body);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + body.hashCode();
    }

    @Override
    public String toString() {
        return "Graph @" + name + " (" + nodeCount() + " nodes)";
    }
}
