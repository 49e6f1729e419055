package io.moesim.validation.reference;

import io.moesim.ir.DType;

/** RMSNorm over each row: {@code y = x / sqrt(mean(x²) + eps) · w}, fp32 math. */
public final class RefRmsNorm {
    private RefRmsNorm() {
    }

    public static Matrix run(Matrix x, float[] weight, float eps, DType dtype) {
        if (weight.length != x.cols()) {
            throw new IllegalArgumentException("rms_norm: weight has " + weight.length + " values, rows have " + x.cols());
        }
        Matrix xr = x.rounded(dtype);
        float[] w = Rounding.round(weight, dtype);
        Matrix out = Matrix.zeros(x.rows(), x.cols());
        for (int r = 0; r < x.rows(); r++) {
            float ss = 0f;
            for (int c = 0; c < x.cols(); c++) {
                float v = xr.get(r, c);
                ss += v * v;
            }
            float inv = (float) (1.0 / Math.sqrt(ss / x.cols() + eps));
            for (int c = 0; c < x.cols(); c++) {
                out.set(r, c, Rounding.round(xr.get(r, c) * inv * w[c], dtype));
            }
        }
        return out;
    }
}
