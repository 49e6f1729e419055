package io.moesim.validation.gpu;

import io.moesim.ir.DType;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.op.Scoring;
import io.moesim.validation.reference.AttentionShape;
import io.moesim.validation.reference.BlockShape;
import io.moesim.validation.reference.BlockWeights;
import io.moesim.validation.reference.Matrix;
import io.moesim.validation.reference.NumericCheck;
import io.moesim.validation.reference.RefAttention;
import io.moesim.validation.reference.RefBlock;
import io.moesim.validation.reference.RefGemm;
import io.moesim.validation.reference.RefGroupedGemm;
import io.moesim.validation.reference.RefMoeLayer;
import io.moesim.validation.reference.RefRmsNorm;
import io.moesim.validation.reference.RefRouter;
import io.moesim.validation.reference.RoutingResult;
import io.moesim.validation.reference.SwiGluExpert;
import io.moesim.validation.trace.IrOps;
import io.moesim.validation.trace.Measurement;
import io.moesim.validation.trace.OpForm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import jcuda.Sizeof;
import jcuda.driver.CUdeviceptr;

/**
 * Runs ops on the GPU: {@link #check} executes each op kind on a small shape and compares it with the
 * pure-Java reference; {@link #measure} times an op given in {@code moesim op} form (matmul,
 * grouped-matmul, attention, rms-norm, router, plus the composites {@code moe-layer} and
 * {@code block model=NAME}) with CUDA events and returns a trace row.
 */
public final class GpuRunner {
    private final CudaSession s;
    private final GpuOps ops;
    private final int warmup;
    private final int reps;

    public GpuRunner(CudaSession session, int warmup, int reps) {
        this.s = session;
        this.ops = new GpuOps(session);
        this.warmup = warmup;
        this.reps = reps;
    }

    // ---------------------------------------------------------------- numerical checks

    /** Every op kind on a small shape against the reference executor. */
    public List<NumericCheck> check(DType dt) {
        List<NumericCheck> out = new ArrayList<>();
        try {
            out.add(checkGemm(dt));
            out.add(checkGroupedGemm(dt));
            out.add(checkAttention(dt, new AttentionShape(2, 4, 2, 64, 33, 33, true), "attention prefill causal gqa"));
            out.add(checkAttention(dt, new AttentionShape(3, 8, 2, 128, 1, 47, true), "attention decode gqa"));
            out.add(checkRmsNorm(dt));
            out.add(checkRouter(dt, Scoring.SOFTMAX, 2));
            out.add(checkRouter(dt, Scoring.SIGMOID, 3));
            out.add(checkMoe(dt));
            out.add(checkBlock(dt));
        } finally {
            s.freeAll();
        }
        return out;
    }

    private NumericCheck checkGemm(DType dt) {
        Matrix a = Matrix.random(64, 80, 1, 1f);
        Matrix b = Matrix.random(80, 48, 2, 0.2f);
        CUdeviceptr c = s.alloc(64L * 48 * GpuOps.elemBytes(dt));
        ops.gemm(s.upload(a.data(), dt), s.upload(b.data(), dt), c, 64, 48, 80, dt, dt);
        return NumericCheck.compare("gemm 64x48x80", RefGemm.matmul(a, b, dt).data(), s.download(c, 64 * 48, dt), dt);
    }

    private NumericCheck checkGroupedGemm(DType dt) {
        int[] tokens = {5, 0, 17, 10};
        Matrix x = Matrix.random(32, 64, 3, 1f);
        List<Matrix> w = new ArrayList<>();
        CUdeviceptr[] dw = new CUdeviceptr[tokens.length];
        for (int g = 0; g < tokens.length; g++) {
            w.add(Matrix.random(64, 24, 10 + g, 0.2f));
            dw[g] = s.upload(w.get(g).data(), dt);
        }
        CUdeviceptr y = s.alloc(32L * 24 * GpuOps.elemBytes(dt));
        ops.groupedGemm(s.upload(x.data(), dt), dw, y, tokens, 64, 24, dt);
        return NumericCheck.compare("grouped gemm [5,0,17,10]x64x24", RefGroupedGemm.run(x, tokens, w, dt).data(), s.download(y, 32 * 24, dt), dt);
    }

    private NumericCheck checkAttention(DType dt, AttentionShape sh, String what) {
        Matrix q = Matrix.random(sh.batch() * sh.qLen(), sh.heads() * sh.headDim(), 4, 1f);
        Matrix k = Matrix.random(sh.batch() * sh.kvLen(), sh.kvHeads() * sh.headDim(), 5, 1f);
        Matrix v = Matrix.random(sh.batch() * sh.kvLen(), sh.kvHeads() * sh.headDim(), 6, 1f);
        CUdeviceptr o = s.alloc((long) q.data().length * GpuOps.elemBytes(dt));
        ops.attention(s.upload(q.data(), dt), s.upload(k.data(), dt), s.upload(v.data(), dt), o, sh.batch(), sh.heads(), sh.kvHeads(),
                sh.headDim(), sh.qLen(), sh.kvLen(), sh.causal(), dt);
        return NumericCheck.compare(what, RefAttention.run(q, k, v, sh, dt).data(), s.download(o, q.data().length, dt), dt);
    }

    private NumericCheck checkRmsNorm(DType dt) {
        Matrix x = Matrix.random(7, 96, 7, 2f);
        float[] w = Matrix.random(1, 96, 8, 1f).data();
        CUdeviceptr y = s.alloc(7L * 96 * GpuOps.elemBytes(dt));
        ops.rmsNorm(s.upload(x.data(), dt), s.upload(w, dt), y, 7, 96, 1e-6f, dt);
        return NumericCheck.compare("rms_norm 7x96", RefRmsNorm.run(x, w, 1e-6f, dt).data(), s.download(y, 7 * 96, dt), dt);
    }

    private NumericCheck checkRouter(DType dt, Scoring scoring, int topK) {
        int t = 13;
        int e = 8;
        Matrix x = Matrix.random(t, 64, 9, 1f);
        Matrix gate = Matrix.random(64, e, 11, 0.5f);
        RoutingResult ref = RefRouter.run(x, gate, topK, scoring, true, dt);
        CUdeviceptr logits = s.alloc((long) t * e * Sizeof.FLOAT);
        ops.gemm(s.upload(x.data(), dt), s.upload(gate.data(), dt), logits, t, e, 64, dt, DType.FP32);
        CUdeviceptr idx = s.alloc((long) t * topK * Sizeof.INT);
        CUdeviceptr wts = s.alloc((long) t * topK * Sizeof.FLOAT);
        ops.routerTopK(logits, t, e, topK, scoring == Scoring.SIGMOID, true, idx, wts, dt);
        int[] gi = s.downloadInts(idx, t * topK);
        float[] gw = s.download(wts, t * topK, DType.FP32);
        int[] ri = Arrays.stream(ref.experts()).flatMapToInt(Arrays::stream).toArray();
        float[] rw = new float[t * topK];
        for (int i = 0; i < t; i++) {
            System.arraycopy(ref.weights()[i], 0, rw, i * topK, topK);
        }
        NumericCheck w = NumericCheck.compare("router " + scoring.name().toLowerCase(Locale.ROOT) + " top-" + topK, rw, gw, dt);
        boolean same = Arrays.equals(ri, gi);
        return new NumericCheck(w.what() + (same ? "" : " (expert choice differs)"), w.maxAbs(), w.maxRel(), w.tolerance(), w.pass() && same);
    }

    private NumericCheck checkMoe(DType dt) {
        BlockShape sh = new BlockShape(64, 4, 2, 16, 4, 2, 48, Scoring.SOFTMAX);
        BlockWeights w = BlockWeights.random(sh, 21, dt);
        Matrix x = Matrix.random(16, 64, 22, 1f);
        RoutingResult r = RefRouter.run(x, w.gate(), sh.topK(), sh.scoring(), true, dt);
        float[] ref = RefMoeLayer.run(x, r, w.experts(), dt).output().data();
        DeviceBlock d = DeviceBlock.upload(s, w, dt);
        CUdeviceptr xd = s.upload(x.data(), dt);
        CUdeviceptr y = s.alloc(16L * 64 * GpuOps.elemBytes(dt));
        moe(d, xd, y, 16, dt);
        return NumericCheck.compare("moe layer 16 tokens, 4 experts top-2", ref, s.download(y, 16 * 64, dt), dt);
    }

    private NumericCheck checkBlock(DType dt) {
        BlockShape sh = new BlockShape(128, 4, 2, 32, 4, 2, 64, Scoring.SOFTMAX);
        BlockWeights w = BlockWeights.random(sh, 31, dt);
        int batch = 2;
        int seq = 9;
        Matrix x = Matrix.random(batch * seq, 128, 32, 1f);
        float[] ref = RefBlock.run(x, batch, seq, w, dt).data();
        DeviceBlock d = DeviceBlock.upload(s, w, dt);
        CUdeviceptr xd = s.upload(x.data(), dt);
        block(d, xd, batch, seq, dt);
        return NumericCheck.compare("block (gqa + moe) 2x9 tokens", ref, s.download(xd, ref.length, dt), dt);
    }

    // ---------------------------------------------------------------- composites

    /** MoE layer: gate GEMM, top-k, dispatch (host computes the order from the routing), experts, combine. */
    void moe(DeviceBlock d, CUdeviceptr x, CUdeviceptr y, int tokens, DType dt) {
        BlockShape sh = d.shape();
        int h = sh.hidden();
        int k = sh.topK();
        CUdeviceptr logits = s.scratch("moe.logits", (long) tokens * sh.experts() * Sizeof.FLOAT);
        ops.gemm(x, d.gate(), logits, tokens, sh.experts(), h, dt, DType.FP32);
        CUdeviceptr idx = s.scratch("moe.idx", (long) tokens * k * Sizeof.INT);
        CUdeviceptr wts = s.scratch("moe.wts", (long) tokens * k * Sizeof.FLOAT);
        ops.routerTopK(logits, tokens, sh.experts(), k, sh.scoring() == Scoring.SIGMOID, true, idx, wts, dt);
        // The routing decides the group sizes: read it back, as frameworks do to size the grouped GEMM.
        int[] chosen = s.downloadInts(idx, tokens * k);
        int[] counts = new int[sh.experts()];
        for (int e : chosen) {
            counts[e]++;
        }
        int[] start = new int[sh.experts()];
        for (int e = 1; e < counts.length; e++) {
            start[e] = start[e - 1] + counts[e - 1];
        }
        int[] src = new int[tokens * k];
        int[] pos = new int[tokens * k];
        int[] next = start.clone();
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < k; i++) {
                int row = next[chosen[t * k + i]]++;
                src[row] = t;
                pos[t * k + i] = row;
            }
        }
        long eb = GpuOps.elemBytes(dt);
        int rows = tokens * k;
        CUdeviceptr xs = s.scratch("moe.xs", (long) rows * h * eb);
        ops.gatherRows(x, s.copyInts("moe.src", src), xs, rows, h, dt);
        CUdeviceptr g = s.scratch("moe.g", (long) rows * sh.ffn() * eb);
        CUdeviceptr u = s.scratch("moe.u", (long) rows * sh.ffn() * eb);
        CUdeviceptr ys = s.scratch("moe.ys", (long) rows * h * eb);
        ops.groupedGemm(xs, d.wGate(), g, counts, h, sh.ffn(), dt);
        ops.groupedGemm(xs, d.wUp(), u, counts, h, sh.ffn(), dt);
        ops.siluMul(g, u, g, (long) rows * sh.ffn(), dt);
        ops.groupedGemm(g, d.wDown(), ys, counts, sh.ffn(), h, dt);
        ops.combine(ys, s.copyInts("moe.pos", pos), wts, y, tokens, k, h, dt);
    }

    /** One block in place on x ({@code batch·seq} rows): attention sub-block then MoE sub-block, each with its residual. */
    void block(DeviceBlock d, CUdeviceptr x, int batch, int seq, DType dt) {
        BlockShape sh = d.shape();
        int rows = batch * seq;
        int h = sh.hidden();
        long eb = GpuOps.elemBytes(dt);
        CUdeviceptr n = s.scratch("block.n", (long) rows * h * eb);
        ops.rmsNorm(x, d.norm1(), n, rows, h, 1e-6f, dt);
        CUdeviceptr q = s.scratch("block.q", (long) rows * sh.heads() * sh.headDim() * eb);
        CUdeviceptr k = s.scratch("block.k", (long) rows * sh.kvHeads() * sh.headDim() * eb);
        CUdeviceptr v = s.scratch("block.v", (long) rows * sh.kvHeads() * sh.headDim() * eb);
        ops.gemm(n, d.wq(), q, rows, sh.heads() * sh.headDim(), h, dt, dt);
        ops.gemm(n, d.wk(), k, rows, sh.kvHeads() * sh.headDim(), h, dt, dt);
        ops.gemm(n, d.wv(), v, rows, sh.kvHeads() * sh.headDim(), h, dt, dt);
        CUdeviceptr a = s.scratch("block.a", (long) rows * sh.heads() * sh.headDim() * eb);
        ops.attention(q, k, v, a, batch, sh.heads(), sh.kvHeads(), sh.headDim(), seq, seq, true, dt);
        CUdeviceptr o = s.scratch("block.o", (long) rows * h * eb);
        ops.gemm(a, d.wo(), o, rows, h, sh.heads() * sh.headDim(), dt, dt);
        ops.addInPlace(x, o, (long) rows * h, dt);
        ops.rmsNorm(x, d.norm2(), n, rows, h, 1e-6f, dt);
        moe(d, n, o, rows, dt);
        ops.addInPlace(x, o, (long) rows * h, dt);
    }

    // ---------------------------------------------------------------- timing

    /** Times one op (buffers of random data, seeded) and returns its trace row. */
    public Measurement measure(OpForm op, String target) {
        DType dt = IrOps.dtype(op);
        Runnable work;
        try {
            work = prepare(op, dt);
            TimingStats t = TimingStats.of(s.time(work, warmup, reps));
            String note = op.kind().equals("moe-layer") || op.kind().equals("block")
                    ? "includes the host read of the routing that sizes the expert GEMMs" : "";
            return new Measurement(op, s.environment().gpu(), target, "", t.medianUs(), t.p10Us(), t.p90Us(), t.reps(), Optional.empty(),
                    "measured", "moesim GPU runner (JCuda " + (s.hasCublas() ? "+ cuBLAS" : "") + ", NVRTC kernels), "
                    + warmup + " warm-up + " + reps + " timed repetitions, CUDA events", note, s.environment(), "", null);
        } finally {
            s.freeAll();
        }
    }

    private Runnable prepare(OpForm op, DType dt) {
        long eb = GpuOps.elemBytes(dt);
        switch (op.kind()) {
            case "matmul": {
                int m = Math.toIntExact(op.getLong("m"));
                int n = Math.toIntExact(op.getLong("n"));
                int k = Math.toIntExact(op.getLong("k"));
                CUdeviceptr a = s.upload(Matrix.random(m, k, 1, 1f).data(), dt);
                CUdeviceptr b = s.upload(Matrix.random(k, n, 2, 0.05f).data(), dt);
                CUdeviceptr c = s.alloc((long) m * n * eb);
                return () -> ops.gemm(a, b, c, m, n, k, dt, dt);
            }
            case "grouped-matmul": {
                int[] tokens = Arrays.stream(IrOps.groupTokens(op)).mapToInt(Math::toIntExact).toArray();
                int k = Math.toIntExact(op.getLong("k"));
                int n = Math.toIntExact(op.getLong("n"));
                int total = Arrays.stream(tokens).sum();
                CUdeviceptr x = s.upload(Matrix.random(total, k, 1, 1f).data(), dt);
                CUdeviceptr[] w = new CUdeviceptr[tokens.length];
                for (int g = 0; g < w.length; g++) {
                    w[g] = tokens[g] == 0 ? null : s.upload(Matrix.random(k, n, 10 + g, 0.05f).data(), dt);
                }
                CUdeviceptr y = s.alloc((long) total * n * eb);
                return () -> ops.groupedGemm(x, w, y, tokens, k, n, dt);
            }
            case "attention": {
                int batch = Math.toIntExact(op.getLong("batch"));
                int heads = Math.toIntExact(op.getLong("heads"));
                int kvh = Math.toIntExact(op.getLong("kv_heads", heads));
                int d = Math.toIntExact(op.getLong("head_dim"));
                int kv = Math.toIntExact(op.getLong("kv_len"));
                int ql = Math.toIntExact(op.getLong("q_len", kv));
                boolean causal = op.getBool("causal", ql > 1);
                CUdeviceptr q = s.upload(Matrix.random(batch * ql, heads * d, 1, 1f).data(), dt);
                CUdeviceptr k = s.upload(Matrix.random(batch * kv, kvh * d, 2, 1f).data(), dt);
                CUdeviceptr v = s.upload(Matrix.random(batch * kv, kvh * d, 3, 1f).data(), dt);
                CUdeviceptr o = s.alloc((long) batch * ql * heads * d * eb);
                return () -> ops.attention(q, k, v, o, batch, heads, kvh, d, ql, kv, causal, dt);
            }
            case "rms-norm": {
                int t = Math.toIntExact(op.getLong("tokens"));
                int h = Math.toIntExact(op.getLong("hidden"));
                CUdeviceptr x = s.upload(Matrix.random(t, h, 1, 1f).data(), dt);
                CUdeviceptr w = s.upload(Matrix.random(1, h, 2, 1f).data(), dt);
                CUdeviceptr y = s.alloc((long) t * h * eb);
                return () -> ops.rmsNorm(x, w, y, t, h, 1e-6f, dt);
            }
            case "router": {
                int t = Math.toIntExact(op.getLong("tokens"));
                int h = Math.toIntExact(op.getLong("hidden"));
                int e = Math.toIntExact(op.getLong("experts"));
                int k = Math.toIntExact(op.getLong("top_k"));
                boolean sigmoid = op.get("scoring", "softmax").equals("sigmoid");
                CUdeviceptr x = s.upload(Matrix.random(t, h, 1, 1f).data(), dt);
                CUdeviceptr g = s.upload(Matrix.random(h, e, 2, 0.05f).data(), dt);
                CUdeviceptr logits = s.alloc((long) t * e * Sizeof.FLOAT);
                CUdeviceptr idx = s.alloc((long) t * k * Sizeof.INT);
                CUdeviceptr wts = s.alloc((long) t * k * Sizeof.FLOAT);
                return () -> {
                    ops.gemm(x, g, logits, t, e, h, dt, DType.FP32);
                    ops.routerTopK(logits, t, e, k, sigmoid, true, idx, wts, dt);
                };
            }
            case "moe-layer": {
                if (!IrOps.gated(op)) {
                    throw new IllegalArgumentException("moe-layer: the GPU runner runs gated (SwiGLU) experts only, not gated=false");
                }
                int t = Math.toIntExact(op.getLong("tokens"));
                BlockShape sh = new BlockShape(Math.toIntExact(op.getLong("hidden")), 1, 1, 1, Math.toIntExact(op.getLong("experts")),
                        Math.toIntExact(op.getLong("top_k")), Math.toIntExact(op.getLong("ffn")),
                        op.get("scoring", "softmax").equals("sigmoid") ? Scoring.SIGMOID : Scoring.SOFTMAX);
                DeviceBlock d = DeviceBlock.upload(s, BlockWeights.random(sh, 41, dt), dt);
                CUdeviceptr x = s.upload(Matrix.random(t, sh.hidden(), 42, 1f).data(), dt);
                CUdeviceptr y = s.alloc((long) t * sh.hidden() * eb);
                return () -> moe(d, x, y, t, dt);
            }
            case "block": {
                BlockShape sh = BlockShape.of(ModelZoo.get(op.get("model")));
                int batch = Math.toIntExact(op.getLong("batch", 1));
                int seq = Math.toIntExact(op.getLong("seq"));
                DeviceBlock d = DeviceBlock.upload(s, BlockWeights.random(sh, 51, dt), dt);
                CUdeviceptr x = s.upload(Matrix.random(batch * seq, sh.hidden(), 52, 1f).data(), dt);
                return () -> block(d, x, batch, seq, dt);
            }
            default:
                throw new IllegalArgumentException("the GPU runner does not run '" + op.kind() + "'");
        }
    }

    /** Weights of a block (or MoE layer) resident on the device. */
    record DeviceBlock(BlockShape shape, CUdeviceptr norm1, CUdeviceptr wq, CUdeviceptr wk, CUdeviceptr wv, CUdeviceptr wo, CUdeviceptr norm2,
            CUdeviceptr gate, CUdeviceptr[] wGate, CUdeviceptr[] wUp, CUdeviceptr[] wDown) {

        static DeviceBlock upload(CudaSession s, BlockWeights w, DType dt) {
            int e = w.experts().size();
            CUdeviceptr[] g = new CUdeviceptr[e];
            CUdeviceptr[] u = new CUdeviceptr[e];
            CUdeviceptr[] dn = new CUdeviceptr[e];
            for (int i = 0; i < e; i++) {
                SwiGluExpert x = w.experts().get(i);
                g[i] = s.upload(x.wGate().data(), dt);
                u[i] = s.upload(x.wUp().data(), dt);
                dn[i] = s.upload(x.wDown().data(), dt);
            }
            return new DeviceBlock(w.shape(), s.upload(w.norm1(), dt), s.upload(w.wq().data(), dt), s.upload(w.wk().data(), dt),
                    s.upload(w.wv().data(), dt), s.upload(w.wo().data(), dt), s.upload(w.norm2(), dt), s.upload(w.gate().data(), dt), g, u, dn);
        }
    }
}
