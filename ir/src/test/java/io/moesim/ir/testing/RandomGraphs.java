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
import java.util.Random;

/**
 * Random valid graphs from a seed. Each graph is a chain of "segments", each taking an activation
 * {@code [T, H]} and returning one of the same type while consuming every value it makes, so the
 * result is always valid (no unused values); repeat segments nest chains up to depth 2.
 */
public final class RandomGraphs {
    private static final DType[] ACT = {DType.BF16, DType.FP16, DType.FP32};
    private static final DType[] WEIGHT = {DType.BF16, DType.FP16, DType.FP32, DType.FP8_E4M3, DType.FP8_E5M2, DType.INT8, DType.INT4};
    private static final String[] HINTS = {"x", "h", "q", "k", "v", "attn.out", "ffn_up", "n", "a1", "", "odd-name", "x.1", "_t", "layer.0.mlp"};
    private static final int SEGMENT_KINDS = 13;

    private final Random r;
    private final int maxSegments;

    private RandomGraphs(long seed, int maxSegments) {
        this.r = new Random(seed);
        this.maxSegments = maxSegments;
    }

    /** A random valid graph; the same seed gives the same graph. */
    public static Graph generate(long seed) {
        return new RandomGraphs(seed, 8).graph();
    }

    private Graph graph() {
        GraphBuilder b = new GraphBuilder(graphName());
        DType act = ACT[r.nextInt(ACT.length)];
        long t = 1 + r.nextInt(16);
        long h = 8L * (1 + r.nextInt(8));
        Value x;
        if (r.nextBoolean()) {
            Value tokens = b.input(hint(), TensorType.of(DType.INT32, t));
            x = b.add(hint(), new Embedding(1 + r.nextInt(1000), h, act), tokens);
        } else {
            x = b.input(hint(), TensorType.of(act, t, h));
        }
        Value out = chain(b, x, 0, 1 + r.nextInt(maxSegments));
        if (r.nextInt(4) == 0) {
            // a second input passed straight through to a second output
            Value y = b.input(hint(), TensorType.of(act, t, h));
            return b.output(out, y).build();
        }
        return b.output(out).build();
    }

    private Value chain(GraphBuilder b, Value x, int depth, int segments) {
        for (int i = 0; i < segments; i++) {
            x = segment(b, x, depth);
        }
        return x;
    }

    private Value segment(GraphBuilder b, Value x, int depth) {
        TensorType xt = x.type();
        DType act = xt.dtype();
        long t = xt.shape().dim(0);
        long h = xt.last();
        int kind = r.nextInt(depth < 2 ? SEGMENT_KINDS : SEGMENT_KINDS - 1);
        switch (kind) {
            case 0:
                return b.add(hint(), norm(h), x);
            case 1: {
                int u = r.nextInt(3);
                return u == 2 ? b.add(hint(), new Softmax(), x)
                        : b.add(hint(), new Elementwise(u == 0 ? Elementwise.Kind.SILU : Elementwise.Kind.GELU), x);
            }
            case 2: {
                Value y = b.add(hint(), norm(h), x);
                return b.add(hint(), new Elementwise(r.nextBoolean() ? Elementwise.Kind.ADD : Elementwise.Kind.MUL), x, y);
            }
            case 3: {
                long n = 1 + r.nextInt(64);
                Value up = b.add(hint(), new MatMul(h, n, weight()), x);
                Value a = b.add(hint(), new Elementwise(Elementwise.Kind.SILU), up);
                return b.add(hint(), new MatMul(n, h, weight()), a);
            }
            case 4:
                return moe(b, x, t, h, act);
            case 5:
                return attention(b, x, t, h);
            case 6:
                return mla(b, x, t, h);
            case 7:
                return collective(b, x, t);
            case 8: {
                b.addEffect(new Send(r.nextInt(8)), x);
                Value in = b.add(hint(), new Recv(r.nextInt(8), xt), new Value[0]);
                return b.add(hint(), new Elementwise(Elementwise.Kind.ADD), x, in);
            }
            case 9: {
                long n = 1 + r.nextInt(32);
                Value g = b.add(hint(), new GroupedMatMul(LongImmutableList.of(spread(t, 1 + r.nextInt(6))), h, n, weight()), x);
                return b.add(hint(), new MatMul(n, h, weight()), g);
            }
            case 10: {
                Value s = b.add(hint(), new BatchMatMul(true), x, x);
                return b.add(hint(), new BatchMatMul(false), s, x);
            }
            case 11:
                return b.add(hint(), new Elementwise(Elementwise.Kind.MUL), x, x);
            default:
                return repeat(b, x, depth);
        }
    }

    private Value repeat(GraphBuilder b, Value x, int depth) {
        long count = 1 + r.nextInt(64);
        if (r.nextBoolean()) {
            return b.repeat(hint(), count, List.of(x), (ib, p) -> List.of(chain(ib, p.get(0), depth + 1, r.nextInt(4)))).get(0);
        }
        // two loop-carried values; the second sometimes passes through the body untouched
        Value y = b.add(hint(), new Elementwise(Elementwise.Kind.SILU), x);
        boolean passThrough = r.nextBoolean();
        List<Value> rs = b.repeat(hint(), count, List.of(x, y), (ib, p) -> List.of(chain(ib, p.get(0), depth + 1, 1 + r.nextInt(3)),
                passThrough ? p.get(1) : chain(ib, p.get(1), depth + 1, 1)));
        return b.add(hint(), new Elementwise(Elementwise.Kind.ADD), rs.get(0), rs.get(1));
    }

    private Value moe(GraphBuilder b, Value x, long t, long h, DType act) {
        int experts = 1 + r.nextInt(8);
        int topK = 1 + r.nextInt(experts);
        LongImmutableList tokens = LongImmutableList.of(spread(t * topK, experts));
        Scoring scoring = r.nextBoolean() ? Scoring.SOFTMAX : Scoring.SIGMOID;
        List<Value> route = b.addMulti(List.of(hint(), hint()), new Router(experts, topK, h, scoring, r.nextInt(3), weight()), List.of(x));
        Value d = b.add(hint(), new Dispatch(experts, topK, tokens), x, route.get(0));
        FfnActivation fa = r.nextBoolean() ? FfnActivation.SWIGLU : FfnActivation.GELU;
        // behind a dispatch: the routed experts, one of them too (text then says routed=true, which the round trip checks)
        Value e = b.add(hint(), new ExpertFfn(experts, topK, tokens, h, 1 + r.nextInt(64), fa, weight()).asRouted(), d);
        return b.add(hint(), new Combine(experts, topK, tokens), e, route.get(1));
    }

    private Value attention(GraphBuilder b, Value x, long t, long h) {
        int kvHeads = 1 << r.nextInt(3);
        int heads = kvHeads * (1 << r.nextInt(3));
        int headDim = 4 << r.nextInt(3);
        long[] shape = sequences(t);
        long batch = shape[0];
        long qLen = shape[1];
        long kvLen = qLen + r.nextInt(100);
        long window = r.nextInt(3) == 0 ? 1 + r.nextInt(64) : 0;
        Value q = b.add(hint(), new MatMul(h, (long) heads * headDim, weight()), x);
        Value k = b.add(hint(), new MatMul(h, (long) kvHeads * headDim, weight()), x);
        Value v = b.add(hint(), new MatMul(h, (long) kvHeads * headDim, weight()), x);
        if (r.nextBoolean()) {
            b.addEffect(new KvAppend(weight()), k, v);
        }
        Attention op = new Attention(heads, kvHeads, headDim, batch, qLen, kvLen, qLen > 1 || r.nextBoolean(), window, weight());
        Value a = b.add(hint(), op, q, k, v);
        return b.add(hint(), new MatMul((long) heads * headDim, h, weight()), a);
    }

    private Value mla(GraphBuilder b, Value x, long t, long h) {
        int heads = 1 + r.nextInt(4);
        int rank = 4 * (1 + r.nextInt(8));
        int rope = 2 * (1 + r.nextInt(4));
        int nope = 2 * (1 + r.nextInt(8));
        int vDim = 2 * (1 + r.nextInt(8));
        long[] shape = sequences(t);
        long kvLen = shape[1] + r.nextInt(50);
        boolean absorbed = r.nextBoolean();
        MlaAttention op = new MlaAttention(heads, rank, rope, nope, vDim, shape[0], shape[1], kvLen, r.nextBoolean(), absorbed, weight());
        Value m;
        if (absorbed) {
            Value q = b.add(hint(), new MatMul(h, (long) heads * (rank + rope), weight()), x);
            Value latent = b.add(hint(), new MatMul(h, rank + rope, weight()), x);
            b.addEffect(new KvAppend(weight()), latent);
            m = b.add(hint(), op, q, latent);
        } else {
            Value q = b.add(hint(), new MatMul(h, (long) heads * (nope + rope), weight()), x);
            Value k = b.add(hint(), new MatMul(h, (long) heads * (nope + rope), weight()), x);
            Value v = b.add(hint(), new MatMul(h, (long) heads * vDim, weight()), x);
            m = b.add(hint(), op, q, k, v);
        }
        return b.add(hint(), new MatMul(m.type().last(), h, weight()), m);
    }

    private Value collective(GraphBuilder b, Value x, long t) {
        int group = 1 + r.nextInt(8);
        switch (r.nextInt(3)) {
            case 0:
                return b.add(hint(), new AllReduce(group), x);
            case 1:
                return b.add(hint(), new AllToAll(group), x);
            default: {
                int axis = r.nextInt(2);
                Value g = b.add(hint(), new AllGather(group, axis), x);
                return b.add(hint(), new ReduceScatter(group, axis), g);
            }
        }
    }

    /** Splits T rows into (batch, q_len): decode (T sequences of 1) or one sequence of T. */
    private long[] sequences(long t) {
        return r.nextBoolean() ? new long[] {t, 1} : new long[] {1, t};
    }

    /** {@code total} split at random into {@code parts} non-negative counts. */
    private long[] spread(long total, int parts) {
        long[] out = new long[parts];
        for (long i = 0; i < total; i++) {
            out[r.nextInt(parts)]++;
        }
        return out;
    }

    private Norm norm(long h) {
        double[] eps = {1e-5, 1e-6, 1.0, Double.MIN_VALUE, 1e300, r.nextDouble() + Double.MIN_NORMAL, r.nextDouble() * 1e-3 + 1e-12};
        return new Norm(r.nextBoolean() ? Norm.Kind.RMS : Norm.Kind.LAYER, h, eps[r.nextInt(eps.length)], weight());
    }

    private DType weight() {
        return WEIGHT[r.nextInt(WEIGHT.length)];
    }

    private String hint() {
        if (r.nextInt(3) == 0) {
            StringBuilder sb = new StringBuilder();
            String alphabet = "abcXYZ019_.";
            for (int i = 0, n = 1 + r.nextInt(6); i < n; i++) {
                sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
            }
            return sb.toString();
        }
        return HINTS[r.nextInt(HINTS.length)];
    }

    private String graphName() {
        String[] names = {"g", "mixtral-8x7b_decode", "qwen3.moe", "deepseek_v3", "G0"};
        return names[r.nextInt(names.length)] + (r.nextBoolean() ? "" : "_" + r.nextInt(100));
    }
}
