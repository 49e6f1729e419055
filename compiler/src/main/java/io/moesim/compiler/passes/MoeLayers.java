package io.moesim.compiler.passes;

import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.Node;
import io.moesim.ir.op.Repeat;
import java.util.ArrayList;
import java.util.List;

/** The MoE layers of a parallel graph in program order, repeat blocks unrolled: the index of each one's block. */
public final class MoeLayers {
    private MoeLayers() {
    }

    public static List<Integer> enumerate(Graph g, ParallelLayout layout) {
        List<Integer> out = new ArrayList<>();
        List<Node> top = g.nodes();
        for (int i = 0; i < top.size(); i++) {
            Node n = top.get(i);
            String p = Integer.toString(i);
            if (n.op() instanceof Repeat r) {
                List<Integer> inBody = new ArrayList<>();
                for (int b = 0; b < layout.moeBlocks().size(); b++) {
                    if (layout.moeBlocks().get(b).dispatch().startsWith(p + "/")) {
                        inBody.add(b);
                    }
                }
                for (long c = 0; c < r.count(); c++) {
                    out.addAll(inBody);
                }
            } else {
                for (int b = 0; b < layout.moeBlocks().size(); b++) {
                    if (layout.moeBlocks().get(b).dispatch().equals(p)) {
                        out.add(b);
                    }
                }
            }
        }
        return out;
    }
}
