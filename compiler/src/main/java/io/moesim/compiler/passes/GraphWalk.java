package io.moesim.compiler.passes;

import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Block;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.Node;
import io.moesim.ir.graph.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * Walks a graph in program order and names each node by its position ("4", "4/12" inside the
 * repeat at 4). Positions are stable while a graph is not rebuilt, so facts of the passes after
 * parallelisation (which is the last pass that rewrites the graph) key nodes by them.
 */
public final class GraphWalk {
    private GraphWalk() {
    }

    /** One node and where it is. */
    public record Site(String path, Node node, int depth) {
        public List<TensorType> inputs() {
            return types(node.operands());
        }
    }

    /** Every node, repeat bodies after their repeat node, in program order. */
    public static List<Site> sites(Graph g) {
        List<Site> out = new ArrayList<>();
        collect(g.body(), "", 0, out);
        return out;
    }

    private static void collect(Block b, String prefix, int depth, List<Site> out) {
        for (int i = 0; i < b.nodes().size(); i++) {
            Node n = b.nodes().get(i);
            String path = prefix + i;
            out.add(new Site(path, n, depth));
            if (n.hasBody()) {
                collect(n.body(), path + "/", depth + 1, out);
            }
        }
    }

    public static List<TensorType> types(List<Value> vs) {
        List<TensorType> t = new ArrayList<>(vs.size());
        for (Value v : vs) {
            t.add(v.type());
        }
        return t;
    }
}
