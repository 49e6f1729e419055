package io.moesim.validation.reference;

/**
 * The router's choice for each token: {@code experts[t][i]} is token t's i-th expert (best first) and
 * {@code weights[t][i]} its combine weight.
 */
public record RoutingResult(int[][] experts, float[][] weights, int expertCount) {

    /** Tokens each expert received, indexed by expert: the grouped GEMM's group sizes. */
    public int[] tokensPerExpert() {
        int[] counts = new int[expertCount];
        for (int[] row : experts) {
            for (int e : row) {
                counts[e]++;
            }
        }
        return counts;
    }

    public int tokens() {
        return experts.length;
    }

    public int topK() {
        return experts.length == 0 ? 0 : experts[0].length;
    }
}
