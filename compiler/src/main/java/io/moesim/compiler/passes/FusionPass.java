package io.moesim.compiler.passes;

import io.moesim.compiler.StagedPass;
import io.moesim.compiler.PassContext;
import io.moesim.compiler.Program;
import io.moesim.compiler.Stage;
import io.moesim.ir.graph.Block;
import io.moesim.ir.graph.Node;
import io.moesim.ir.graph.Value;
import io.moesim.ir.op.Elementwise;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.Norm;
import io.moesim.ir.op.Router;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Marks the fusions real kernels make, as a fact (the IR keeps one op per node; lowering emits each
 * fused pair as one task, without the intermediate tensor's DRAM write and read):
 * <ul>
 *   <li>norm into the following GEMM (Transformer Engine's LayerNormLinear / LayerNormMLP): a
 *       norm whose only consumer is a matmul, the router's gate GEMM, or a dense FFN;</li>
 *   <li>residual add into the GEMM epilogue: an add whose operand is a matmul result read by
 *       nothing else, its other operand defined before that matmul.</li>
 * </ul>
 * Fusions the IR already holds and need no pass: the attention chain (QKᵀ, softmax, PV) is one
 * attention / mla_attention op, as FlashAttention runs it, its scores never in DRAM; SwiGLU's gate
 * and up GEMMs and the activation are one expert_ffn op; split and concat are views. Not fused:
 * kv_append (a separate cache-write kernel in vLLM and SGLang), and anything across a collective.
 */
public final class FusionPass extends StagedPass {
    public static final String NAME = "fuse";

    public FusionPass() {
        super(NAME, Set.of(Stage.PARALLELIZED), Set.of(Stage.FUSED));
    }




    @Override
    public Program run(Program in, PassContext ctx) {
        List<Fusion> out = new ArrayList<>();
        block(in.graph().body(), "", out);
        if (!out.isEmpty()) {
            long pro = out.stream().filter(f -> f.kind() == Fusion.Kind.PROLOGUE).count();
            ctx.note("fusion: " + pro + " norm->GEMM prologues, " + (out.size() - pro) + " residual-add epilogues (per layer body)");
        }
        return in.with(Fusions.class, new Fusions(out));
    }

    private static void block(Block b, String prefix, List<Fusion> out) {
        Map<Value, List<Integer>> uses = new HashMap<>();
        Map<Value, Integer> def = new HashMap<>();
        List<Node> nodes = b.nodes();
        for (Value p : b.params()) {
            def.put(p, -1);
        }
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            for (Value v : n.operands()) {
                uses.computeIfAbsent(v, k -> new ArrayList<>()).add(i);
            }
            for (Value r : n.results()) {
                def.put(r, i);
            }
            if (n.hasBody()) {
                block(n.body(), prefix + i + "/", out);
            }
        }
        java.util.Set<Value> yielded = new java.util.HashSet<>(b.yields());
        java.util.Set<Integer> taken = new java.util.HashSet<>();
        for (int i = 0; i < nodes.size(); i++) {
            Node n = nodes.get(i);
            if (n.op() instanceof Norm && !yielded.contains(n.result())) {
                List<Integer> u = uses.getOrDefault(n.result(), List.of());
                if (u.size() == 1 && !taken.contains(u.get(0))) {
                    Node c = nodes.get(u.get(0));
                    if (c.op() instanceof MatMul || c.op() instanceof Router || (c.op() instanceof ExpertFfn f && f.dense())) {
                        out.add(new Fusion(Fusion.Kind.PROLOGUE, prefix + i, prefix + u.get(0)));
                        taken.add(u.get(0));
                    }
                }
            }
            if (n.op() instanceof Elementwise e && e.kind() == Elementwise.Kind.ADD) {
                for (int j = 0; j < 2; j++) {
                    Value v = n.operands().get(j);
                    Integer p = def.get(v);
                    Value other = n.operands().get(1 - j);
                    if (p != null && p >= 0 && nodes.get(p).op() instanceof MatMul && !yielded.contains(v)
                            && uses.getOrDefault(v, List.of()).size() == 1 && def.getOrDefault(other, Integer.MAX_VALUE) < p
                            && !taken.contains(p)) {
                        out.add(new Fusion(Fusion.Kind.EPILOGUE, prefix + p, prefix + i));
                        taken.add(p);
                        break;
                    }
                }
            }
        }
        // each key once (a comparator by a computed key computes it at every comparison)
        java.util.Map<String, String> keys = new java.util.HashMap<>();
        out.sort(java.util.Comparator.comparing(f -> keys.computeIfAbsent(f.absorbed(), FusionPass::order)));
    }

    /** Sort key: program order of paths ("3/10" after "3/9"). */
    static String order(String path) {
        StringBuilder sb = new StringBuilder();
        for (String part : path.split("/")) {
            String digits = Integer.toString(Integer.parseInt(part));
            sb.append("0".repeat(Math.max(0, 8 - digits.length()))).append(digits).append('/');
        }
        return sb.toString();
    }
}
