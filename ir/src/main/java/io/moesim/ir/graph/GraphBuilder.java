package io.moesim.ir.graph;

import io.moesim.ir.TensorType;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.Repeat;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

/**
 * Builds a {@link Graph} node by node. Result types are inferred as nodes are added, so a shape
 * error surfaces at the line that made it; {@link #build()} runs the full verifier. Value names are
 * taken from hints and made unique ({@code q}, {@code q.1}, ...) across the whole graph, nested
 * repeat bodies included.
 */
public final class GraphBuilder {
    private final String name;
    private final Namespace names;
    private final List<Value> params = new ArrayList<>();
    private final List<Node> nodes = new ArrayList<>();
    private final List<Value> yields = new ArrayList<>();

    public GraphBuilder(String name) {
        this(name, new Namespace());
    }

    private GraphBuilder(String name, Namespace names) {
        this.name = name;
        this.names = names;
    }

    static GraphBuilder from(Graph g) {
        GraphBuilder b = new GraphBuilder(g.name());
        b.reserve(g.body());
        b.params.addAll(g.inputs());
        b.nodes.addAll(g.nodes());
        b.yields.addAll(g.outputs());
        return b;
    }

    private void reserve(Block block) {
        for (Value v : block.params()) {
            names.reserve(v.name());
        }
        for (Node n : block.nodes()) {
            for (Value v : n.results()) {
                names.reserve(v.name());
            }
            if (n.hasBody()) {
                reserve(n.body());
            }
        }
    }

    /** Declares a graph input (or a body parameter inside a repeat). */
    public Value input(String hint, TensorType type) {
        Value v = new Value(names.fresh(hint), type);
        params.add(v);
        return v;
    }

    /** Adds a single-result node and returns its result. */
    public Value add(String hint, Op op, Value... operands) {
        List<Value> r = addMulti(List.of(hint), op, List.of(operands));
        if (r.size() != 1) {
            throw new IllegalArgumentException(op.mnemonic() + " has " + r.size() + " results; use addMulti");
        }
        return r.get(0);
    }

    /** Adds a node with no result (kv_append, send). */
    public void addEffect(Op op, Value... operands) {
        List<Value> r = addMulti(List.of(), op, List.of(operands));
        if (!r.isEmpty()) {
            throw new IllegalArgumentException(op.mnemonic() + " has results; use add");
        }
    }

    /** Adds a node; one name hint per result (missing hints fall back to the mnemonic). */
    public List<Value> addMulti(List<String> hints, Op op, List<Value> operands) {
        if (op instanceof Repeat) {
            throw new IllegalArgumentException("use repeat(...) to add a repeat block");
        }
        List<TensorType> types = op.inferTypes(types(operands));
        List<Value> results = new ArrayList<>(types.size());
        for (int i = 0; i < types.size(); i++) {
            results.add(new Value(names.fresh(i < hints.size() ? hints.get(i) : op.mnemonic()), types.get(i)));
        }
        nodes.add(new Node(results, op, operands));
        return results;
    }

    /**
     * Adds a block run {@code count} times; {@code body} receives a builder for the body and the
     * body's parameters (one per operand, same types) and returns the values to yield.
     */
    public List<Value> repeat(String hint, long count, List<Value> operands, BiFunction<GraphBuilder, List<Value>, List<Value>> body) {
        GraphBuilder inner = new GraphBuilder(name, names);
        List<Value> bodyParams = new ArrayList<>();
        for (Value v : operands) {
            bodyParams.add(inner.input(v.name(), v.type()));
        }
        List<Value> out = body.apply(inner, bodyParams);
        inner.yields.addAll(out);
        Block block = new Block(inner.params, inner.nodes, inner.yields);
        List<Value> results = new ArrayList<>();
        for (Value v : operands) {
            results.add(new Value(names.fresh(hint), v.type()));
        }
        nodes.add(new Node(results, new Repeat(count), operands, block));
        return results;
    }

    /** Marks graph outputs. */
    public GraphBuilder output(Value... values) {
        yields.addAll(List.of(values));
        return this;
    }

    /** Verifies and returns the graph. */
    public Graph build() {
        return Graph.of(name, new Block(params, nodes, yields));
    }

    private static List<TensorType> types(List<Value> vs) {
        List<TensorType> t = new ArrayList<>(vs.size());
        for (Value v : vs) {
            t.add(v.type());
        }
        return t;
    }

    /** Unique value names across one graph. */
    private static final class Namespace {
        private final Object2IntOpenHashMap<String> next = new Object2IntOpenHashMap<>();

        void reserve(String n) {
            next.putIfAbsent(n, 1);
        }

        String fresh(String hint) {
            String base = sanitize(hint);
            if (!next.containsKey(base)) {
                next.put(base, 1);
                return base;
            }
            while (true) {
                int i = next.getInt(base);
                next.put(base, i + 1);
                String candidate = base + "." + i;
                if (!next.containsKey(candidate)) {
                    next.put(candidate, 1);
                    return candidate;
                }
            }
        }

        private static String sanitize(String hint) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < hint.length(); i++) {
                char c = hint.charAt(i);
                sb.append(Character.isLetterOrDigit(c) || c == '_' || c == '.' ? c : '_');
            }
            return sb.length() == 0 ? "v" : sb.toString();
        }
    }
}
