package io.moesim.compiler.passes;

import io.moesim.ir.graph.Block;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.Node;
import io.moesim.ir.graph.Value;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.Combine;
import io.moesim.ir.op.Concat;
import io.moesim.ir.op.Dispatch;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.KvAppend;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.Elementwise;
import io.moesim.ir.op.GatedDeltaNet;
import io.moesim.ir.op.LightningIndexer;
import io.moesim.ir.op.MlaAttention;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.Router;
import io.moesim.ir.op.Split;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Which part of the model each node belongs to, the "layer type" the parallel degrees and the
 * summary are given per: {@code embed}, {@code attention}, {@code moe}, {@code ffn}, {@code head}.
 *
 * <p>Anchors decide: attention ops and KV appends are attention; router, dispatch, combine and
 * routed experts are moe; a dense FFN is moe in a layer with a router (a shared expert), else ffn.
 * The chain right after attention (matmuls, concats and splits fed by attention or by that chain)
 * is attention: the join of a mixed batch and the output projection. Every other node takes the section of the next anchor in its
 * block, else of the previous one. Top-level nodes are embed before the first repeat, head after.
 */
public final class Sections {
    public static final String EMBED = "embed";
    public static final String ATTENTION = "attention";
    public static final String MOE = "moe";
    public static final String FFN = "ffn";
    public static final String HEAD = "head";

    private Sections() {
    }

    /** Section of every node by path, in program order. */
    public static Map<String, String> of(Graph g) {
        Map<String, String> out = new LinkedHashMap<>();
        Block top = g.body();
        if (top.nodes().stream().noneMatch(Node::hasBody)) {
            // a graph without repeat blocks is one layer written out: classify it as a body
            ofBlock(top, "", out);
            return out;
        }
        boolean seenRepeat = false;
        for (int i = 0; i < top.nodes().size(); i++) {
            Node n = top.nodes().get(i);
            String path = Integer.toString(i);
            if (n.hasBody()) {
                seenRepeat = true;
                out.put(path, ATTENTION);
                ofBlock(n.body(), path + "/", out);
            } else {
                out.put(path, seenRepeat ? HEAD : EMBED);
            }
        }
        return out;
    }

    /** Sections of the nodes of one layer body. */
    static void ofBlock(Block b, String prefix, Map<String, String> out) {
        boolean hasRouter = b.nodes().stream().anyMatch(n -> n.op() instanceof Router);
        int size = b.nodes().size();
        String[] sec = new String[size];
        Set<Value> postAttention = new HashSet<>();
        for (int i = 0; i < size; i++) {
            Node n = b.nodes().get(i);
            sec[i] = anchor(n.op(), hasRouter);
            // (a gated attention's output gate, mul, stays with its attention too)
            boolean chain = n.op() instanceof MatMul || n.op() instanceof Concat || n.op() instanceof Split
                    || (n.op() instanceof Elementwise ew && ew.kind() == Elementwise.Kind.MUL);
            if (sec[i] == null && chain && n.operands().stream().anyMatch(postAttention::contains)) {
                sec[i] = ATTENTION;
                postAttention.addAll(n.results());
            }
            if (n.op() instanceof Attention || n.op() instanceof MlaAttention || n.op() instanceof GatedDeltaNet) {
                postAttention.addAll(n.results());
            }
            if (n.hasBody()) {
                ofBlock(n.body(), prefix + i + "/", out);
            }
        }
        String next = null;
        String[] fill = new String[size];
        for (int i = size - 1; i >= 0; i--) {
            if (sec[i] != null) {
                next = sec[i];
            }
            fill[i] = sec[i] != null ? sec[i] : next;
        }
        String prev = hasRouter ? MOE : ATTENTION;
        for (int i = 0; i < size; i++) {
            if (fill[i] == null) {
                fill[i] = prev;
            }
            prev = fill[i];
            out.put(prefix + i, fill[i]);
        }
    }

    private static String anchor(Op op, boolean hasRouter) {
        if (op instanceof Attention || op instanceof MlaAttention || op instanceof GatedDeltaNet || op instanceof LightningIndexer
                || op instanceof KvAppend) {
            return ATTENTION;
        }
        if (op instanceof Router || op instanceof Dispatch || op instanceof Combine) {
            return MOE;
        }
        if (op instanceof ExpertFfn f) {
            return f.routed() || hasRouter ? MOE : FFN;
        }
        return null;
    }

    /** Whether a section uses the MoE layers' parallel degrees (else the attention ones). */
    public static boolean usesMoeDegrees(String section) {
        return MOE.equals(section);
    }
}
