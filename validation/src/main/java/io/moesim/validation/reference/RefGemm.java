package io.moesim.validation.reference;

import io.moesim.ir.DType;

/**
 * {@code C = A·B}: inputs rounded to the storage dtype, products summed in fp32 in k order (what a
 * tensor core's fp32 accumulator does up to summation order), the result rounded to the dtype.
 */
public final class RefGemm {
    private RefGemm() {
    }

    public static Matrix matmul(Matrix a, Matrix b, DType dtype) {
        if (a.cols() != b.rows()) {
            throw new IllegalArgumentException("matmul: A is " + a.rows() + "x" + a.cols() + ", B is " + b.rows() + "x" + b.cols());
        }
        Matrix ar = a.rounded(dtype);
        Matrix br = b.rounded(dtype);
        int m = a.rows();
        int n = b.cols();
        int k = a.cols();
        float[] c = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float acc = 0f;
                for (int p = 0; p < k; p++) {
                    acc += ar.data()[i * k + p] * br.data()[p * n + j];
                }
                c[i * n + j] = Rounding.round(acc, dtype);
            }
        }
        return new Matrix(m, n, c);
    }
}
