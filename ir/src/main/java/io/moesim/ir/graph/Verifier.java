package io.moesim.ir.graph;

import io.moesim.ir.TensorType;
import io.moesim.ir.op.Embedding;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.Repeat;
import io.moesim.ir.op.Split;
import io.moesim.ir.op.TypeException;
import it.unimi.dsi.fastutil.objects.Object2IntOpenHashMap;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Checks a graph and collects every problem before throwing once: duplicate or undefined values,
 * type and shape mismatches (declared result types against the op's inference), values never used
 * (except the other parts of a row split at the graph's top level, one of whose parts is used: the rows an LM head
 * does not sample), uses before definition and cycles, and the shape rules of repeat blocks.
 */
public final class Verifier {
    private final Function<Node, String> locator;
    private final List<Diagnostic> diagnostics = new ArrayList<>();
    private final Set<String> allNames = new HashSet<>();

    private Verifier(Function<Node, String> locator) {
        this.locator = locator;
    }

    /** Verifies a graph; throws {@link VerificationException} with all problems. */
    public static void verify(Graph g) {
        verify(g, n -> "");
    }

    /**
     * As {@link #verify(Graph)}, with a function that gives each node's source position (for parsed
     * text). Problems of a repeat body as a whole (its parameters, its yields) are located at the
     * repeat node; those of the graph's own inputs and outputs are located by {@code locator.apply(null)}.
     */
    public static void verify(Graph g, Function<Node, String> locator) {
        List<Diagnostic> ds = check(g, locator);
        if (!ds.isEmpty()) {
            throw new VerificationException(ds);
        }
    }

    /** All problems of a graph, empty when it is valid. */
    public static List<Diagnostic> check(Graph g, Function<Node, String> locator) {
        Verifier v = new Verifier(locator);
        v.block(g.body(), "graph @" + g.name(), null);
        v.tiedHeads(g);
        if (v.diagnostics.isEmpty()) {
            try {
                GraphStats.of(g);
            } catch (ArithmeticException e) {
                String where = locator.apply(null);
                v.diagnostics.add(new Diagnostic(where == null ? "" : where, "graph @" + g.name()
                        + ": its total FLOPs, bytes or parameters (repeat counts times sizes) overflow a 64-bit integer"));
            }
        }
        return v.diagnostics;
    }

    /**
     * A tied matmul (an LM head that reads the embedding's table, held once in memory) needs a token table to share: one
     * matrix (batch 1) and, at the graph's top level, a token embedding of its k as hidden size in its weight dtype. Without
     * one its weights would be counted nowhere.
     */
    private void tiedHeads(Graph g) {
        for (Node n : g.body().nodes()) {
            if (n.op() instanceof MatMul m && m.tied()) {
                boolean table = g.body().nodes().stream().anyMatch(e -> e.op() instanceof Embedding em && !em.positional()
                        && em.hidden() == m.k() && em.wdtype() == m.wdtype());
                if (m.batch() != 1 || !table) {
                    report(n, "matmul tied=true: " + (m.batch() != 1 ? "a tied head is one matrix (batch 1), got batch " + m.batch()
                            : "no token embedding of hidden " + m.k() + " in " + m.wdtype() + " at the graph's top level to share its table with"));
                }
            }
        }
    }

    private void report(Node n, String msg) {
        String where = locator.apply(n);
        diagnostics.add(new Diagnostic(where == null ? "" : where, msg));
    }

    // owner: the repeat node whose body this is, null for the graph's top level
    private void block(Block b, String what, Node owner) {
        Map<String, Value> params = new HashMap<>();
        for (Value p : b.params()) {
            define(p, owner);
            params.put(p.name(), p);
        }
        // where each result of this block is defined
        Object2IntOpenHashMap<String> defIndex = new Object2IntOpenHashMap<>();
        Map<String, Value> results = new HashMap<>();
        List<Node> nodes = b.nodes();
        for (int i = 0; i < nodes.size(); i++) {
            for (Value r : nodes.get(i).results()) {
                define(r, nodes.get(i));
                defIndex.put(r.name(), i);
                results.put(r.name(), r);
            }
        }
        Set<String> used = new HashSet<>();
        boolean forwardRef = false;
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            boolean operandsOk = true;
            for (Value o : n.operands()) {
                used.add(o.name());
                Value def = params.containsKey(o.name()) ? params.get(o.name()) : results.get(o.name());
                if (def == null) {
                    report(n, "undefined value %" + o.name() + " used by " + n.op().mnemonic());
                    operandsOk = false;
                } else {
                    if (!params.containsKey(o.name()) && defIndex.getInt(o.name()) >= i) {
                        forwardRef = true;
                    }
                    if (o.type() != null && !o.type().equals(def.type())) {
                        report(n, "operand %" + o.name() + " has type " + o.type() + " but is defined as " + def.type());
                        operandsOk = false;
                    }
                }
            }
            if (operandsOk) {
                checkTypes(n);
            } else if (n.op() instanceof Repeat && n.hasBody()) {
                // still check the body on its own, so that its definitions count (duplicate names) and its errors show
                block(n.body(), "repeat body", n);
            }
        }
        for (Value y : b.yields()) {
            used.add(y.name());
            if (!params.containsKey(y.name()) && !results.containsKey(y.name())) {
                report(owner, what + ": yields undefined value %" + y.name());
            }
        }
        for (Value p : b.params()) {
            if (!used.contains(p.name())) {
                report(owner, what + ": parameter %" + p.name() + " is never used");
            }
        }
        for (Node n : nodes) {
            // a graph's own row split is a view whose other rows may go unread (the rows an LM head does not sample), if one part is read
            boolean partsMayIdle = owner == null && n.op() instanceof Split sp && sp.axis() == 0 && n.results().stream().anyMatch(r -> used.contains(r.name()));
            for (Value r : n.results()) {
                if (!used.contains(r.name()) && !partsMayIdle) {
                    report(n, "value %" + r.name() + " (" + n.op().mnemonic() + ") is never used");
                }
            }
        }
        if (forwardRef) {
            reportOrder(nodes, defIndex);
        }
    }

    private void define(Value v, Node n) {
        if (!allNames.add(v.name())) {
            report(n, "value %" + v.name() + " is defined more than once");
        }
    }

    private void checkTypes(Node n) {
        List<TensorType> in = new ArrayList<>();
        for (Value o : n.operands()) {
            in.add(o.type());
        }
        List<TensorType> inferred;
        try {
            inferred = n.op().inferTypes(in);
        } catch (TypeException e) {
            report(n, e.getMessage());
            return;
        } catch (ArithmeticException e) {
            // shapes so large that a size overflows a long: bad input, not a crash
            report(n, n.op().mnemonic() + ": sizes overflow a 64-bit integer");
            return;
        }
        if (n.op() instanceof Repeat) {
            if (!n.hasBody()) {
                report(n, "repeat has no body");
                return;
            }
            Block body = n.body();
            checkSameTypes(n, "body parameters", types(body.params()), in);
            checkSameTypes(n, "body yields", types(body.yields()), in);
            block(body, "repeat body", n);
        } else if (n.hasBody()) {
            report(n, n.op().mnemonic() + " cannot have a body");
        }
        checkSameTypes(n, "results", types(n.results()), inferred);
        if (!(n.op() instanceof Repeat)) {
            try {
                n.op().flops(in);
                n.op().traffic(in);
                n.op().params();
            } catch (ArithmeticException e) {
                report(n, n.op().mnemonic() + ": its FLOPs, bytes or parameters overflow a 64-bit integer (sizes too large)");
            }
        }
    }

    private void checkSameTypes(Node n, String what, List<TensorType> declared, List<TensorType> expected) {
        if (declared.size() != expected.size()) {
            report(n, n.op().mnemonic() + ": " + what + " count is " + declared.size() + ", expected " + expected.size());
            return;
        }
        for (int i = 0; i < declared.size(); i++) {
            if (declared.get(i) != null && !declared.get(i).equals(expected.get(i))) {
                report(n, n.op().mnemonic() + ": " + what + " #" + i + " declared " + declared.get(i) + " but the op gives " + expected.get(i));
            }
        }
    }

    private static List<TensorType> types(List<Value> vs) {
        List<TensorType> t = new ArrayList<>(vs.size());
        for (Value v : vs) {
            t.add(v.type());
        }
        return t;
    }

    /** Some value is used above its definition: a cycle if the dependencies loop, else just out of order. */
    private void reportOrder(List<Node> nodes, Object2IntOpenHashMap<String> defIndex) {
        int n = nodes.size();
        int[] state = new int[n]; // 0 new, 1 on stack, 2 done
        int[] parent = new int[n];
        for (int start = 0; start < n; start++) {
            if (state[start] == 0) {
                int[] cycle = dfs(start, nodes, defIndex, state, parent);
                if (cycle != null) {
                    StringBuilder sb = new StringBuilder("cycle: ");
                    for (int i = 0; i < cycle.length; i++) {
                        Node c = nodes.get(cycle[i]);
                        sb.append(i == 0 ? "" : " -> ").append(c.results().isEmpty() ? c.op().mnemonic() : "%" + c.results().get(0).name());
                    }
                    report(nodes.get(cycle[0]), sb.toString());
                    return;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            for (Value o : nodes.get(i).operands()) {
                if (defIndex.containsKey(o.name()) && defIndex.getInt(o.name()) >= i) {
                    report(nodes.get(i), "value %" + o.name() + " is used before its definition");
                }
            }
        }
    }

    // iterative DFS over "node depends on node" edges; returns a cycle's node indices or null
    private static int[] dfs(int start, List<Node> nodes, Object2IntOpenHashMap<String> defIndex, int[] state, int[] parent) {
        ArrayList<int[]> stack = new ArrayList<>();
        stack.add(new int[] {start, 0});
        state[start] = 1;
        parent[start] = -1;
        while (!stack.isEmpty()) {
            int[] top = stack.get(stack.size() - 1);
            List<Value> ops = nodes.get(top[0]).operands();
            if (top[1] >= ops.size()) {
                state[top[0]] = 2;
                stack.remove(stack.size() - 1);
                continue;
            }
            String dep = ops.get(top[1]++).name();
            if (!defIndex.containsKey(dep)) {
                continue;
            }
            int d = defIndex.getInt(dep);
            if (state[d] == 1) {
                ArrayList<Integer> cyc = new ArrayList<>();
                for (int x = top[0]; x != d; x = parent[x]) {
                    cyc.add(x);
                }
                cyc.add(d);
                int[] out = new int[cyc.size() + 1];
                for (int i = 0; i < cyc.size(); i++) {
                    out[i] = cyc.get(cyc.size() - 1 - i);
                }
                out[cyc.size()] = d;
                return out;
            }
            if (state[d] == 0) {
                state[d] = 1;
                parent[d] = top[0];
                stack.add(new int[] {d, 0});
            }
        }
        return null;
    }
}
