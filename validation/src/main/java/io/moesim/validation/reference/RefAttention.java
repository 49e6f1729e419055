package io.moesim.validation.reference;

import io.moesim.ir.DType;

/**
 * Scaled dot-product attention with grouped KV heads (query head h reads KV head h / group), causal
 * masking by absolute position (query i of a sequence sits at kvLen − qLen + i and sees keys 0..that),
 * softmax in fp32 with the max subtracted. Decode is qLen = 1 against a KV cache of kvLen positions.
 */
public final class RefAttention {
    private RefAttention() {
    }

    public static Matrix run(Matrix q, Matrix k, Matrix v, AttentionShape s, DType dtype) {
        int d = s.headDim();
        check(q, s.batch() * s.qLen(), s.heads() * d, "q");
        check(k, s.batch() * s.kvLen(), s.kvHeads() * d, "k");
        check(v, s.batch() * s.kvLen(), s.kvHeads() * d, "v");
        Matrix qr = q.rounded(dtype);
        Matrix kr = k.rounded(dtype);
        Matrix vr = v.rounded(dtype);
        float scale = (float) (1.0 / Math.sqrt(d));
        Matrix out = Matrix.zeros(q.rows(), q.cols());
        float[] scores = new float[s.kvLen()];
        for (int b = 0; b < s.batch(); b++) {
            for (int h = 0; h < s.heads(); h++) {
                int kvh = h / s.groupSize();
                for (int i = 0; i < s.qLen(); i++) {
                    int qRow = b * s.qLen() + i;
                    int visible = s.causal() ? s.kvLen() - s.qLen() + i + 1 : s.kvLen();
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j < visible; j++) {
                        int kRow = b * s.kvLen() + j;
                        float dot = 0f;
                        for (int c = 0; c < d; c++) {
                            dot += qr.get(qRow, h * d + c) * kr.get(kRow, kvh * d + c);
                        }
                        scores[j] = dot * scale;
                        max = Math.max(max, scores[j]);
                    }
                    float sum = 0f;
                    for (int j = 0; j < visible; j++) {
                        scores[j] = (float) Math.exp(scores[j] - max);
                        sum += scores[j];
                    }
                    for (int c = 0; c < d; c++) {
                        float acc = 0f;
                        for (int j = 0; j < visible; j++) {
                            acc += scores[j] * vr.get(b * s.kvLen() + j, kvh * d + c);
                        }
                        out.set(qRow, h * d + c, Rounding.round(acc / sum, dtype));
                    }
                }
            }
        }
        return out;
    }

    private static void check(Matrix m, int rows, int cols, String what) {
        if (m.rows() != rows || m.cols() != cols) {
            throw new IllegalArgumentException("attention: " + what + " is " + m.rows() + "x" + m.cols() + ", expected " + rows + "x" + cols);
        }
    }
}
