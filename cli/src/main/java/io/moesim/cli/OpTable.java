package io.moesim.cli;

import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Block;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.Node;
import io.moesim.ir.graph.Value;
import io.moesim.ir.op.Repeat;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Walks a graph node by node (repeat bodies included, with how often each runs). */
final class OpTable {
    private OpTable() {
    }

    /** One op node and how many times it runs per iteration. */
    record Row(String name, Node node, List<TensorType> inputs, long times) {
        long flops() {
            return node.op().flops(inputs);
        }

        long bytes() {
            return node.op().traffic(inputs).total();
        }

        double opPerByte() {
            return node.op().opPerByte(inputs);
        }
    }

    static List<Row> rows(Graph g) {
        List<Row> out = new ArrayList<>();
        walk(g.body(), 1, out::add);
        return out;
    }

    private static void walk(Block b, long times, Consumer<Row> sink) {
        for (Node n : b.nodes()) {
            if (n.op() instanceof Repeat r) {
                walk(n.body(), times * r.count(), sink);
                continue;
            }
            List<TensorType> in = new ArrayList<>();
            for (Value v : n.operands()) {
                in.add(v.type());
            }
            String name = n.results().isEmpty() ? n.op().mnemonic() : "%" + n.results().get(0).name();
            sink.accept(new Row(name, n, in, times));
        }
    }
}
