package io.moesim.compiler.passes;

import io.moesim.compiler.CompilerException;
import io.moesim.ir.op.AllGather;
import io.moesim.ir.op.AllReduce;
import io.moesim.ir.op.AllToAll;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.BatchMatMul;
import io.moesim.ir.op.Combine;
import io.moesim.ir.op.Concat;
import io.moesim.ir.op.Dispatch;
import io.moesim.ir.op.Elementwise;
import io.moesim.ir.op.Embedding;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.GroupedMatMul;
import io.moesim.ir.op.KvAppend;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.GatedDeltaNet;
import io.moesim.ir.op.LightningIndexer;
import io.moesim.ir.op.MlaAttention;
import io.moesim.ir.op.Norm;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.Quantize;
import io.moesim.ir.op.Recv;
import io.moesim.ir.op.ReduceScatter;
import io.moesim.ir.op.Repeat;
import io.moesim.ir.op.Router;
import io.moesim.ir.op.Send;
import io.moesim.ir.op.Softmax;
import io.moesim.ir.op.Split;
import io.moesim.compiler.passes.ParallelizePass.Operands;
import io.moesim.compiler.passes.ParallelizePass.Site;
import io.moesim.compiler.passes.ParallelizePass.VState;
import io.moesim.ir.graph.Node;
import io.moesim.ir.graph.Value;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sharding rule of every op kind, in one table, Calcite-style: each rule is a small method that rewrites one node
 * of the model graph into the per-device program ({@link ParallelizePass} walks the graph and applies
 * {@code of(op).apply(site)}), so a new op kind gets its rule in one place, and an op kind without one is a compile
 * error naming it, never a silent fall-through to "as it is". The rules hold no state: what they read and emit goes
 * through the {@link Site} (the node, its section's degrees, its operands' states, the emitter), which the pass owns.
 */
final class ShardingRules {
    private ShardingRules() {
    }

    /** What the pass does with an op of a kind: rewrites the site's node, emitting its per-device form. */
    @FunctionalInterface
    interface Rule {
        void apply(Site x);
    }

    /** One entry per concrete op kind of {@link Op} (its permitted records, collectives included). */
    static final Map<Class<? extends Op>, Rule> RULES = rules();

    private static Map<Class<? extends Op>, Rule> rules() {
        Map<Class<? extends Op>, Rule> m = new LinkedHashMap<>();
        m.put(MatMul.class, ShardingRules::matmul);
        m.put(BatchMatMul.class, ShardingRules::asIs);
        m.put(GroupedMatMul.class, ShardingRules::asIs);
        m.put(ExpertFfn.class, ShardingRules::expertFfn);
        m.put(Router.class, ShardingRules::asIs);
        m.put(Dispatch.class, ShardingRules::dispatch);
        m.put(Combine.class, ShardingRules::combine);
        m.put(Attention.class, ShardingRules::attention);
        m.put(MlaAttention.class, ShardingRules::mlaAttention);
        m.put(GatedDeltaNet.class, ShardingRules::gatedDeltaNet);
        m.put(LightningIndexer.class, ShardingRules::lightningIndexer);
        m.put(Norm.class, ShardingRules::norm);
        m.put(Elementwise.class, ShardingRules::elementwise);
        m.put(Softmax.class, ShardingRules::tokenWise);
        m.put(Embedding.class, ShardingRules::embedding);
        m.put(KvAppend.class, ShardingRules::asIs);
        m.put(Split.class, ShardingRules::split);
        m.put(Concat.class, ShardingRules::concat);
        m.put(Repeat.class, ShardingRules::repeat);
        // a GEMM's activation quantise: element-wise, on whatever rows and features its operand has
        m.put(Quantize.class, ShardingRules::tokenWise);
        // collectives already in a model graph (rare) stay as they are; an all-to-all lets a pending sum through
        m.put(AllReduce.class, ShardingRules::asIs);
        m.put(AllGather.class, ShardingRules::asIs);
        m.put(ReduceScatter.class, ShardingRules::asIs);
        m.put(AllToAll.class, ShardingRules::allToAll);
        m.put(Send.class, ShardingRules::asIs);
        m.put(Recv.class, ShardingRules::asIs);
        return Collections.unmodifiableMap(m);
    }

    /** The rule of {@code op}; a compile error naming the op kind and the node when the table has none. */
    static Rule of(Op op, String node) {
        Rule r = RULES.get(op.getClass());
        if (r == null) {
            throw new CompilerException(ParallelizePass.NAME, "node " + node + ": no sharding rule for op kind " + op.mnemonic() + " ("
                    + op.getClass().getSimpleName() + "); add one to ShardingRules");
        }
        return r;
    }

    /** Token-wise or replicated: the op as it is, operands with the section's rows. */
    static void asIs(Site x) {
        int want = x.rowShards();
        Operands o = x.operands(x.operandStates(), want, null);
        x.emit(x.op(), o.values(), want, o.anySplit(), null);
    }

    /**
     * Softmax, quantise (and an embedding on sequence-parallel rows): row by row on whatever rows they get (the finest split
     * among the operands).
     */
    static void tokenWise(Site x) {
        List<VState> raw = x.operandStates();
        int want = rowsAsGiven(raw, x.rowShards());
        Operands o = x.operands(raw, want, null);
        x.emit(x.op(), o.values(), want, o.anySplit(), null);
    }

    /** Rows of a token-wise op: the finest split among its operands (none: the section's). */
    private static int rowsAsGiven(List<VState> raw, int section) {
        return raw.isEmpty() ? section : raw.stream().mapToInt(VState::shards).max().getAsInt();
    }

    /**
     * An embedding table under tensor parallelism: split over the ranks by rows (vocabulary-parallel, as vLLM's and SGLang's
     * VocabParallelEmbedding and TensorRT-LLM's default SHARDING_ALONG_VOCAB hold it), each rank looking up the ids in its
     * range and leaving zeros elsewhere, then all-reducing the lookup at once (as those layers do, before anything reads
     * it). A table tp does not divide is padded to the next multiple. A learned-position table (OPT's) stays whole on every
     * rank, as vLLM keeps it (a plain {@code nn.Embedding}), looked up row by row: no all-reduce. The
     * ranks of a group must look up the same tokens: where the ids' rows are split finer than the section's data
     * parallelism (sequence-parallel rows, each rank its own tokens), the table stays whole on every rank, row by row as
     * the ids come.
     */
    static void embedding(Site x) {
        Embedding em = (Embedding) x.op();
        int tp = x.tp();
        List<VState> raw = x.operandStates();
        int want = rowsAsGiven(raw, x.rowShards());
        if (tp == 1 || want > x.rowShards() || em.positional()) {
            tokenWise(x);
            return;
        }
        Operands o = x.operands(raw, want, null);
        String name = x.node().result().name();
        Value local = x.add1(name, new Embedding(paddedShare(em.vocab(), tp), em.hidden(), em.wdtype(), em.outDtype(), false), null, o.values().get(0));
        Value reduced = x.add1(name + "_ar", new AllReduce(tp), x.tpGroup(), local);
        x.bind(x.node().result(), new VState(reduced, want, false, null));
    }

    /** Token-wise on whole features; an error on tensor-parallel split features (the norm would need every feature). */
    static void norm(Site x) {
        List<VState> raw = x.operandStates();
        int want = rowsAsGiven(raw, x.rowShards());
        Operands o = x.operands(raw, want, null);
        if (o.anySplit()) {
            throw new CompilerException(ParallelizePass.NAME, "node " + x.path() + ": a norm over tensor-parallel split features is not supported");
        }
        x.emit(x.op(), o.values(), want, false, null);
    }

    /** Token-wise; an add of two sums pending over the same group keeps the sum pending (addition is linear). */
    static void elementwise(Site x) {
        List<VState> raw = x.operandStates();
        int want = rowsAsGiven(raw, x.rowShards());
        DeviceGroup keep = null;
        if (((Elementwise) x.op()).kind() == Elementwise.Kind.ADD && raw.get(0).partial() != null && raw.get(0).partial().equals(raw.get(1).partial())
                && raw.get(0).shards() == raw.get(1).shards()) {
            keep = raw.get(0).partial();
            want = raw.get(0).shards();
        }
        Operands o = x.operands(raw, want, keep);
        x.emit(x.op(), o.values(), want, o.anySplit(), keep);
    }

    /** A collective all-to-all in the model graph: as it is, its operand's pending sum not reduced before it. */
    static void allToAll(Site x) {
        List<VState> raw = x.operandStates();
        int want = x.rowShards();
        Operands o = x.operands(raw, want, raw.get(0).partial());
        x.emit(x.op(), o.values(), want, o.anySplit(), null);
    }

    /**
     * Row-parallel (k/tp, partial sums, reduced where used) on split features; column-parallel (n/tp, or batch/tp per
     * head) where it feeds attention heads; the LM head column-parallel over the vocabulary ({@link #lmHead}); else as it
     * is (Megatron's pairing of column- and row-parallel GEMMs).
     */
    static void matmul(Site x) {
        MatMul mm = (MatMul) x.op();
        Node n = x.node();
        int tp = x.tp();
        VState in = x.state(n.operands().get(0));
        if (in != null && in.split()) {
            if (mm.batch() > 1) {
                divides(mm.batch(), tp, "matmul batch (heads)");
                Value v = x.add1(n.result().name(), new MatMul(mm.k(), mm.n(), mm.wdtype(), mm.batch() / tp), null, in.v());
                x.bind(n.result(), new VState(v, in.shards(), true, null));
            } else {
                divides(mm.k(), tp, "row-parallel matmul k");
                Value v = x.add1(n.result().name(), new MatMul(mm.k() / tp, mm.n(), mm.wdtype()), null, in.v());
                x.bind(n.result(), new VState(v, in.shards(), false, x.tpGroup()));
            }
            return;
        }
        Operands o = x.operands(x.operandStates(), x.rowShards(), null);
        List<Value> vs = o.values();
        int shards = o.states().get(0).shards();
        if (tp > 1 && x.perHead(n.result())) {
            Long kvWidth = x.replicatedKvWidth(n.result());
            if (kvWidth == null) {
                divides(mm.batch() > 1 ? mm.batch() : mm.n(), tp, "column-parallel matmul " + (mm.batch() > 1 ? "batch" : "n"));
            }
            // a projection of KV heads replicated over tp: each rank's share of the query heads and its own K and V head
            MatMul local = mm.batch() > 1 ? new MatMul(mm.k(), mm.n(), mm.wdtype(), mm.batch() / tp)
                    : new MatMul(mm.k(), kvWidth != null ? kvWidth : mm.n() / tp, mm.wdtype());
            if (mm.batch() > 1 && vs.get(0).type().rank() == 2) {
                throw new CompilerException(ParallelizePass.NAME, "node " + x.path() + ": a per-head matmul on replicated features is not supported");
            }
            x.emit(local, vs, shards, true, null);
        } else if (tp > 1 && mm.batch() == 1 && x.isModelOutput(n.result())) {
            lmHead(x, mm, vs, shards);
        } else {
            // whole on every rank: a tied matrix kept whole is no longer the embedding's split table, so it holds its own bytes
            x.emit(tp > 1 ? mm.untied() : mm, vs, shards, false, null);
        }
    }

    /**
     * The LM head (a matmul on whole features whose result is the model's output): column-parallel over the vocabulary,
     * each rank's logits gathered, as every serving engine runs it (vLLM's and SGLang's ParallelLMHead, TensorRT-LLM's
     * column-parallel lm_head with gather_output). A vocabulary tp does not divide is padded to the next multiple, as
     * those engines pad it; the gathered logits then carry the padding columns.
     */
    static void lmHead(Site x, MatMul mm, List<Value> vs, int shards) {
        int tp = x.tp();
        String name = x.node().result().name();
        Value local = x.add1(name, new MatMul(mm.k(), paddedShare(mm.n(), tp), mm.wdtype(), 1, mm.tied()), null, vs.get(0));
        Value gathered = x.add1(name + "_ag", new AllGather(tp, local.type().rank() - 1), x.tpGroup(), local);
        x.bind(x.node().result(), new VState(gathered, shards, false, null));
    }

    /** One rank's share of a vocabulary split {@code tp} ways, padded to the next multiple of tp as the engines pad it. */
    static long paddedShare(long vocab, int tp) {
        return (vocab + tp - 1) / tp;
    }

    /** Heads and KV heads over tp (operands from column-parallel projections), sequences over attention dp. */
    static void attention(Site x) {
        Attention at = (Attention) x.op();
        int tp = x.tp();
        int want = x.rowShards();
        Operands o = x.operands(x.operandStates(), want, null);
        if (tp > 1 && o.states().stream().anyMatch(s -> !s.split())) {
            throw new CompilerException(ParallelizePass.NAME,
                    "node " + x.path() + ": attention operands are not produced by column-parallel projections");
        }
        divides(at.heads(), tp, "attention heads");
        int kvLocal = Attention.kvHeadsPerRank(at.kvHeads(), tp);
        if (kvLocal == 0) {
            throw new CompilerException(ParallelizePass.NAME, kvLayoutError(at.kvHeads(), tp));
        }
        divides(at.batch(), want, "attention batch (sequences) under data parallelism");
        Attention local = new Attention(at.heads() / tp, kvLocal, at.headDim(), at.batch() / want, at.qLen(), at.kvLen(), at.causal(),
                at.window(), at.kvDtype());
        x.emit(local, o.values(), want, tp > 1, null);
    }

    /** Why attention's KV heads have no layout over {@code tp} ranks. */
    static String kvLayoutError(int kvHeads, int tp) {
        return "attention kv_heads " + kvHeads + " and tp " + tp
                + ": neither divides the other (KV heads split over tp ranks, or each replicated over tp / kv_heads ranks)";
    }

    /** Multi-head latent attention: heads over tp (the latent KV is shared by all heads), sequences over attention dp. */
    static void mlaAttention(Site x) {
        MlaAttention ml = (MlaAttention) x.op();
        int tp = x.tp();
        int want = x.rowShards();
        Operands o = x.operands(x.operandStates(), want, null);
        divides(ml.heads(), tp, "attention heads");
        divides(ml.batch(), want, "attention batch (sequences) under data parallelism");
        MlaAttention local = new MlaAttention(ml.heads() / tp, ml.kvLoraRank(), ml.ropeDim(), ml.nopeDim(), ml.vHeadDim(), ml.batch() / want,
                ml.qLen(), ml.kvLen(), ml.causal(), ml.absorbed(), ml.kvDtype(), ml.topk());
        x.emit(local, o.values(), want, tp > 1, null);
    }

    /**
     * DeepSeek-V3.2's lightning indexer: replicated over tp (its projections are not split: every rank selects the same
     * keys for its heads), sequences over attention dp.
     */
    static void lightningIndexer(Site x) {
        LightningIndexer li = (LightningIndexer) x.op();
        int want = x.rowShards();
        Operands o = x.operands(x.operandStates(), want, null);
        divides(li.batch(), want, "indexer batch (sequences) under data parallelism");
        x.emit(new LightningIndexer(li.heads(), li.headDim(), li.topk(), li.batch() / want, li.qLen(), li.kvLen()), o.values(), want, false, null);
    }

    /** Gated DeltaNet: key and value heads over tp (operands from the column-parallel in_proj), sequences over attention dp. */
    static void gatedDeltaNet(Site x) {
        GatedDeltaNet g = (GatedDeltaNet) x.op();
        int tp = x.tp();
        int want = x.rowShards();
        Operands o = x.operands(x.operandStates(), want, null);
        if (tp > 1 && o.states().stream().anyMatch(s -> !s.split())) {
            throw new CompilerException(ParallelizePass.NAME, "node " + x.path() + ": gated_delta_net operands are not produced by a column-parallel projection");
        }
        divides(g.keyHeads(), tp, "linear attention key heads");
        divides(g.valueHeads(), tp, "linear attention value heads");
        divides(g.batch(), want, "linear attention batch (sequences) under data parallelism");
        GatedDeltaNet local = new GatedDeltaNet(g.keyHeads() / tp, g.valueHeads() / tp, g.keyDim(), g.valueDim(), g.convKernel(), g.batch() / want,
                g.qLen(), g.kvLen(), g.chunk(), g.stateDtype());
        x.emit(local, o.values(), want, tp > 1, null);
    }

    /** Opens a MoE block: experts over ep, tokens over ep*dp, an all-to-all after the dispatch when ep > 1. */
    static void dispatch(Site x) {
        Dispatch d = (Dispatch) x.op();
        Node n = x.node();
        List<Value> vs = x.operands(x.operandStates(), x.rowShards(), null).values();
        int ep = x.moe().ep();
        int shards = x.moe().ep() * x.moe().dp();
        divides(d.experts(), ep, "experts under expert parallelism");
        long[] t = TokenShards.shard(d.tokens(), shards, 0);
        String dispatchPath = x.nextPath();
        Value y = x.add(List.of(n.result().name()), new Dispatch(d.experts(), d.topK(), LongImmutableList.of(t)), vs, null).get(0);
        String a2a = null;
        if (ep > 1) {
            a2a = x.nextPath();
            y = x.add1(n.result().name() + "_a2a", new AllToAll(ep), new DeviceGroup(x.moe().tp(), ep), y);
        }
        x.bind(n.result(), new VState(y, shards, false, null));
        x.blocks().add(new MoeBlock(dispatchPath, a2a, null, null, null, d.experts(), d.topK(), vs.get(0).type().last(), d.tokens()));
    }

    /**
     * Routed experts (after the block's dispatch): experts/ep per device, ffn/tp each, an all-to-all back when ep > 1,
     * partial sums pending over tp; a dense FFN (one expert, not routed): ffn/tp and a pending sum over the section's tp group.
     */
    static void expertFfn(Site x) {
        ExpertFfn f = (ExpertFfn) x.op();
        Node n = x.node();
        List<Value> vs = x.operands(x.operandStates(), x.rowShards(), null).values();
        if (f.dense()) {
            int tp = x.tp();
            divides(f.ffn(), tp, "dense FFN width");
            long rows = vs.get(0).type().shape().dim(0);
            ExpertFfn local = f.withTokens(1, 1, LongImmutableList.of(rows), f.ffn() / tp);
            x.emit(local, vs, x.rowShards(), false, tp > 1 ? x.tpGroup() : null);
            return;
        }
        int ep = x.moe().ep();
        int tp = x.moe().tp();
        divides(f.experts(), ep, "experts under expert parallelism");
        divides(f.ffn(), tp, "expert FFN width under expert tensor parallelism");
        List<MoeBlock> blocks = x.blocks();
        if (blocks.isEmpty()) {
            throw new CompilerException(ParallelizePass.NAME, "expert_ffn of " + f.experts() + " experts without a dispatch before it");
        }
        int local = f.experts() / ep;
        long rows = vs.get(0).type().shape().dim(0);
        ExpertFfn op = f.mixed() ? heaviest(f, local, TokenShards.balanced(rows, local), tp)
                : f.withTokens(local, Math.min(f.topK(), local), LongImmutableList.of(TokenShards.balanced(rows, local)), f.ffn() / tp);
        String ffnPath = x.nextPath();
        Value y = x.add(List.of(n.result().name()), op, vs, null).get(0);
        // expert tensor parallelism leaves partial sums; they are reduced where the result is used (the VState's group)
        String back = null;
        if (ep > 1) {
            back = x.nextPath();
            y = x.add1(n.result().name() + "_a2a", new AllToAll(ep), new DeviceGroup(tp, ep), y);
        }
        x.bind(n.result(), new VState(y, x.moe().ep() * x.moe().dp(), false, tp > 1 ? new DeviceGroup(1, tp) : null));
        MoeBlock open = blocks.get(blocks.size() - 1);
        blocks.set(blocks.size() - 1, new MoeBlock(open.dispatch(), open.a2aDispatch(), ffnPath, back, null, open.experts(), open.topK(),
                open.hidden(), open.globalTokens(), f.wfmts()));
    }

    /**
     * The device's representative of a mixed-format layer: which experts a device holds is decided
     * later (expert placement), so the graph holds the {@code local} experts of most weight bytes
     * (an upper side for each device's weights); lowering gives each device its own experts' formats.
     */
    static ExpertFfn heaviest(ExpertFfn f, int local, long[] tokens, int tp) {
        Integer[] order = new Integer[f.experts()];
        for (int e = 0; e < order.length; e++) {
            order[e] = e;
        }
        java.util.Arrays.sort(order, (a, b) -> a.equals(b) ? 0 : f.formatOf(a).milliBits() != f.formatOf(b).milliBits()
                ? Long.compare(f.formatOf(b).milliBits(), f.formatOf(a).milliBits()) : Integer.compare(a, b));
        int[] which = new int[local];
        for (int i = 0; i < local; i++) {
            which[i] = order[i];
        }
        java.util.Arrays.sort(which);
        return f.select(which, tokens, Math.min(f.topK(), local), f.ffn() / tp);
    }

    /** Closes the MoE block: tokens over ep*dp; the experts' pending sum passes through (combining is linear). */
    static void combine(Site x) {
        Combine c = (Combine) x.op();
        List<VState> raw = x.operandStates();
        int want = x.rowShards();
        Operands o = x.operands(raw, want, raw.get(0).partial());
        long[] t = TokenShards.shard(c.tokens(), x.moe().ep() * x.moe().dp(), 0);
        x.emit(new Combine(c.experts(), c.topK(), LongImmutableList.of(t)), o.values(), want, false, o.states().get(0).partial());
        List<MoeBlock> blocks = x.blocks();
        MoeBlock open = blocks.get(blocks.size() - 1);
        blocks.set(blocks.size() - 1, new MoeBlock(open.dispatch(), open.a2aDispatch(), open.ffn(), open.a2aCombine(),
                x.prevPath(), open.experts(), open.topK(), open.hidden(), open.globalTokens(), open.expertFormats()));
    }

    /** Row sizes over dp on axis 0 (prefill/decode parts); feature sizes over tp on split features. */
    static void split(Site x) {
        Split sp = (Split) x.op();
        int tp = x.tp();
        int want = x.rowShards();
        Operands o = x.operands(x.operandStates(), want, null);
        Split local = sp;
        if (sp.axis() == 0 && want > 1) {
            long[] sizes = sp.sizes().toLongArray();
            for (int k = 0; k < sizes.length; k++) {
                divides(sizes[k], want, "split rows (prefill/decode parts) under data parallelism");
                sizes[k] /= want;
            }
            local = Split.of(0, sizes);
        } else if (sp.axis() > 0 && o.anySplit() && tp > 1) {
            long[] sizes = sp.sizes().toLongArray();
            for (int k = 0; k < sizes.length; k++) {
                Long kvWidth = x.replicatedKvWidth(x.node().results().get(k));
                if (kvWidth != null) {
                    sizes[k] = kvWidth; // one KV head per rank, replicated over tp / kv_heads ranks
                } else {
                    divides(sizes[k], tp, "split of head features");
                    sizes[k] /= tp;
                }
            }
            local = Split.of(sp.axis(), sizes);
        }
        x.emit(local, o.values(), want, o.anySplit(), null);
    }

    /** On split features, copies of a replicated operand (one per head) shrink with the heads; else as it is. */
    static void concat(Site x) {
        Concat c = (Concat) x.op();
        int tp = x.tp();
        int want = x.rowShards();
        Operands o = x.operands(x.operandStates(), want, null);
        List<Value> vs = o.values();
        if (!(c.axis() > 0 && o.anySplit() && tp > 1)) {
            x.emit(c, vs, want, o.anySplit(), null);
            return;
        }
        List<Value> kept = new ArrayList<>();
        Map<Value, Integer> seen = new HashMap<>();
        for (int k = 0; k < vs.size(); k++) {
            Value v = vs.get(k);
            int copies = Collections.frequency(vs, v);
            if (o.states().get(k).split() || copies == 1) {
                kept.add(v);
            } else {
                divides(copies, tp, "copies of a shared operand in a concat");
                int used = seen.merge(v, 1, Integer::sum);
                if (used <= copies / tp) {
                    kept.add(v);
                }
            }
        }
        x.emit(c, kept, want, true, null);
    }

    /** The body converted per section, back to the entry's sharding at the yield. */
    static void repeat(Site x) {
        x.repeat((Repeat) x.op());
    }

    /** An error naming {@code what} unless {@code by} divides {@code value}. */
    static void divides(long value, int by, String what) {
        if (by > 1 && value % by != 0) {
            throw new CompilerException(ParallelizePass.NAME, what + " " + value + " is not divisible by " + by);
        }
    }
}
