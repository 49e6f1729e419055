package io.moesim.ir.graph;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.TensorType;
import io.moesim.ir.DType;
import io.moesim.ir.op.Repeat;
import io.moesim.ir.testing.RandomGraphs;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded property: the verifier accepts every generated valid graph and rejects each single random
 * mutation of it (retyped result, dropped definition, duplicated name, unused value), with a
 * diagnostic that names the kind of problem.
 */
class VerifierSoundnessTest {

    static LongStream seeds() {
        return LongStream.range(0, 200);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void acceptsValidAndRejectsEachMutation(long seed) {
        Graph g = RandomGraphs.generate(seed);
        assertTrue(Verifier.check(g, n -> "").isEmpty());
        Random r = new Random(seed * 7919 + 1);
        assertRejected(g, retype(g, r), "declared");
        assertRejected(g, drop(g, r), "undefined value");
        assertRejected(g, duplicate(g, r), "defined more than once");
        assertRejected(g, unused(g, r), "is never used");
    }

    private static void assertRejected(Graph original, Block mutated, String expected) {
        List<Diagnostic> ds = Verifier.check(new Graph(original.name(), mutated), n -> "");
        assertFalse(ds.isEmpty(), "mutation (" + expected + ") was accepted");
        assertTrue(ds.stream().anyMatch(d -> d.message().contains(expected)), "expected '" + expected + "' among " + ds);
    }

    /** A result's declared type no longer matches what its op gives. */
    private static Block retype(Graph g, Random r) {
        return mutateSomeBlock(g, r, b -> {
            int i = pickNodeWithResults(b, r, false);
            Node n = b.nodes().get(i);
            List<Value> rs = new ArrayList<>(n.results());
            int j = r.nextInt(rs.size());
            rs.set(j, new Value(rs.get(j).name(), changed(rs.get(j).type())));
            return withNode(b, i, new Node(rs, n.op(), n.operands(), n.body()));
        });
    }

    /** A node that defines used values disappears. */
    private static Block drop(Graph g, Random r) {
        return mutateSomeBlock(g, r, b -> {
            int i = pickNodeWithResults(b, r, false);
            List<Node> nodes = new ArrayList<>(b.nodes());
            nodes.remove(i);
            return new Block(b.params(), nodes, b.yields());
        });
    }

    /** A result takes the name of another value of the graph. */
    private static Block duplicate(Graph g, Random r) {
        List<String> names = new ArrayList<>();
        collectNames(g.body(), names);
        return mutateSomeBlock(g, r, b -> {
            int i = pickNodeWithResults(b, r, false);
            Node n = b.nodes().get(i);
            List<Value> rs = new ArrayList<>(n.results());
            int j = r.nextInt(rs.size());
            String other;
            do {
                other = names.get(r.nextInt(names.size()));
            } while (other.equals(rs.get(j).name()));
            rs.set(j, new Value(other, rs.get(j).type()));
            return withNode(b, i, new Node(rs, n.op(), n.operands(), n.body()));
        });
    }

    /** A copy of a node, under fresh names, whose results nothing uses. */
    private static Block unused(Graph g, Random r) {
        return mutateSomeBlock(g, r, b -> {
            int i = pickNodeWithResults(b, r, true);
            Node n = b.nodes().get(i);
            List<Value> rs = new ArrayList<>();
            for (Value v : n.results()) {
                rs.add(new Value(v.name() + "#copy", v.type()));
            }
            List<Node> nodes = new ArrayList<>(b.nodes());
            nodes.add(i + 1, new Node(rs, n.op(), n.operands(), n.body()));
            return new Block(b.params(), nodes, b.yields());
        });
    }

    private static TensorType changed(TensorType t) {
        if (t.rank() > 0) {
            return t.withShape(t.shape().withDim(0, t.shape().dim(0) + 1));
        }
        return t.withDType(t.dtype() == DType.FP32 ? DType.BF16 : DType.FP32);
    }

    private static Block withNode(Block b, int i, Node n) {
        List<Node> nodes = new ArrayList<>(b.nodes());
        nodes.set(i, n);
        return new Block(b.params(), nodes, b.yields());
    }

    /** Index of a random node with results; with {@code avoidRepeat}, a non-repeat one where there is one. */
    private static int pickNodeWithResults(Block b, Random r, boolean avoidRepeat) {
        List<Integer> candidates = new ArrayList<>();
        List<Integer> plain = new ArrayList<>();
        for (int i = 0; i < b.nodes().size(); i++) {
            Node n = b.nodes().get(i);
            if (!n.results().isEmpty()) {
                candidates.add(i);
                if (!(n.op() instanceof Repeat)) {
                    plain.add(i);
                }
            }
        }
        List<Integer> from = avoidRepeat && !plain.isEmpty() ? plain : candidates;
        return from.get(r.nextInt(from.size()));
    }

    /** Applies {@code f} to one random block (the top level or a repeat body) that has a node with results. */
    private static Block mutateSomeBlock(Graph g, Random r, UnaryOperator<Block> f) {
        List<Block> blocks = new ArrayList<>();
        collectBlocks(g.body(), blocks);
        List<Integer> eligible = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            if (blocks.get(i).nodes().stream().anyMatch(n -> !n.results().isEmpty())) {
                eligible.add(i);
            }
        }
        int target = eligible.get(r.nextInt(eligible.size()));
        return rewrite(g.body(), new int[] {0}, target, f);
    }

    private static void collectBlocks(Block b, List<Block> out) {
        out.add(b);
        for (Node n : b.nodes()) {
            if (n.hasBody()) {
                collectBlocks(n.body(), out);
            }
        }
    }

    private static void collectNames(Block b, List<String> out) {
        for (Value p : b.params()) {
            out.add(p.name());
        }
        for (Node n : b.nodes()) {
            for (Value v : n.results()) {
                out.add(v.name());
            }
            if (n.hasBody()) {
                collectNames(n.body(), out);
            }
        }
    }

    // pre-order numbering, the same as collectBlocks
    private static Block rewrite(Block b, int[] counter, int target, UnaryOperator<Block> f) {
        int me = counter[0]++;
        if (me == target) {
            return f.apply(b);
        }
        List<Node> nodes = new ArrayList<>(b.nodes().size());
        for (Node n : b.nodes()) {
            nodes.add(n.hasBody() ? new Node(n.results(), n.op(), n.operands(), rewrite(n.body(), counter, target, f)) : n);
        }
        return new Block(b.params(), nodes, b.yields());
    }

}
