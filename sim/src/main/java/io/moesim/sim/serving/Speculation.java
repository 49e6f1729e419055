package io.moesim.sim.serving;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Speculative decoding: each decode step proposes {@code k} tokens per sequence, the target model
 * verifies them in one pass over k + 1 query tokens per sequence (a decode-shaped pass: the decode kernels
 * on k + 1 query rows, each sequence's KV read once; {@link BatchSignature#decodeQuery}), and the sequence keeps the accepted
 * prefix of the proposal plus one token of its own (the verifier's correction or bonus token).
 *
 * <p>{@code acceptance[i]} is the probability that proposed token i + 1 is accepted given that the
 * ones before it were (a fixed rate is the same figure at every position), so a step emits
 * 1 + Σ_i Π_{j ≤ i} acceptance[j] tokens on average. Each step draws k uniforms per sequence from the
 * sequence's own seeded stream, whatever the rates: with the same seed, a higher rate accepts at
 * least as many tokens at every step.
 *
 * <p>The proposer's cost: {@link Method#MTP} runs one extra transformer layer per proposed token
 * (DeepSeek-V3's multi-token-prediction module: one layer and the shared head, DeepSeek-V3 technical
 * report, arXiv 2412.19437, section 2.2), taken as 1/L of the target's decode step; {@link Method#DRAFT}
 * runs k decode steps of a second, small model on the same devices.
 *
 * @param draftModel the draft model's name for {@link Method#DRAFT}, null for MTP
 */
public record Speculation(Method method, int k, double[] acceptance, String draftModel) {
    /** How proposals are made. */
    public enum Method { MTP, DRAFT }

    /** The longest proposal accepted (the verifier's query grows with k). */
    public static final int MAX_K = 16;

    public Speculation {
        if (k < 1 || k > MAX_K) {
            throw new IllegalArgumentException("speculation: k must be in 1.." + MAX_K + ", got " + k);
        }
        if (acceptance.length != k) {
            throw new IllegalArgumentException("speculation: give one acceptance rate, or one per proposed position (" + k + "), got "
                    + acceptance.length);
        }
        for (double a : acceptance) {
            if (!(a >= 0 && a <= 1)) {
                throw new IllegalArgumentException("speculation: acceptance rates must be in [0, 1], got " + a);
            }
        }
        if ((method == Method.DRAFT) != (draftModel != null)) {
            throw new IllegalArgumentException("speculation: a draft model goes with draft speculation only");
        }
        acceptance = acceptance.clone();
    }

    /**
     * Parses {@code --spec-accept}: one rate ("0.8") for every position, or a comma list of k conditional rates.
     */
    public static double[] parseAcceptance(String text, int k) {
        String[] parts = text.split(",");
        double[] a = new double[parts.length == 1 ? k : parts.length];
        try {
            for (int i = 0; i < a.length; i++) {
                a[i] = Double.parseDouble(parts[parts.length == 1 ? 0 : i].strip());
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("speculation: acceptance '" + text + "' is not a number or a comma list of numbers");
        }
        return a;
    }

    /** Accepted proposals of one step: the leading positions whose uniform falls below their rate (k draws always). */
    public int draw(SplittableRandom r) {
        int accepted = 0;
        boolean going = true;
        for (int i = 0; i < k; i++) {
            double u = r.nextDouble();
            if (going && u < acceptance[i]) {
                accepted++;
            } else {
                going = false;
            }
        }
        return accepted;
    }

    /** Expected tokens per step: 1 + Σ_i Π_{j ≤ i} a_j. */
    public double expectedTokensPerStep() {
        double p = 1;
        double sum = 1;
        for (double a : acceptance) {
            p *= a;
            sum += p;
        }
        return sum;
    }

    public String describe() {
        return (method == Method.MTP ? "mtp" : "draft:" + draftModel) + " k=" + k + " acceptance=" + Arrays.toString(acceptance).replace(" ", "");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Speculation s && s.method == method && s.k == k && Arrays.equals(s.acceptance, acceptance)
                && java.util.Objects.equals(s.draftModel, draftModel);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(method, k, Arrays.hashCode(acceptance), draftModel);
    }

    @Override
    public String toString() {
        return describe().toLowerCase(Locale.ROOT);
    }
}
