package io.moesim.compiler;

import io.moesim.compiler.CompileOptions.ExpertPlacement;
import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.CompileOptions.Parallelism;
import io.moesim.compiler.CompileOptions.Placement;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.GraphBuilder;
import io.moesim.ir.graph.Value;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.Combine;
import io.moesim.ir.op.Dispatch;
import io.moesim.ir.op.Elementwise;
import io.moesim.ir.op.Embedding;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.FfnActivation;
import io.moesim.ir.op.KvAppend;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.Norm;
import io.moesim.ir.op.Router;
import io.moesim.ir.op.Scoring;
import io.moesim.ir.op.Split;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.nio.file.Path;
import java.util.List;

/** Small hand-made graphs and option sets for the compiler's tests. */
public final class Fixtures {
    private Fixtures() {
    }

    /**
     * A toy MoE decoder: {@code layers} layers of GQA attention (heads 8, kv 4, head_dim 16) and
     * 4 experts top-2 over hidden 64, ffn 128, decode of {@code batch} sequences at kv_len 32.
     */
    public static Graph toyMoe(int layers, int batch, long[] expertTokens) {
        int h = 64;
        int heads = 8;
        int kv = 4;
        int hd = 16;
        DType dt = DType.BF16;
        GraphBuilder b = new GraphBuilder("toy_moe_decode");
        Value ids = b.input("tokens", TensorType.of(DType.INT32, batch));
        Value x = b.add("embed", new Embedding(1000, h, dt), ids);
        LongImmutableList counts = LongImmutableList.of(expertTokens);
        x = b.repeat("layers", layers, List.of(x), (bb, p) -> {
            Value y = p.get(0);
            Value a = bb.add("attn_in", new Norm(Norm.Kind.RMS, h, 1e-5, dt), y);
            Value qkv = bb.add("qkv", new MatMul(h, (heads + 2 * kv) * hd, dt), a);
            List<Value> parts = bb.addMulti(List.of("q", "k", "v"), Split.of(1, heads * hd, kv * hd, kv * hd), List.of(qkv));
            bb.addEffect(new KvAppend(dt), parts.get(1), parts.get(2));
            Value o = bb.add("attn", new Attention(heads, kv, hd, batch, 1, 32, true, 0, dt), parts.get(0), parts.get(1), parts.get(2));
            Value ao = bb.add("attn_out", new MatMul(heads * hd, h, dt), o);
            Value x1 = bb.add("h", new Elementwise(Elementwise.Kind.ADD), y, ao);
            Value f = bb.add("ffn_in", new Norm(Norm.Kind.RMS, h, 1e-5, dt), x1);
            List<Value> r = bb.addMulti(List.of("expert_ids", "expert_weights"), new Router(4, 2, h, Scoring.SOFTMAX, 0, dt), List.of(f));
            Value xs = bb.add("dispatched", new Dispatch(4, 2, counts), f, r.get(0));
            Value ys = bb.add("expert_out", new ExpertFfn(4, 2, counts, h, 128, FfnActivation.SWIGLU, dt), xs);
            Value m = bb.add("moe_out", new Combine(4, 2, counts), ys, r.get(1));
            return List.of(bb.add("x", new Elementwise(Elementwise.Kind.ADD), x1, m));
        }).get(0);
        x = b.add("final_norm", new Norm(Norm.Kind.RMS, h, 1e-5, dt), x);
        b.output(b.add("logits", new MatMul(h, 1000, dt), x));
        return b.build();
    }

    public static CompileOptions options(Parallelism attn, Parallelism moe, Placement placement, ExpertPlacement ep, Overlap overlap, int tiles) {
        return new CompileOptions(attn, moe, placement, ep, overlap, tiles, (Path) null, 10.0, 0L);
    }

    public static Parallelism p(int tp, int ep, int dp, int pp) {
        return new Parallelism(tp, ep, dp, pp);
    }
}
