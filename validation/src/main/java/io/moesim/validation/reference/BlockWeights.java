package io.moesim.validation.reference;

import io.moesim.ir.DType;
import java.util.ArrayList;
import java.util.List;

/** Seeded random weights of one block, shared by the reference and the GPU runner so both compute the same function. */
public record BlockWeights(BlockShape shape, float[] norm1, Matrix wq, Matrix wk, Matrix wv, Matrix wo, float[] norm2, Matrix gate,
        List<SwiGluExpert> experts) {

    public static BlockWeights random(BlockShape s, long seed, DType dtype) {
        int h = s.hidden();
        float wScale = (float) (1.0 / Math.sqrt(h));
        float[] n1 = new float[h];
        float[] n2 = new float[h];
        java.util.Arrays.fill(n1, 1f);
        java.util.Arrays.fill(n2, 1f);
        List<SwiGluExpert> ex = new ArrayList<>();
        for (int e = 0; e < s.experts(); e++) {
            ex.add(new SwiGluExpert(Matrix.random(h, s.ffn(), seed + 100 + 3L * e, wScale), Matrix.random(h, s.ffn(), seed + 101 + 3L * e, wScale),
                    Matrix.random(s.ffn(), h, seed + 102 + 3L * e, (float) (1.0 / Math.sqrt(s.ffn()))), dtype));
        }
        return new BlockWeights(s, n1, Matrix.random(h, s.heads() * s.headDim(), seed + 1, wScale),
                Matrix.random(h, s.kvHeads() * s.headDim(), seed + 2, wScale), Matrix.random(h, s.kvHeads() * s.headDim(), seed + 3, wScale),
                Matrix.random(s.heads() * s.headDim(), h, seed + 4, (float) (1.0 / Math.sqrt(s.heads() * s.headDim()))), n2,
                Matrix.random(h, s.experts(), seed + 5, wScale), ex);
    }
}
