package io.moesim.ir.model;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.GraphBuilder;
import io.moesim.ir.graph.Value;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.Combine;
import io.moesim.ir.op.Concat;
import io.moesim.ir.op.Dispatch;
import io.moesim.ir.op.Elementwise;
import io.moesim.ir.op.Embedding;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.GatedDeltaNet;
import io.moesim.ir.op.KvAppend;
import io.moesim.ir.op.LightningIndexer;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.MlaAttention;
import io.moesim.ir.op.Norm;
import io.moesim.ir.op.Router;
import io.moesim.ir.op.Split;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Builds the forward graph of one iteration: embedding, the layers (one repeat block per run of
 * identical layers, see {@link LayerPlan}), final norm and LM head.
 *
 * <p>A Gated DeltaNet layer (hybrid models, {@link LinearAttention}) has in place of attention: in_proj, the
 * {@code gated_delta_net} op (conv, recurrence over the per-sequence state, gated norm) and out_proj; with an output
 * gate ({@link AttentionConfig#outputGate}) the attention output is multiplied by sigmoid of a gate projected with q.
 *
 * <p>A layer is: norm, fused QKV projection, kv_append of the new K/V (MLA: the latent and RoPE key),
 * attention, output projection, residual add, norm, then a dense FFN or router → dispatch →
 * expert_ffn → combine (plus the shared experts on all tokens, added), and the residual add.
 * In a mixed iteration the token-wise ops run on all tokens together and attention is split
 * (rows) into one op for the prefill prompts and one for the decodes, then joined.
 *
 * <p>Simplification: token counts per expert are op attributes, so every MoE layer of a repeat
 * block carries the same routing: one representative draw for the iteration (for a trace, the
 * mean load share over the trace's layers). Per-expert counts are exact integers summing to
 * T·top_k. The LM head runs on the rows a serving engine samples ({@link GraphRequest#sampledTokens}:
 * each prompt's last token and every decode query token), as TensorRT-LLM (its last-token gather of each context
 * request, {@code gather_context_logits} off), vLLM V1 (one logits index per scheduled request) and SGLang (each
 * request's last index) run it, not on every token as a plain forward pass does: a split takes the first that many
 * rows of the final norm's output, a stand-in of the same cost (a view: nothing) for the gather of the real rows
 * (the last of each prompt, then the decodes). The final norm still runs on every row, as in the engines, and no
 * longer fuses into the LM head there.
 *
 * <p>MLA: prefill uses the plain form (absorbed = false: K and V up-projected per head; the shared
 * RoPE key expanded to every head by a concat); decode the absorbed form (W_UK applied to q per
 * head, attention over the latent cache, W_UV applied per head after). Both are weight-exact. A
 * mixed MLA graph holds both forms, so the up-projection weights appear twice in its parameter
 * total (they are one tensor in the model).
 *
 * <p>A speculative verifier ({@link GraphRequest#decodeQuery} = k + 1) is a decode graph: the same
 * decode kernels (absorbed MLA) on k + 1 query rows per sequence, causal among them, each sequence's
 * KV read once.
 */
public final class GraphGenerator {
    private final GraphRequest req;
    private final ModelConfig m;
    private final DType dt;
    /** The dtype activations are held in between ops ({@link GraphRequest#activationDtype}). */
    private final DType act;
    private final DType kvDt;
    private final long tokens;
    private final long[] expertTokens;

    private GraphGenerator(GraphRequest req) {
        this.req = req;
        this.m = req.model();
        this.dt = req.dtype();
        this.act = req.activationDtype();
        this.kvDt = m.attention().kvDtype() != null ? m.attention().kvDtype() : dt;
        this.tokens = req.tokens();
        this.expertTokens = m.isMoe() ? req.routing().counts(m.moe().experts(), m.moe().topK(), tokens, req.seed()) : null;
    }

    /** The graph of one iteration. */
    public static Graph generate(GraphRequest req) {
        return new GraphGenerator(req).build();
    }

    /** The per-expert token counts the MoE layers of this request carry (empty for a dense model). */
    public static long[] expertTokens(GraphRequest req) {
        long[] c = new GraphGenerator(req).expertTokens;
        return c == null ? new long[0] : c.clone();
    }

    private Graph build() {
        GraphBuilder b = new GraphBuilder(graphName());
        int h = m.hidden();
        Value ids = b.input("tokens", TensorType.of(DType.INT32, tokens));
        DType table = m.vocabTableDType(dt);
        Value x = b.add("embed", new Embedding(m.vocab(), h, table, act), ids);
        if (m.learnedPositions() > 0) {
            Value pos = b.input("positions", TensorType.of(DType.INT32, tokens));
            Value pe = b.add("pos_embed", new Embedding(m.learnedPositions(), h, table, act, true), pos);
            x = b.add("x", new Elementwise(Elementwise.Kind.ADD), x, pe);
        }
        if (m.residual() == Residual.LADDER) {
            x = ladderLayers(b, x);
        }
        for (LayerPlan.Run run : m.residual() == Residual.LADDER ? List.<LayerPlan.Run>of() : LayerPlan.of(m).runs()) {
            String hint = run.block().size() == 1 ? (run.block().get(0).moe() ? "moe_layers" : "dense_layers") : "layers";
            x = b.repeat(hint, run.count(), List.of(x), (bb, params) -> {
                Value y = params.get(0);
                for (LayerPlan.LayerKind k : run.block()) {
                    y = layer(bb, y, k);
                }
                return List.of(y);
            }).get(0);
        }
        x = b.add("final_norm", norm(h), x);
        long sampled = req.sampledTokens();
        if (sampled < tokens) {
            // the LM head on the sampled rows only (each prompt's last token and the decodes), the rest of the rows left unread
            x = b.addMulti(List.of("sampled", "unsampled"), Split.of(0, sampled, tokens - sampled), List.of(x)).get(0);
        }
        Value logits = b.add("logits", new MatMul(h, m.vocab(), table, 1, m.tiedEmbeddings()), x);
        b.output(logits);
        return b.build();
    }

    private String graphName() {
        return ModelZoo.normalize(m.name()) + "_" + req.phase().text();
    }

    private Norm norm(long width) {
        return new Norm(m.norm(), width, m.normEps(), act);
    }

    private Value layer(GraphBuilder b, Value x, LayerPlan.LayerKind kind) {
        Value a = b.add("attn_in", norm(m.hidden()), x);
        Value attn = mixer(b, a, kind);
        Value x1 = b.add("h", new Elementwise(Elementwise.Kind.ADD), x, attn);
        Value f = b.add("ffn_in", norm(m.hidden()), x1);
        Value y = ffn(b, f, kind);
        return b.add("x", new Elementwise(Elementwise.Kind.ADD), x1, y);
    }

    private Value ffn(GraphBuilder b, Value f, LayerPlan.LayerKind kind) {
        return kind.moe() ? moe(b, f, kind.expertFormat(), kind.expertFormats()) : b.add("ffn_out", ExpertFfn.dense(tokens, m.hidden(), m.ffn(), m.activation(), dt), f);
    }

    /**
     * The layers in the ladder form. The stream carried from layer to layer is the pair (r, p): r
     * the residual without the last FFN output, p that output, still to be added. Block i:
     * attention reads r (without block i-1's FFN output p), then r1 = r + p, the FFN reads r1
     * (without block i's attention output), then r2 = r1 + attention; block i yields (r2, its FFN
     * output). After the last layer the pending FFN output is added. The first layer has nothing
     * pending: both its modules read the embedding x, and it has one add fewer, which the final
     * add makes up, so the ops are exactly the standard form's (2 adds per layer). The first layer
     * (the first instance of the first run's block) is therefore emitted before that run's repeat.
     */
    private Value ladderLayers(GraphBuilder b, Value x) {
        Value r = x;
        Value p = null;
        for (LayerPlan.Run run : LayerPlan.of(m).runs()) {
            String hint = run.block().size() == 1 ? (run.block().get(0).moe() ? "moe_layers" : "dense_layers") : "layers";
            long count = run.count();
            if (p == null) {
                for (LayerPlan.LayerKind k : run.block()) {
                    List<Value> rp = ladderLayer(b, r, p, k);
                    r = rp.get(0);
                    p = rp.get(1);
                }
                count--;
            }
            if (count > 0) {
                List<Value> out = b.repeat(hint, (int) count, List.of(r, p), (bb, params) -> {
                    Value rr = params.get(0);
                    Value pp = params.get(1);
                    for (LayerPlan.LayerKind k : run.block()) {
                        List<Value> rp = ladderLayer(bb, rr, pp, k);
                        rr = rp.get(0);
                        pp = rp.get(1);
                    }
                    return List.of(rr, pp);
                });
                r = out.get(0);
                p = out.get(1);
            }
        }
        return b.add("x", new Elementwise(Elementwise.Kind.ADD), r, p);
    }

    /** One ladder layer on (r, p); {@code p == null} for the first layer. Returns (r2, ffn output). */
    private List<Value> ladderLayer(GraphBuilder b, Value r, Value p, LayerPlan.LayerKind kind) {
        Value a = b.add("attn_in", norm(m.hidden()), r);
        Value attn = mixer(b, a, kind);
        Value r1 = p == null ? r : b.add("h", new Elementwise(Elementwise.Kind.ADD), r, p);
        Value f = b.add("ffn_in", norm(m.hidden()), r1);
        Value y = ffn(b, f, kind);
        Value r2 = b.add("x", new Elementwise(Elementwise.Kind.ADD), r1, attn);
        return List.of(r2, y);
    }

    /** The layer's token mixer: Gated DeltaNet on a linear layer, else MLA or standard attention. */
    private Value mixer(GraphBuilder b, Value a, LayerPlan.LayerKind kind) {
        if (kind.linear()) {
            return gatedDeltaNet(b, a);
        }
        return m.attention().mla() != null ? mla(b, a) : attention(b, a, kind.window());
    }

    /**
     * A Gated DeltaNet layer: in_proj (q, k, v, z, b, a in one matmul), the op (conv, recurrence, gated norm) and
     * out_proj. Its state is the sequence's cache, in the KV dtype (no per-token KV).
     */
    private Value gatedDeltaNet(GraphBuilder b, Value a) {
        LinearAttention la = m.attention().linear();
        long vw = (long) la.valueHeads() * la.valueDim();
        Value proj = b.add("in_proj", new MatMul(m.hidden(), la.inProjWidth(), dt), a);
        List<Value> parts = b.addMulti(List.of("qkv", "z", "ba"), Split.of(1, la.convDim(), vw, 2L * la.valueHeads()), List.of(proj));
        long pb = req.phase() == Phase.MIXED ? req.prefillBatch() : req.batch();
        GatedDeltaNet prefill = new GatedDeltaNet(la.keyHeads(), la.valueHeads(), la.keyDim(), la.valueDim(), la.convKernel(), pb, req.seqLen(),
                req.prefillContext(), GatedDeltaNet.DEFAULT_CHUNK, kvDt);
        GatedDeltaNet decode = new GatedDeltaNet(la.keyHeads(), la.valueHeads(), la.keyDim(), la.valueDim(), la.convKernel(), req.batch(),
                req.decodeQuery(), req.kvLen(), GatedDeltaNet.DEFAULT_CHUNK, kvDt);
        Value o = phased(b, "gdn", prefill, decode, List.of("qkv", "z", "ba"), parts.get(0), parts.get(1), parts.get(2));
        return b.add("out_proj", new MatMul(vw, m.hidden(), dt), o);
    }

    private Value attention(GraphBuilder b, Value a, long window) {
        AttentionConfig at = m.attention();
        long qw = (long) at.heads() * at.headDim();
        long kvw = (long) at.kvHeads() * at.headDim();
        long gw = at.outputGate() ? qw : 0;
        Value qkv = b.add("qkv", new MatMul(m.hidden(), qw + gw + 2 * kvw, dt), a);
        List<Value> parts = new ArrayList<>(at.outputGate() ? b.addMulti(List.of("q", "gate", "k", "v"), Split.of(1, qw, gw, kvw, kvw), List.of(qkv))
                : b.addMulti(List.of("q", "k", "v"), Split.of(1, qw, kvw, kvw), List.of(qkv)));
        Value gate = at.outputGate() ? parts.remove(1) : null;
        Value q = parts.get(0);
        Value k = parts.get(1);
        Value v = parts.get(2);
        b.addEffect(new KvAppend(kvDt), k, v);
        long pb = req.phase() == Phase.MIXED ? req.prefillBatch() : req.batch();
        Attention prefill = new Attention(at.heads(), at.kvHeads(), at.headDim(), pb, req.seqLen(), req.prefillContext(), true, window, kvDt);
        Attention decode = new Attention(at.heads(), at.kvHeads(), at.headDim(), req.batch(), req.decodeQuery(), req.kvLen(), true, window, kvDt);
        Value o = phased(b, "attn", prefill, decode, List.of("q", "k", "v"), q, k, v);
        if (gate != null) {
            o = b.add("attn_gated", new Elementwise(Elementwise.Kind.MUL), o, b.add("gate_sigmoid", new Elementwise(Elementwise.Kind.SIGMOID), gate));
        }
        return b.add("attn_out", new MatMul(qw, m.hidden(), dt), o);
    }

    /**
     * One op of the iteration's phase, named {@code name}: the prefill op or the decode op on {@code in}; in a mixed batch
     * each on its rows of every operand ({@code names} name the row splits), the two results concatenated.
     */
    private Value phased(GraphBuilder b, String name, io.moesim.ir.op.Op prefill, io.moesim.ir.op.Op decode, List<String> names, Value... in) {
        switch (req.phase()) {
            case PREFILL:
                return b.add(name, prefill, in);
            case DECODE:
                return b.add(name, decode, in);
            default:
                Value[] p = new Value[in.length];
                Value[] d = new Value[in.length];
                for (int i = 0; i < in.length; i++) {
                    List<Value> rows = splitRows(b, names.get(i), in[i]);
                    p[i] = rows.get(0);
                    d[i] = rows.get(1);
                }
                Value op = b.add(name + "_prefill", prefill, p);
                Value od = b.add(name + "_decode", decode, d);
                return b.add(name, new Concat(0), op, od);
        }
    }

    private List<Value> splitRows(GraphBuilder b, String hint, Value v) {
        return b.addMulti(List.of(hint + "_prefill", hint + "_decode"), Split.of(0, req.prefillTokens(), req.decodeTokens()), List.of(v));
    }

    private Value mla(GraphBuilder b, Value a) {
        AttentionConfig at = m.attention();
        MlaDims d = at.mla();
        int heads = at.heads();
        long qWidth = (long) heads * d.qkHeadDim();
        Value q;
        Value cqn = null;
        if (d.qLoraRank() > 0) {
            Value cq = b.add("q_latent", new MatMul(m.hidden(), d.qLoraRank(), dt), a);
            cqn = b.add("q_latent_norm", norm(d.qLoraRank()), cq);
            q = b.add("q", new MatMul(d.qLoraRank(), qWidth, dt), cqn);
        } else {
            q = b.add("q", new MatMul(m.hidden(), qWidth, dt), a);
        }
        List<Value> idx = d.hasIndexer() ? indexer(b, a, cqn) : null;
        Value ckv = b.add("kv_latent", new MatMul(m.hidden(), d.kvLoraRank() + d.qkRopeHeadDim(), dt), a);
        List<Value> lr = b.addMulti(List.of("latent", "k_rope"), Split.of(1, d.kvLoraRank(), d.qkRopeHeadDim()), List.of(ckv));
        Value latent = b.add("latent_norm", norm(d.kvLoraRank()), lr.get(0));
        Value kRope = lr.get(1);
        b.addEffect(new KvAppend(kvDt), latent, kRope);
        long pb = req.phase() == Phase.MIXED ? req.prefillBatch() : req.batch();
        Value o;
        switch (req.phase()) {
            case PREFILL:
                o = mlaPrefill(b, q, latent, kRope, pb, idx == null ? null : selected(b, idx, pb, req.seqLen(), req.prefillContext()));
                break;
            case DECODE:
                o = mlaDecode(b, q, latent, kRope, idx == null ? null : selected(b, idx, req.batch(), req.decodeQuery(), req.kvLen()));
                break;
            default:
                List<Value> qs = splitRows(b, "q", q);
                List<Value> ls = splitRows(b, "latent", latent);
                List<Value> rs = splitRows(b, "k_rope", kRope);
                Value sp = null;
                Value sd = null;
                if (idx != null) {
                    List<Value> iq = splitRows(b, "index_q", idx.get(0));
                    List<Value> ik = splitRows(b, "index_k", idx.get(1));
                    List<Value> iw = splitRows(b, "index_w", idx.get(2));
                    sp = selected(b, List.of(iq.get(0), ik.get(0), iw.get(0)), pb, req.seqLen(), req.prefillContext());
                    sd = selected(b, List.of(iq.get(1), ik.get(1), iw.get(1)), req.batch(), req.decodeQuery(), req.kvLen());
                }
                Value op = mlaPrefill(b, qs.get(0), ls.get(0), rs.get(0), pb, sp);
                Value od = mlaDecode(b, qs.get(1), ls.get(1), rs.get(1), sd);
                o = b.add("attn", new Concat(0), op, od);
        }
        return b.add("attn_out", new MatMul((long) heads * d.vHeadDim(), m.hidden(), dt), o);
    }

    /**
     * DeepSeek-V3.2's lightning indexer projections (inference/model.py {@code Indexer}): q from the query latent
     * ({@code wq_b}), one key per token from the hidden state ({@code wk}, then {@code k_norm}, a LayerNorm), the
     * per-head weights ({@code weights_proj}). Returns (q, k, w).
     */
    private List<Value> indexer(GraphBuilder b, Value a, Value cqn) {
        MlaDims d = m.attention().mla();
        Value iq = b.add("index_q", new MatMul(d.qLoraRank(), (long) d.indexHeads() * d.indexHeadDim(), dt), cqn);
        Value ik = b.add("index_k", new MatMul(m.hidden(), d.indexHeadDim(), dt), a);
        Value ikn = b.add("index_k_norm", new Norm(Norm.Kind.LAYER, d.indexHeadDim(), m.normEps(), act), ik);
        Value iw = b.add("index_w", new MatMul(m.hidden(), d.indexHeads(), dt), a);
        return List.of(iq, ikn, iw);
    }

    /** The indexer's scoring over the sequences' cached keys: the top-k key indices of each query. */
    private Value selected(GraphBuilder b, List<Value> idx, long seqs, long qLen, long kvLen) {
        MlaDims d = m.attention().mla();
        return b.add("index_topk", new LightningIndexer(d.indexHeads(), d.indexHeadDim(), d.indexTopk(), seqs, qLen, kvLen), idx.get(0), idx.get(1),
                idx.get(2));
    }

    // plain form: per-head K (nope part up-projected, RoPE part shared) and V from the latent
    private Value mlaPrefill(GraphBuilder b, Value q, Value latent, Value kRope, long seqs, Value selected) {
        MlaDims d = m.attention().mla();
        int heads = m.attention().heads();
        long kn = (long) heads * d.qkNopeHeadDim();
        long vw = (long) heads * d.vHeadDim();
        Value kv = b.add("kv_up", new MatMul(d.kvLoraRank(), kn + vw, dt), latent);
        List<Value> parts = b.addMulti(List.of("k_nope", "v"), Split.of(1, kn, vw), List.of(kv));
        List<Value> kParts = new ArrayList<>(heads + 1);
        kParts.add(parts.get(0));
        kParts.addAll(Collections.nCopies(heads, kRope));
        Value k = b.addMulti(List.of("k"), new Concat(1), kParts).get(0);
        MlaAttention op = new MlaAttention(heads, d.kvLoraRank(), d.qkRopeHeadDim(), d.qkNopeHeadDim(), d.vHeadDim(), seqs, req.seqLen(), req.prefillContext(),
                true, false, kvDt, d.indexTopk());
        return selected == null ? b.add("attn_prefill", op, q, k, parts.get(1)) : b.add("attn_prefill", op, q, k, parts.get(1), selected);
    }

    // absorbed form: q_nope·W_UK per head, attention over [latent | rope key], then W_UV per head
    private Value mlaDecode(GraphBuilder b, Value q, Value latent, Value kRope, Value selected) {
        MlaDims d = m.attention().mla();
        int heads = m.attention().heads();
        List<Value> qp = b.addMulti(List.of("q_nope", "q_rope"), Split.of(1, (long) heads * d.qkNopeHeadDim(), (long) heads * d.qkRopeHeadDim()),
                List.of(q));
        Value qAbs = b.add("q_absorbed", new MatMul(d.qkNopeHeadDim(), d.kvLoraRank(), dt, heads), qp.get(0));
        Value qCat = b.add("q_latent_space", new Concat(1), qAbs, qp.get(1));
        Value cache = b.add("latent_kv", new Concat(1), latent, kRope);
        MlaAttention op = new MlaAttention(heads, d.kvLoraRank(), d.qkRopeHeadDim(), d.qkNopeHeadDim(), d.vHeadDim(), req.batch(), req.decodeQuery(), req.kvLen(),
                true, true, kvDt, d.indexTopk());
        Value o = selected == null ? b.add("attn_decode", op, qCat, cache) : b.add("attn_decode", op, qCat, cache, selected);
        return b.add("v_up", new MatMul(d.kvLoraRank(), d.vHeadDim(), dt, heads), o);
    }

    private Value moe(GraphBuilder b, Value f, io.moesim.ir.WeightFormat format, List<io.moesim.ir.WeightFormat> perExpert) {
        MoeConfig moe = m.moe();
        int h = m.hidden();
        LongImmutableList counts = LongImmutableList.of(expertTokens);
        List<Value> r = b.addMulti(List.of("expert_ids", "expert_weights"),
                new Router(moe.experts(), moe.topK(), h, moe.scoring(), moe.sharedExperts(), dt), List.of(f));
        Value xs = b.add("dispatched", new Dispatch(moe.experts(), moe.topK(), counts), f, r.get(0));
        Value ys = b.add("expert_out", new ExpertFfn(moe.experts(), moe.topK(), counts, h, moe.expertFfn(), m.activation(), dt, format, perExpert, true), xs);
        Value y = b.add("moe_out", new Combine(moe.experts(), moe.topK(), counts), ys, r.get(1));
        if (moe.sharedExperts() > 0) {
            // n shared experts of size f each compute the same as one FFN of size n·f
            Value s = b.add("shared_out", ExpertFfn.dense(tokens, h, moe.sharedExperts() * moe.sharedFfn(), m.activation(), dt), f);
            y = b.add("moe_out", new Elementwise(Elementwise.Kind.ADD), y, s);
        }
        return y;
    }
}
