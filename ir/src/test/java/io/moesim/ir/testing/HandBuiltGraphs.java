package io.moesim.ir.testing;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.GraphBuilder;
import io.moesim.ir.graph.Value;
import io.moesim.ir.op.AllGather;
import io.moesim.ir.op.AllReduce;
import io.moesim.ir.op.AllToAll;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.BatchMatMul;
import io.moesim.ir.op.Combine;
import io.moesim.ir.op.Dispatch;
import io.moesim.ir.op.Elementwise;
import io.moesim.ir.op.Embedding;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.FfnActivation;
import io.moesim.ir.op.GroupedMatMul;
import io.moesim.ir.op.KvAppend;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.MlaAttention;
import io.moesim.ir.op.Norm;
import io.moesim.ir.op.Recv;
import io.moesim.ir.op.ReduceScatter;
import io.moesim.ir.op.Router;
import io.moesim.ir.op.Scoring;
import io.moesim.ir.op.Send;
import io.moesim.ir.op.Softmax;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.List;

/** Small graphs written out by hand, Mixtral-sized, for golden files and cost checks. */
public final class HandBuiltGraphs {
    public static final DType BF16 = DType.BF16;
    /** 64 tokens × top-2 = 128 routed copies over 8 experts. */
    public static final long[] MIXTRAL_TOKENS = {20, 18, 16, 14, 16, 12, 16, 16};

    private HandBuiltGraphs() {
    }

    /** One Mixtral MoE block: norm, router, dispatch, expert FFNs, combine, residual. */
    public static Graph moeLayer() {
        GraphBuilder b = new GraphBuilder("mixtral_moe_layer");
        Value x = b.input("x", TensorType.of(BF16, 64, 4096));
        Value n = b.add("n", new Norm(Norm.Kind.RMS, 4096, 1e-5, BF16), x);
        List<Value> r = b.addMulti(List.of("idx", "w"), new Router(8, 2, 4096, Scoring.SOFTMAX, 0, BF16), List.of(n));
        LongImmutableList tokens = LongImmutableList.of(MIXTRAL_TOKENS);
        Value d = b.add("d", new Dispatch(8, 2, tokens), n, r.get(0));
        Value e = b.add("e", new ExpertFfn(8, 2, tokens, 4096, 14336, FfnActivation.SWIGLU, BF16), d);
        Value c = b.add("c", new Combine(8, 2, tokens), e, r.get(1));
        Value out = b.add("out", new Elementwise(Elementwise.Kind.ADD), x, c);
        return b.output(out).build();
    }

    /** A Mixtral decode attention block: GQA 32/8 heads, KV cache append, output projection. */
    public static Graph attentionBlock() {
        GraphBuilder b = new GraphBuilder("mixtral_attention_decode");
        Value x = b.input("x", TensorType.of(BF16, 64, 4096));
        Value n = b.add("n", new Norm(Norm.Kind.RMS, 4096, 1e-5, BF16), x);
        Value q = b.add("q", new MatMul(4096, 4096, BF16), n);
        Value k = b.add("k", new MatMul(4096, 1024, BF16), n);
        Value v = b.add("v", new MatMul(4096, 1024, BF16), n);
        b.addEffect(new KvAppend(BF16), k, v);
        Value a = b.add("a", new Attention(32, 8, 128, 64, 1, 1024, true, 0, BF16), q, k, v);
        Value o = b.add("o", new MatMul(4096, 4096, BF16), a);
        Value out = b.add("out", new Elementwise(Elementwise.Kind.ADD), x, o);
        return b.output(out).build();
    }

    /**
     * Embedding, a 4-way tensor-parallel dense layer repeated 32 times (with a nested expert-parallel
     * all_to_all repeat), then gather / scatter and a pipeline send and receive.
     */
    public static Graph repeatWithCollectives() {
        GraphBuilder b = new GraphBuilder("tp4_pipeline_stage");
        Value tokens = b.input("tokens", TensorType.of(DType.INT32, 64));
        Value x = b.add("x", new Embedding(32000, 4096, BF16), tokens);
        Value layers = b.repeat("layers", 32, List.of(x), (lb, p) -> {
            Value n = lb.add("n", new Norm(Norm.Kind.RMS, 4096, 1e-5, BF16), p.get(0));
            Value h = lb.add("h", new MatMul(4096, 3584, BF16), n);
            Value s = lb.add("s", new Elementwise(Elementwise.Kind.SILU), h);
            Value o = lb.add("o", new MatMul(3584, 4096, BF16), s);
            Value ar = lb.add("ar", new AllReduce(4), o);
            Value r = lb.add("r", new Elementwise(Elementwise.Kind.ADD), p.get(0), ar);
            return lb.repeat("ep", 2, List.of(r), (ib, q) -> List.of(ib.add("a2a", new AllToAll(8), q.get(0))));
        }).get(0);
        Value ag = b.add("ag", new AllGather(4, 0), layers);
        Value rs = b.add("rs", new ReduceScatter(4, 0), ag);
        b.addEffect(new Send(1), rs);
        Value rv = b.add("rv", new Recv(0, TensorType.of(BF16, 64, 4096)), new Value[0]);
        return b.output(rv, rs).build();
    }

    /** DeepSeek-style MLA decode (absorbed) plus the remaining op kinds, for the printer's coverage. */
    public static Graph mlaAndMisc() {
        GraphBuilder b = new GraphBuilder("mla-misc");
        Value x = b.input("x", TensorType.of(BF16, 8, 512));
        Value n = b.add("n", new Norm(Norm.Kind.LAYER, 512, 1e-6, BF16), x);
        Value q = b.add("q", new MatMul(512, 4 * 96, DType.FP8_E4M3), n);
        Value lat = b.add("latent", new MatMul(512, 96, DType.INT4), n);
        b.addEffect(new KvAppend(DType.FP8_E4M3), lat);
        Value m = b.add("m", new MlaAttention(4, 64, 32, 64, 64, 8, 1, 2048, true, true, BF16), q, lat);
        Value o = b.add("o", new MatMul(256, 512, BF16), m);
        Value g = b.add("g", new GroupedMatMul(LongImmutableList.of(3, 0, 5), 512, 128, DType.INT8), o);
        Value ge = b.add("ge", new Elementwise(Elementwise.Kind.GELU), g);
        Value sc = b.add("scores", new BatchMatMul(true), ge, ge);
        Value sm = b.add("p", new Softmax(), sc);
        Value pv = b.add("pv", new BatchMatMul(false), sm, ge);
        Value w = b.add("w", new Attention(2, 1, 64, 1, 8, 4096, true, 1024, BF16), pv, b.add("k", new MatMul(128, 64, BF16), pv),
                b.add("v", new MatMul(128, 64, BF16), pv));
        Value out = b.add("out", new Elementwise(Elementwise.Kind.MUL), w, pv);
        return b.output(out).build();
    }
}
