package io.moesim.validation.reference;

import io.moesim.ir.DType;
import io.moesim.ir.op.Scoring;

/**
 * The MoE gate: logits = x·W_gate, scored by softmax (Mixtral, Qwen-MoE) or sigmoid (DeepSeek-V3), the
 * top-k experts chosen. Ties go to the lower expert index, so the choice is deterministic and the GPU
 * kernel (which scans experts in index order with a strict greater-than) agrees with it.
 * With {@code renormalize} the selected scores are divided by their sum (Mixtral's softmax over the
 * top-k logits equals the renormalised top-k softmax probabilities).
 */
public final class RefRouter {
    private RefRouter() {
    }

    public static RoutingResult run(Matrix x, Matrix gate, int topK, Scoring scoring, boolean renormalize, DType dtype) {
        // Logits stay fp32 (the GPU's GEMM writes them as fp32): only the inputs are rounded.
        Matrix logits = RefGemm.matmul(x.rounded(dtype), gate.rounded(dtype), DType.FP32);
        return select(logits, topK, scoring, renormalize);
    }

    /** Scores and top-k of precomputed logits {@code [T, experts]}. */
    public static RoutingResult select(Matrix logits, int topK, Scoring scoring, boolean renormalize) {
        int experts = logits.cols();
        if (topK <= 0 || topK > experts) {
            throw new IllegalArgumentException("router: top_k " + topK + " with " + experts + " experts");
        }
        int[][] idx = new int[logits.rows()][topK];
        float[][] w = new float[logits.rows()][topK];
        for (int t = 0; t < logits.rows(); t++) {
            float[] score = scores(logits.row(t), scoring);
            boolean[] taken = new boolean[experts];
            float sum = 0f;
            for (int i = 0; i < topK; i++) {
                int best = -1;
                for (int e = 0; e < experts; e++) {
                    if (!taken[e] && (best < 0 || score[e] > score[best])) {
                        best = e;
                    }
                }
                taken[best] = true;
                idx[t][i] = best;
                w[t][i] = score[best];
                sum += score[best];
            }
            if (renormalize) {
                for (int i = 0; i < topK; i++) {
                    w[t][i] /= sum;
                }
            }
        }
        return new RoutingResult(idx, w, experts);
    }

    static float[] scores(float[] logits, Scoring scoring) {
        float[] s = new float[logits.length];
        if (scoring == Scoring.SIGMOID) {
            for (int i = 0; i < s.length; i++) {
                s[i] = (float) (1.0 / (1.0 + Math.exp(-logits[i])));
            }
            return s;
        }
        return RefSoftmax.row(logits);
    }
}
