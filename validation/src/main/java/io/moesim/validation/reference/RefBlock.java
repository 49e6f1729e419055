package io.moesim.validation.reference;

import io.moesim.ir.DType;

/**
 * A pre-norm block on {@code batch} sequences of {@code seq} tokens (prefill, causal):
 * {@code x1 = x + Wo·attn(norm1(x))}, {@code y = x1 + moe(norm2(x1))}. A dense model is experts = 1,
 * top-1 with weight 1.
 */
public final class RefBlock {
    private RefBlock() {
    }

    public static Matrix run(Matrix x, int batch, int seq, BlockWeights w, DType dtype) {
        BlockShape s = w.shape();
        Matrix n1 = RefRmsNorm.run(x, w.norm1(), 1e-6f, dtype);
        Matrix q = RefGemm.matmul(n1, w.wq(), dtype);
        Matrix k = RefGemm.matmul(n1, w.wk(), dtype);
        Matrix v = RefGemm.matmul(n1, w.wv(), dtype);
        Matrix a = RefAttention.run(q, k, v, new AttentionShape(batch, s.heads(), s.kvHeads(), s.headDim(), seq, seq, true), dtype);
        Matrix x1 = add(x, RefGemm.matmul(a, w.wo(), dtype), dtype);
        Matrix n2 = RefRmsNorm.run(x1, w.norm2(), 1e-6f, dtype);
        RoutingResult r = RefRouter.run(n2, w.gate(), s.topK(), s.scoring(), true, dtype);
        Matrix m = RefMoeLayer.run(n2, r, w.experts(), dtype).output();
        return add(x1, m, dtype);
    }

    static Matrix add(Matrix a, Matrix b, DType dtype) {
        float[] out = new float[a.data().length];
        for (int i = 0; i < out.length; i++) {
            out[i] = Rounding.round(Rounding.round(a.data()[i], dtype) + b.data()[i], dtype);
        }
        return new Matrix(a.rows(), a.cols(), out);
    }
}
