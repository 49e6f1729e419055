package io.moesim.validation.reference;

import io.moesim.ir.DType;
import java.util.List;

/** One GEMM per group over a token-sorted input: rows of group g times weight g (the IR's grouped_matmul). */
public final class RefGroupedGemm {
    private RefGroupedGemm() {
    }

    public static Matrix run(Matrix x, int[] tokens, List<Matrix> weights, DType dtype) {
        if (tokens.length != weights.size()) {
            throw new IllegalArgumentException("grouped gemm: " + tokens.length + " groups but " + weights.size() + " weights");
        }
        int total = 0;
        for (int t : tokens) {
            total += t;
        }
        if (total != x.rows()) {
            throw new IllegalArgumentException("grouped gemm: tokens sum to " + total + " but x has " + x.rows() + " rows");
        }
        int n = weights.isEmpty() ? 0 : weights.get(0).cols();
        Matrix out = Matrix.zeros(x.rows(), n);
        int row = 0;
        for (int g = 0; g < tokens.length; g++) {
            if (tokens[g] == 0) {
                continue;
            }
            Matrix part = RefGemm.matmul(x.rows(row, row + tokens[g]), weights.get(g), dtype);
            System.arraycopy(part.data(), 0, out.data(), row * n, part.data().length);
            row += tokens[g];
        }
        return out;
    }
}
