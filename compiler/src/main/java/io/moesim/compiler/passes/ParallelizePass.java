package io.moesim.compiler.passes;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.CompileOptions.Parallelism;
import io.moesim.compiler.CompilerException;
import io.moesim.compiler.StagedPass;
import io.moesim.compiler.PassContext;
import io.moesim.compiler.Program;
import io.moesim.compiler.Stage;
import io.moesim.ir.MoesimException;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Block;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.GraphBuilder;
import io.moesim.ir.graph.Node;
import io.moesim.ir.graph.Value;
import io.moesim.ir.op.AllGather;
import io.moesim.ir.op.AllReduce;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.Concat;
import io.moesim.ir.op.Dispatch;
import io.moesim.ir.op.Elementwise;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.GatedDeltaNet;
import io.moesim.ir.op.MlaAttention;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.ReduceScatter;
import io.moesim.ir.op.Repeat;
import io.moesim.ir.op.Split;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Rewrites the model graph into the program of one device (SPMD), per layer type as Megatron's
 * parallel folding allows:
 * <ul>
 *   <li>TP: a matmul feeding attention heads is column-parallel (n/tp, heads/tp); one fed by
 *       split heads is row-parallel (k/tp) and its partial sums are reduced where consumed, by an
 *       all-reduce, or by a reduce-scatter when the consumer wants the rows split tp-ways
 *       (sequence parallelism); experts and dense FFNs are sliced on ffn (ffn/tp) and all-reduced; the
 *       vocabulary's tables are split over the ranks (the embedding by rows, all-reduced; the LM head by columns,
 *       its logits all-gathered).</li>
 *   <li>DP: rows (tokens, sequences) split dp-ways; attention batch/dp.</li>
 *   <li>EP: experts/ep per device, all-to-all after dispatch and before combine.</li>
 *   <li>Sections with different row sharding (attention dp vs MoE ep·dp) meet through
 *       all-gathers, reduce-scatters or free local slices; repeat bodies convert back at the yield.</li>
 *   <li>PP splits layers into stages; it leaves the graph as it is and lowering adds the sends.</li>
 * </ul>
 * Attention-side ep is folded into data parallelism (attention DP, MoE EP, as DeepSeek serves).
 */
public final class ParallelizePass extends StagedPass {
    public static final String NAME = "parallelize";

    public ParallelizePass() {
        super(NAME, Set.of(Stage.VERIFIED), Set.of(Stage.PARALLELIZED));
    }




    @Override
    public Program run(Program in, PassContext ctx) {
        CompileOptions o = ctx.options();
        int devices = in.system().devices();
        Parallelism a = o.attention();
        Parallelism m = o.moe();
        check(a.devices() == devices, "attention degrees tp*ep*dp*pp = " + a.tp() + "*" + a.ep() + "*" + a.dp() + "*" + a.pp() + " = "
                + a.devices() + ", but system " + in.system().id() + " has " + devices + " devices" + (a.devices() == 1 && m.devices() == devices
                        ? " (the MoE side's degrees leave attention at 1: give it --attn-tp or --attn-dp too, or --tp/--ep/--dp for both)" : ""));
        check(m.devices() == devices, "MoE degrees tp*ep*dp*pp = " + m.tp() + "*" + m.ep() + "*" + m.dp() + "*" + m.pp() + " = "
                + m.devices() + ", but system " + in.system().id() + " has " + devices + " devices" + (m.devices() == 1 && a.devices() == devices
                        ? " (the attention side's degrees leave the MoE layers at 1: give them --moe-tp or --moe-ep too, or --tp/--ep/--dp for both)" : ""));
        check(a.pp() == m.pp(), "pipeline degree must be the same for attention (" + a.pp() + ") and MoE (" + m.pp() + ") layers");
        Parallelism attn = new Parallelism(a.tp(), 1, a.dp() * a.ep(), a.pp());
        Rewriter r = new Rewriter(in.graph(), attn, m, devices / a.pp());
        Graph out = r.run();
        ParallelLayout layout = new ParallelLayout(attn, m, devices, devices / a.pp(), r.globalTokens, r.sections, r.groups, r.blocks);
        if (devices > 1) {
            ctx.note(() -> String.format("parallel: attention tp=%d dp=%d, moe tp=%d ep=%d dp=%d, pp=%d over %d devices",
                    attn.tp(), attn.dp(), m.tp(), m.ep(), m.dp(), a.pp(), devices));
        }
        return in.withGraph(out).with(ParallelLayout.class, layout);
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new CompilerException(NAME, message);
        }
    }

    /** How a value of the parallel graph relates to the model's: row shards, split features, pending sum. */
    record VState(Value v, int shards, boolean split, DeviceGroup partial) {
    }

    /** Operands as a rule gets them: their states after any row conversion, their values, and whether any has split features. */
    record Operands(List<VState> states, List<Value> values, boolean anySplit) {
    }

    /**
     * One node being rewritten, as its sharding rule sees it: the op, its section and that section's degrees, its
     * operands' states, and the means to convert operands and emit nodes. Rules hold no state; the rewriter owns it.
     */
    static final class Site {
        private final Rewriter rw;
        private final Node node;
        private final String path;
        private final String section;
        private final Emitter e;
        private final Map<Value, VState> env;
        private final Set<Value> perHead;
        private final Map<Value, Long> replicatedKv;
        private final Map<String, VState> cache;

        Site(Rewriter rw, Node node, String path, String section, Emitter e, Map<Value, VState> env, Set<Value> perHead,
                Map<Value, Long> replicatedKv, Map<String, VState> cache) {
            this.rw = rw;
            this.node = node;
            this.path = path;
            this.section = section;
            this.e = e;
            this.env = env;
            this.perHead = perHead;
            this.replicatedKv = replicatedKv;
            this.cache = cache;
        }

        Op op() {
            return node.op();
        }

        Node node() {
            return node;
        }

        /** The node's path in the model graph (error messages name it). */
        String path() {
            return path;
        }

        /** The tensor-parallel degree of the node's section. */
        int tp() {
            return rw.tp(section);
        }

        /** How many ways the node's section splits rows. */
        int rowShards() {
            return rw.rowShards(section);
        }

        Parallelism moe() {
            return rw.moe;
        }

        DeviceGroup tpGroup() {
            return rw.tpGroup(section);
        }

        /** Whether {@code v} carries per-head features into attention. */
        boolean perHead(Value v) {
            return perHead.contains(v);
        }

        /**
         * The per-rank feature width of a value that carries KV heads replicated over tp (attention with fewer KV heads
         * than tp ranks) into attention, or with them the query heads (the fused QKV projection); null for any other.
         */
        Long replicatedKvWidth(Value v) {
            return replicatedKv.get(v);
        }

        /** Whether {@code v} is an output of the model graph (not of a repeat body): in a generated graph, the LM head's logits. */
        boolean isModelOutput(Value v) {
            return rw.in.outputs().contains(v);
        }

        /** The state of a model value, or null when it is not defined yet. */
        VState state(Value v) {
            return env.get(v);
        }

        /** The states of the node's operands as they are; an error when one is not defined before the node. */
        List<VState> operandStates() {
            List<VState> raw = new ArrayList<>();
            for (Value v : node.operands()) {
                VState s = env.get(v);
                if (s == null) {
                    throw new CompilerException(NAME, "node " + path + " uses %" + v.name() + ", which is not defined before it");
                }
                raw.add(s);
            }
            return raw;
        }

        /**
         * The operands with the row sharding {@code want}: split features stay as they are, and so does a sum pending over
         * {@code keep} (a linear op passes it through); others are converted (all-gather, reduce-scatter, all-reduce).
         */
        Operands operands(List<VState> raw, int want, DeviceGroup keep) {
            List<VState> ops = new ArrayList<>();
            for (VState s : raw) {
                boolean passPartial = keep != null && s.partial() != null && s.partial().equals(keep) && s.shards() == want;
                ops.add(s.split() || passPartial ? s : rw.convert(e, s, want, section, cache));
            }
            List<Value> vs = new ArrayList<>();
            for (VState s : ops) {
                vs.add(s.v());
            }
            return new Operands(ops, vs, ops.stream().anyMatch(VState::split));
        }

        /** Emits {@code op} for the node, its results named as the model's, and records their states. */
        void emit(Op op, List<Value> vs, int shards, boolean split, DeviceGroup partial) {
            List<String> hints = new ArrayList<>();
            node.results().forEach(r -> hints.add(r.name()));
            rw.emit(e, section, hints, op, vs, node, env, shards, split, partial);
        }

        /** The path the next emitted node gets. */
        String nextPath() {
            return e.nextPath();
        }

        /** The path of the node emitted last. */
        String prevPath() {
            return rw.prevPath(e);
        }

        /** Emits one node of any name (a collective the rule adds) in the node's section. */
        Value add1(String hint, Op op, DeviceGroup group, Value... operands) {
            return e.add1(section, hint, op, group, operands);
        }

        /** Emits {@code op} under the hints given. */
        List<Value> add(List<String> hints, Op op, List<Value> operands, DeviceGroup group) {
            return e.add(section, hints, op, operands, group);
        }

        /** Records the state of a model value. */
        void bind(Value v, VState s) {
            env.put(v, s);
        }

        /** The MoE blocks found so far; the last is the open one. */
        List<MoeBlock> blocks() {
            return rw.blocks;
        }

        /** Converts a repeat's body, section by section, back to the entry's sharding at the yield. */
        void repeat(Repeat rep) {
            rw.repeat(node, rep, path, e, env, cache);
        }
    }

    /** Adds nodes to one block, recording the path and section of each. */
    private static final class Emitter {
        final Rewriter rw;
        final GraphBuilder b;
        final String prefix;
        int count;

        Emitter(Rewriter rw, GraphBuilder b, String prefix) {
            this.rw = rw;
            this.b = b;
            this.prefix = prefix;
        }

        String nextPath() {
            return prefix + count;
        }

        List<Value> add(String section, List<String> hints, Op op, List<Value> operands, DeviceGroup group) {
            String path = nextPath();
            List<Value> r = b.addMulti(hints, op, operands);
            rw.sections.put(path, section);
            if (group != null) {
                rw.groups.put(path, group);
            }
            count++;
            return r;
        }

        Value add1(String section, String hint, Op op, DeviceGroup group, Value... operands) {
            return add(section, List.of(hint), op, List.of(operands), group).get(0);
        }
    }

    private static final class Rewriter {
        final Graph in;
        final Parallelism attn;
        final Parallelism moe;
        final int stageDevices;
        final Map<String, String> inSections;
        final Map<String, String> sections = new LinkedHashMap<>();
        final Map<String, DeviceGroup> groups = new LinkedHashMap<>();
        final List<MoeBlock> blocks = new ArrayList<>();
        long globalTokens;

        Rewriter(Graph in, Parallelism attn, Parallelism moe, int stageDevices) {
            this.in = in;
            this.attn = attn;
            this.moe = moe;
            this.stageDevices = stageDevices;
            this.inSections = Sections.of(in);
        }

        Graph run() {
            GraphBuilder b = new GraphBuilder(in.name());
            Map<Value, VState> env = new HashMap<>();
            int w = residualShards();
            for (Value v : in.inputs()) {
                TensorType t = v.type();
                boolean shard = t.rank() >= 1 && t.shape().dim(0) % w == 0;
                globalTokens = Math.max(globalTokens, t.rank() >= 1 ? t.shape().dim(0) : 1);
                TensorType local = shard && w > 1 ? t.withShape(t.shape().withDim(0, t.shape().dim(0) / w)) : t;
                env.put(v, new VState(b.input(v.name(), local), shard ? w : 1, false, null));
            }
            Emitter e = new Emitter(this, b, "");
            block(in.body(), "", e, env);
            List<Value> outs = new ArrayList<>();
            for (Value y : in.outputs()) {
                VState s = env.get(y);
                outs.add(resolve(e, s, sectionOfOutput()).v());
            }
            b.output(outs.toArray(new Value[0]));
            try {
                return b.build();
            } catch (MoesimException ex) {
                throw new CompilerException(NAME, "the parallel graph does not verify: " + ex.getMessage());
            }
        }

        /**
         * Rows of the residual stream are split as finely as either section splits them (Megatron's
         * sequence parallelism), so that a section with coarser rows gathers them, never slices them.
         */
        int residualShards() {
            boolean hasMoe = GraphWalk.sites(in).stream().anyMatch(x -> x.node().op() instanceof Dispatch);
            int a = attn.dp();
            int b = hasMoe ? moe.ep() * moe.dp() : a;
            if (Math.max(a, b) % Math.min(a, b) != 0) {
                throw new CompilerException(NAME, "cannot fold attention rows split " + a + " ways with MoE rows split " + b + " ways");
            }
            return Math.max(a, b);
        }

        String sectionOfOutput() {
            return in.nodes().stream().anyMatch(Node::hasBody) ? Sections.HEAD : Sections.ATTENTION;
        }

        int tp(String section) {
            return Sections.usesMoeDegrees(section) ? moe.tp() : attn.tp();
        }

        int rowShards(String section) {
            return Sections.usesMoeDegrees(section) ? moe.ep() * moe.dp() : attn.dp();
        }

        DeviceGroup tpGroup(String section) {
            return new DeviceGroup(1, tp(section));
        }

        void block(Block blk, String inPrefix, Emitter e, Map<Value, VState> env) {
            Set<Value> perHead = perHeadValues(blk);
            Map<Value, Long> replicatedKv = replicatedKvWidths(blk, inPrefix);
            Map<String, VState> convCache = new HashMap<>();
            for (int i = 0; i < blk.nodes().size(); i++) {
                Node n = blk.nodes().get(i);
                String inPath = inPrefix + i;
                String section = inSections.getOrDefault(inPath, Sections.ATTENTION);
                try {
                    node(n, inPath, section, e, env, perHead, replicatedKv, convCache);
                } catch (CompilerException ex) {
                    throw ex;
                } catch (MoesimException | IllegalArgumentException | ArithmeticException ex) {
                    throw new CompilerException(NAME, "node " + inPath + " (" + n.op().mnemonic() + "): " + ex.getMessage());
                }
            }
        }

        /** Values that carry per-head features into attention (column-parallel candidates feed them). */
        Set<Value> perHeadValues(Block blk) {
            Set<Value> s = new HashSet<>();
            List<Node> nodes = blk.nodes();
            for (int i = nodes.size() - 1; i >= 0; i--) {
                Node n = nodes.get(i);
                Op op = n.op();
                if (op instanceof Attention || op instanceof GatedDeltaNet) {
                    s.addAll(n.operands());
                } else if (op instanceof MlaAttention mla) {
                    s.add(n.operands().get(0));
                    if (!mla.absorbed()) {
                        s.addAll(n.operands());
                    }
                } else if (n.results().stream().anyMatch(s::contains)) {
                    boolean through = op instanceof Split || op instanceof Concat || op instanceof Elementwise
                            || (op instanceof MatMul mm && mm.batch() > 1);
                    if (through) {
                        for (Value v : n.operands()) {
                            // an operand repeated in a concat is shared by all heads (MLA's RoPE key): not per head
                            if (java.util.Collections.frequency(n.operands(), v) == 1) {
                                s.add(v);
                            }
                        }
                    }
                }
            }
            return s;
        }

        /**
         * Where attention has fewer KV heads than its section's tp ranks (and tp is a multiple of them), each rank holds one
         * KV head, replicated over tp / kv_heads ranks: the per-rank feature width of the values that carry K and V into it
         * (one head's), back through row and feature splits and elementwise ops to the projection, whose per-rank width is
         * its query heads' share plus one K and one V head. Empty where every attention's KV heads divide over tp.
         */
        Map<Value, Long> replicatedKvWidths(Block blk, String inPrefix) {
            Map<Value, Long> w = new HashMap<>();
            List<Node> nodes = blk.nodes();
            for (int i = nodes.size() - 1; i >= 0; i--) {
                Node n = nodes.get(i);
                Op op = n.op();
                int tp = tp(inSections.getOrDefault(inPrefix + i, Sections.ATTENTION));
                if (op instanceof Attention at) {
                    if (tp > 1 && Attention.kvHeadsPerRank(at.kvHeads(), tp) == 0) {
                        // before the projection's rule meets a width that does not divide
                        throw new CompilerException(NAME, "node " + inPrefix + i + ": " + ShardingRules.kvLayoutError(at.kvHeads(), tp));
                    }
                    if (tp > 1 && at.kvHeads() % tp != 0) {
                        for (Value kv : n.operands().subList(1, 3)) {
                            w.put(kv, featureWidth(kv) / at.kvHeads());
                        }
                    }
                } else if (op instanceof Split sp && n.results().stream().anyMatch(w::containsKey) && n.operands().size() == 1) {
                    long width = 0;
                    for (int k = 0; k < n.results().size(); k++) {
                        Value r = n.results().get(k);
                        Long rw = w.get(r);
                        if (sp.axis() == 0) {
                            width = rw != null ? rw : width; // rows: the features are the operand's
                        } else {
                            width += rw != null ? rw : sp.sizes().getLong(k) / tp;
                        }
                    }
                    w.put(n.operands().get(0), width);
                } else if (op instanceof Elementwise && n.operands().size() == 1 && w.containsKey(n.result())) {
                    w.put(n.operands().get(0), w.get(n.result()));
                }
            }
            return w;
        }

        private static long featureWidth(Value v) {
            TensorType t = v.type();
            return t.shape().dim(t.rank() - 1);
        }

        VState resolve(Emitter e, VState s, String section) {
            if (s.partial() == null) {
                return s;
            }
            Value v = e.add1(section, s.v().name() + "_ar", new AllReduce(s.partial().size()), s.partial(), s.v());
            return new VState(v, s.shards(), s.split(), null);
        }

        /** The value with the row sharding a section wants. */
        VState convert(Emitter e, VState s, int want, String section, Map<String, VState> cache) {
            String key = s.v().name() + "@" + want;
            VState hit = cache.get(key);
            if (hit != null) {
                return hit;
            }
            VState out;
            if (s.shards() == want || s.v().type().rank() == 0) {
                out = resolve(e, s, section);
            } else if (want % s.shards() == 0) {
                int r = want / s.shards();
                DeviceGroup g = new DeviceGroup(stageDevices / want, r);
                if (s.partial() != null && s.partial().size() == r && s.partial().stride() == g.stride()) {
                    Value v = e.add1(section, s.v().name() + "_rs", new ReduceScatter(r, 0), g, s.v());
                    out = new VState(v, want, s.split(), null);
                } else {
                    throw new CompilerException(NAME, "%" + s.v().name() + " would have to be sliced " + r
                            + " ways by rows; supported foldings have equal attention and MoE tp, or tp = 1 on one side");
                }
            } else if (s.shards() % want == 0) {
                int r = s.shards() / want;
                VState full = resolve(e, s, section);
                Value v = e.add1(section, s.v().name() + "_ag", new AllGather(r, 0), new DeviceGroup(stageDevices / s.shards(), r), full.v());
                out = new VState(v, want, full.split(), null);
            } else {
                throw new CompilerException(NAME, "cannot fold row sharding " + s.shards() + " into " + want
                        + " (attention dp must divide or be a multiple of MoE ep*dp)");
            }
            cache.put(key, out);
            return out;
        }

        /** Rewrites one node by its op kind's rule ({@link ShardingRules}); a kind without one is an error, not a silent default. */
        void node(Node n, String inPath, String section, Emitter e, Map<Value, VState> env, Set<Value> perHead, Map<Value, Long> replicatedKv,
                Map<String, VState> cache) {
            ShardingRules.of(n.op(), inPath).apply(new Site(this, n, inPath, section, e, env, perHead, replicatedKv, cache));
        }

        String prevPath(Emitter e) {
            return e.prefix + (e.count - 1);
        }

        void emit(Emitter e, String section, List<String> hints, Op op, List<Value> vs, Node n, Map<Value, VState> env, int shards,
                boolean split, DeviceGroup partial) {
            List<Value> r = e.add(section, hints, op, vs, null);
            for (int i = 0; i < r.size(); i++) {
                env.put(n.results().get(i), new VState(r.get(i), shards, split, partial));
            }
        }

        void repeat(Node n, Repeat rep, String inPath, Emitter e, Map<Value, VState> env, Map<String, VState> cache) {
            List<VState> opStates = new ArrayList<>();
            List<Value> operands = new ArrayList<>();
            String section = Sections.ATTENTION;
            for (Value v : n.operands()) {
                VState s = resolve(e, env.get(v), section);
                if (s.split()) {
                    throw new CompilerException(NAME, "node " + inPath + ": a repeat operand with split features is not supported");
                }
                opStates.add(s);
                operands.add(s.v());
            }
            String repPath = e.nextPath();
            String bodyPrefix = repPath + "/";
            List<Value> results = e.b.repeat(n.results().isEmpty() ? "layers" : n.results().get(0).name(), rep.count(), operands, (inner, params) -> {
                Map<Value, VState> benv = new HashMap<>(env);
                for (int i = 0; i < params.size(); i++) {
                    benv.put(n.body().params().get(i), new VState(params.get(i), opStates.get(i).shards(), false, null));
                }
                Emitter be = new Emitter(this, inner, bodyPrefix);
                block(n.body(), inPath + "/", be, benv);
                Map<String, VState> ycache = new HashMap<>();
                List<Value> ys = new ArrayList<>();
                for (int i = 0; i < n.body().yields().size(); i++) {
                    VState s = benv.get(n.body().yields().get(i));
                    String ysec = be.count > 0 ? sections.getOrDefault(bodyPrefix + (be.count - 1), Sections.ATTENTION) : Sections.ATTENTION;
                    VState c = convert(be, s, opStates.get(i).shards(), ysec, ycache);
                    if (c.split()) {
                        throw new CompilerException(NAME, "node " + inPath + ": a layer yields split features");
                    }
                    ys.add(c.v());
                }
                return ys;
            });
            sections.put(repPath, Sections.ATTENTION);
            e.count++;
            for (int i = 0; i < results.size(); i++) {
                env.put(n.results().get(i), new VState(results.get(i), opStates.get(i).shards(), false, null));
            }
        }
    }
}
