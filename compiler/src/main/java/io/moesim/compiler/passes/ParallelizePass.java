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
import io.moesim.ir.op.AllToAll;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.Combine;
import io.moesim.ir.op.Concat;
import io.moesim.ir.op.Dispatch;
import io.moesim.ir.op.Elementwise;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.MlaAttention;
import io.moesim.ir.op.Norm;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.ReduceScatter;
import io.moesim.ir.op.Repeat;
import io.moesim.ir.op.Split;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
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
 *       (sequence parallelism); experts and dense FFNs are sliced on ffn (ffn/tp) and all-reduced.</li>
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
                + a.devices() + ", but system " + in.system().id() + " has " + devices + " devices");
        check(m.devices() == devices, "MoE degrees tp*ep*dp*pp = " + m.tp() + "*" + m.ep() + "*" + m.dp() + "*" + m.pp() + " = "
                + m.devices() + ", but system " + in.system().id() + " has " + devices + " devices");
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
    private record VState(Value v, int shards, boolean split, DeviceGroup partial) {
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

        /** Ops that work row by row on whatever rows they get. */
        boolean tokenWise(Op op) {
            return op instanceof Norm || op instanceof Elementwise || op instanceof io.moesim.ir.op.Softmax || op instanceof io.moesim.ir.op.Embedding;
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
            Map<String, VState> convCache = new HashMap<>();
            for (int i = 0; i < blk.nodes().size(); i++) {
                Node n = blk.nodes().get(i);
                String inPath = inPrefix + i;
                String section = inSections.getOrDefault(inPath, Sections.ATTENTION);
                try {
                    node(n, inPath, section, e, env, perHead, convCache);
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
                if (op instanceof Attention) {
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

        void node(Node n, String inPath, String section, Emitter e, Map<Value, VState> env, Set<Value> perHead, Map<String, VState> cache) {
            Op op = n.op();
            ShardingRules.of(op, inPath); // every op kind has its rule; none is an error, not a silent default
            int tp = tp(section);
            int want = rowShards(section);
            if (op instanceof Repeat rep) {
                repeat(n, rep, inPath, e, env, cache);
                return;
            }
            if (op instanceof MatMul mm && env.containsKey(n.operands().get(0)) && env.get(n.operands().get(0)).split()) {
                VState x = env.get(n.operands().get(0));
                if (mm.batch() > 1) {
                    divides(mm.batch(), tp, "matmul batch (heads)");
                    Value v = e.add1(section, n.result().name(), new MatMul(mm.k(), mm.n(), mm.wdtype(), mm.batch() / tp), null, x.v());
                    env.put(n.result(), new VState(v, x.shards(), true, null));
                } else {
                    divides(mm.k(), tp, "row-parallel matmul k");
                    Value v = e.add1(section, n.result().name(), new MatMul(mm.k() / tp, mm.n(), mm.wdtype()), null, x.v());
                    env.put(n.result(), new VState(v, x.shards(), false, tpGroup(section)));
                }
                return;
            }
            List<VState> raw = new ArrayList<>();
            for (Value v : n.operands()) {
                VState s = env.get(v);
                if (s == null) {
                    throw new CompilerException(NAME, "node " + inPath + " uses %" + v.name() + ", which is not defined before it");
                }
                raw.add(s);
            }
            if (tokenWise(op) && !raw.isEmpty()) {
                want = raw.stream().mapToInt(VState::shards).max().getAsInt();
            }
            // sums pending over the same group pass through linear ops: an add of two, a combine, an all-to-all
            DeviceGroup keep = null;
            if (op instanceof Combine || op instanceof AllToAll) {
                keep = raw.get(0).partial();
            } else if (op instanceof Elementwise ew && ew.kind() == Elementwise.Kind.ADD && raw.get(0).partial() != null
                    && raw.get(0).partial().equals(raw.get(1).partial()) && raw.get(0).shards() == raw.get(1).shards()) {
                keep = raw.get(0).partial();
                want = raw.get(0).shards();
            }
            List<VState> ops = new ArrayList<>();
            for (int k = 0; k < raw.size(); k++) {
                VState s = raw.get(k);
                boolean passPartial = keep != null && s.partial() != null && s.partial().equals(keep) && s.shards() == want;
                ops.add(s.split() || passPartial ? s : convert(e, s, want, section, cache));
            }
            List<Value> vs = new ArrayList<>();
            for (VState s : ops) {
                vs.add(s.v());
            }
            boolean anySplit = ops.stream().anyMatch(VState::split);
            List<String> hints = new ArrayList<>();
            n.results().forEach(r -> hints.add(r.name()));
            if (op instanceof MatMul mm) {
                if (tp > 1 && perHead.contains(n.result())) {
                    divides(mm.batch() > 1 ? mm.batch() : mm.n(), tp, "column-parallel matmul " + (mm.batch() > 1 ? "batch" : "n"));
                    MatMul local = mm.batch() > 1 ? new MatMul(mm.k(), mm.n(), mm.wdtype(), mm.batch() / tp)
                            : new MatMul(mm.k(), mm.n() / tp, mm.wdtype());
                    if (mm.batch() > 1 && vs.get(0).type().rank() == 2) {
                        throw new CompilerException(NAME, "node " + inPath + ": a per-head matmul on replicated features is not supported");
                    }
                    emit(e, section, hints, local, vs, n, env, ops.get(0).shards(), true, null);
                } else {
                    emit(e, section, hints, mm, vs, n, env, ops.get(0).shards(), false, null);
                }
            } else if (op instanceof Attention at) {
                requireSplitOrTp1(ops, tp, inPath);
                divides(at.heads(), tp, "attention heads");
                divides(at.kvHeads(), tp, "attention kv_heads");
                divides(at.batch(), want, "attention batch (sequences) under data parallelism");
                Attention local = new Attention(at.heads() / tp, at.kvHeads() / tp, at.headDim(), at.batch() / want, at.qLen(), at.kvLen(),
                        at.causal(), at.window(), at.kvDtype());
                emit(e, section, hints, local, vs, n, env, want, tp > 1, null);
            } else if (op instanceof MlaAttention ml) {
                divides(ml.heads(), tp, "attention heads");
                divides(ml.batch(), want, "attention batch (sequences) under data parallelism");
                MlaAttention local = new MlaAttention(ml.heads() / tp, ml.kvLoraRank(), ml.ropeDim(), ml.nopeDim(), ml.vHeadDim(),
                        ml.batch() / want, ml.qLen(), ml.kvLen(), ml.causal(), ml.absorbed(), ml.kvDtype());
                emit(e, section, hints, local, vs, n, env, want, tp > 1, null);
            } else if (op instanceof Dispatch d) {
                moeBlock(n, d, e, section, vs, env);
            } else if (op instanceof ExpertFfn f && f.experts() > 1) {
                expertFfn(n, f, e, section, vs, env);
            } else if (op instanceof ExpertFfn f) {
                divides(f.ffn(), tp, "dense FFN width");
                long rows = vs.get(0).type().shape().dim(0);
                ExpertFfn local = f.withTokens(1, 1, LongImmutableList.of(rows), f.ffn() / tp);
                emit(e, section, hints, local, vs, n, env, want, false, tp > 1 ? tpGroup(section) : null);
            } else if (op instanceof Combine c) {
                long[] t = TokenShards.shard(c.tokens(), moe.ep() * moe.dp(), 0);
                emit(e, section, hints, new Combine(c.experts(), c.topK(), LongImmutableList.of(t)), vs, n, env, want, false, ops.get(0).partial());
                MoeBlock open = blocks.get(blocks.size() - 1);
                blocks.set(blocks.size() - 1, new MoeBlock(open.dispatch(), open.a2aDispatch(), open.ffn(), open.tpReduce(), open.a2aCombine(),
                        prevPath(e), open.experts(), open.topK(), open.hidden(), open.globalTokens()));
            } else if (op instanceof Split sp) {
                Split local = sp;
                if (sp.axis() == 0 && want > 1) {
                    long[] sizes = sp.sizes().toLongArray();
                    for (int k = 0; k < sizes.length; k++) {
                        divides(sizes[k], want, "split rows (prefill/decode parts) under data parallelism");
                        sizes[k] /= want;
                    }
                    local = Split.of(0, sizes);
                } else if (sp.axis() > 0 && anySplit && tp > 1) {
                    long[] sizes = sp.sizes().toLongArray();
                    for (int k = 0; k < sizes.length; k++) {
                        divides(sizes[k], tp, "split of head features");
                        sizes[k] /= tp;
                    }
                    local = Split.of(sp.axis(), sizes);
                }
                emit(e, section, hints, local, vs, n, env, want, anySplit, null);
            } else if (op instanceof Concat c && c.axis() > 0 && anySplit && tp > 1) {
                // copies of a replicated operand (one per head) shrink with the heads
                List<Value> kept = new ArrayList<>();
                Map<Value, Integer> seen = new HashMap<>();
                for (int k = 0; k < vs.size(); k++) {
                    Value v = vs.get(k);
                    int copies = java.util.Collections.frequency(vs, v);
                    if (ops.get(k).split() || copies == 1) {
                        kept.add(v);
                    } else {
                        divides(copies, tp, "copies of a shared operand in a concat");
                        int used = seen.merge(v, 1, Integer::sum);
                        if (used <= copies / tp) {
                            kept.add(v);
                        }
                    }
                }
                emit(e, section, hints, c, kept, n, env, want, true, null);
            } else if (op instanceof Norm && anySplit) {
                throw new CompilerException(NAME, "node " + inPath + ": a norm over tensor-parallel split features is not supported");
            } else if (op instanceof Elementwise && keep != null) {
                emit(e, section, hints, op, vs, n, env, want, anySplit, keep);
            } else {
                emit(e, section, hints, op, vs, n, env, want, anySplit, null);
            }
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

        void moeBlock(Node n, Dispatch d, Emitter e, String section, List<Value> vs, Map<Value, VState> env) {
            int ep = moe.ep();
            int shards = moe.ep() * moe.dp();
            divides(d.experts(), ep, "experts under expert parallelism");
            long[] t = TokenShards.shard(d.tokens(), shards, 0);
            String dispatchPath = e.nextPath();
            Value y = e.add(section, List.of(n.result().name()), new Dispatch(d.experts(), d.topK(), LongImmutableList.of(t)), vs, null).get(0);
            String a2a = null;
            if (ep > 1) {
                a2a = e.nextPath();
                y = e.add1(section, n.result().name() + "_a2a", new AllToAll(ep), new DeviceGroup(moe.tp(), ep), y);
            }
            env.put(n.result(), new VState(y, shards, false, null));
            blocks.add(new MoeBlock(dispatchPath, a2a, null, null, null, null, d.experts(), d.topK(),
                    vs.get(0).type().last(), d.tokens()));
        }

        void expertFfn(Node n, ExpertFfn f, Emitter e, String section, List<Value> vs, Map<Value, VState> env) {
            int ep = moe.ep();
            int tp = moe.tp();
            divides(f.experts(), ep, "experts under expert parallelism");
            divides(f.ffn(), tp, "expert FFN width under expert tensor parallelism");
            if (blocks.isEmpty()) {
                throw new CompilerException(NAME, "expert_ffn of " + f.experts() + " experts without a dispatch before it");
            }
            int local = f.experts() / ep;
            long rows = vs.get(0).type().shape().dim(0);
            ExpertFfn op = f.withTokens(local, Math.min(f.topK(), local), LongImmutableList.of(TokenShards.balanced(rows, local)), f.ffn() / tp);
            String ffnPath = e.nextPath();
            Value y = e.add(section, List.of(n.result().name()), op, vs, null).get(0);
            // expert tensor parallelism leaves partial sums; they are reduced where the result is used
            String reduce = null;
            String back = null;
            if (ep > 1) {
                back = e.nextPath();
                y = e.add1(section, n.result().name() + "_a2a", new AllToAll(ep), new DeviceGroup(tp, ep), y);
            }
            env.put(n.result(), new VState(y, moe.ep() * moe.dp(), false, tp > 1 ? new DeviceGroup(1, tp) : null));
            MoeBlock open = blocks.get(blocks.size() - 1);
            blocks.set(blocks.size() - 1, new MoeBlock(open.dispatch(), open.a2aDispatch(), ffnPath, reduce, back, null, open.experts(),
                    open.topK(), open.hidden(), open.globalTokens()));
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

        void requireSplitOrTp1(List<VState> ops, int tp, String inPath) {
            if (tp > 1 && ops.stream().anyMatch(s -> !s.split())) {
                throw new CompilerException(NAME, "node " + inPath + ": attention operands are not produced by column-parallel projections");
            }
        }
    }

    private static void divides(long value, int by, String what) {
        if (by > 1 && value % by != 0) {
            throw new CompilerException(NAME, what + " " + value + " is not divisible by " + by);
        }
    }
}
