package io.moesim.validation.reference;

import io.moesim.ir.DType;
import java.util.List;

/**
 * An MoE layer as the IR lowers it: router → dispatch (token copies sorted by expert, stable in
 * token order) → each expert on its rows → combine (each token's outputs summed with its weights).
 */
public final class RefMoeLayer {
    private RefMoeLayer() {
    }

    /** The layer's output and what happened inside it, for tests and for the GPU runner's group sizes. */
    public record Result(Matrix output, RoutingResult routing, int[] dispatchOrder) {
    }

    public static Result run(Matrix x, RoutingResult routing, List<? extends Expert> experts, DType dtype) {
        if (routing.tokens() != x.rows()) {
            throw new IllegalArgumentException("moe: routing has " + routing.tokens() + " tokens, x has " + x.rows());
        }
        if (experts.size() != routing.expertCount()) {
            throw new IllegalArgumentException("moe: routing has " + routing.expertCount() + " experts, " + experts.size() + " given");
        }
        int[] order = dispatchOrder(routing);
        int[] counts = routing.tokensPerExpert();
        int h = x.cols();
        float[] outAcc = new float[x.rows() * h];
        int pos = 0;
        for (int e = 0; e < experts.size(); e++) {
            if (counts[e] == 0) {
                continue;
            }
            Matrix in = Matrix.zeros(counts[e], h);
            for (int r = 0; r < counts[e]; r++) {
                int token = order[pos + r] / routing.topK();
                System.arraycopy(x.data(), token * h, in.data(), r * h, h);
            }
            Matrix y = experts.get(e).apply(in);
            for (int r = 0; r < counts[e]; r++) {
                int slot = order[pos + r];
                int token = slot / routing.topK();
                float w = routing.weights()[token][slot % routing.topK()];
                for (int c = 0; c < h; c++) {
                    outAcc[token * h + c] += w * y.get(r, c);
                }
            }
            pos += counts[e];
        }
        return new Result(new Matrix(x.rows(), h, Rounding.round(outAcc, dtype)), routing, order);
    }

    /**
     * Dispatch order: the (token, slot) pairs, encoded token·topK + slot, sorted by expert and, within
     * an expert, by token: a counting sort, so it is stable and deterministic.
     */
    public static int[] dispatchOrder(RoutingResult routing) {
        int[] counts = routing.tokensPerExpert();
        int[] start = new int[counts.length];
        for (int e = 1; e < counts.length; e++) {
            start[e] = start[e - 1] + counts[e - 1];
        }
        int k = routing.topK();
        int[] order = new int[routing.tokens() * k];
        for (int t = 0; t < routing.tokens(); t++) {
            for (int i = 0; i < k; i++) {
                order[start[routing.experts()[t][i]]++] = t * k + i;
            }
        }
        return order;
    }
}
