package io.moesim.ir.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * How tokens are spread over experts, giving per-expert token counts that sum to exactly
 * T·top_k. Parsed from {@code uniform}, {@code zipf:S} or {@code trace:FILE}.
 */
public sealed interface Routing permits Routing.Uniform, Routing.Zipf, Routing.Trace, Routing.Fixed {

    /** Per-expert token copies for {@code tokens} tokens, summing to tokens·topK. */
    long[] counts(int experts, int topK, long tokens, long seed);

    /** As evenly as possible; the remainder goes one each to the lowest-numbered experts. */
    record Uniform() implements Routing {
        @Override
        public long[] counts(int experts, int topK, long tokens, long seed) {
            check(experts, topK, tokens);
            long total = Math.multiplyExact(tokens, (long) topK);
            long[] c = new long[experts];
            Arrays.fill(c, total / experts);
            for (int e = 0; e < total % experts; e++) {
                c[e]++;
            }
            return c;
        }

        @Override
        public String toString() {
            return "uniform";
        }
    }

    /**
     * Skewed, seeded: the experts are put in a random order (from the seed) and expert at rank r
     * (1-based) gets weight 1/r^s; each token draws top_k distinct experts from these weights.
     */
    record Zipf(double s) implements Routing {
        public Zipf {
            if (!(s >= 0) || Double.isInfinite(s)) {
                throw new ModelException("routing zipf: exponent must be a finite number >= 0, got " + s);
            }
        }

        @Override
        public long[] counts(int experts, int topK, long tokens, long seed) {
            check(experts, topK, tokens);
            SplittableRandom rnd = new SplittableRandom(seed);
            int[] perm = new int[experts];
            for (int i = 0; i < experts; i++) {
                perm[i] = i;
            }
            for (int i = experts - 1; i > 0; i--) {
                int j = rnd.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            double[] w = new double[experts];
            for (int r = 0; r < experts; r++) {
                w[r] = Math.pow(r + 1, -s);
            }
            double[] cdf = new double[experts];
            double acc = 0;
            for (int r = 0; r < experts; r++) {
                acc += w[r];
                cdf[r] = acc;
            }
            long[] c = new long[experts];
            boolean[] taken = new boolean[experts];
            int[] picked = new int[topK];
            long drawn = Math.min(tokens, MAX_SAMPLED_TOKENS);
            for (long t = 0; t < drawn; t++) {
                for (int k = 0; k < topK; k++) {
                    int r = topK * 2 <= experts ? rejectionDraw(rnd, w, cdf, acc, taken) : scanDraw(rnd, w, taken);
                    taken[r] = true;
                    picked[k] = r;
                    c[perm[r]]++;
                }
                for (int k = 0; k < topK; k++) {
                    taken[picked[k]] = false;
                }
            }
            if (drawn < tokens) {
                // more tokens than are worth drawing one by one (a prefill of 10^10 tokens took hours): the
                // shares of 2^20 drawn tokens, scaled to the total (their sampling error is about 0.1%)
                double[] share = new double[experts];
                for (int e = 0; e < experts; e++) {
                    share[e] = c[e];
                }
                return apportion(share, Math.multiplyExact(tokens, (long) topK));
            }
            return c;
        }

        /** Tokens drawn one by one at most; a larger count is scaled from this sample. */
        static final long MAX_SAMPLED_TOKENS = 1L << 20;

        /**
         * Redraws before the exact draw takes over: with a steep exponent (zipf:50 gives rank 2 a weight
         * of 2^-50) a redraw after the top rank is taken almost never lands elsewhere, and an unbounded
         * loop spun forever.
         */
        static final int MAX_REDRAWS = 64;

        // few picks among many experts: draw from the full distribution, redraw on a repeat
        private static int rejectionDraw(SplittableRandom rnd, double[] w, double[] cdf, double total, boolean[] taken) {
            for (int attempt = 0; attempt < MAX_REDRAWS; attempt++) {
                double u = rnd.nextDouble() * total;
                int i = Arrays.binarySearch(cdf, u);
                int r = i >= 0 ? Math.min(i + 1, cdf.length - 1) : -i - 1;
                r = Math.min(r, cdf.length - 1);
                if (!taken[r]) {
                    return r;
                }
            }
            return scanDraw(rnd, w, taken);
        }

        // many picks: draw from the weights of the experts not yet taken
        private static int scanDraw(SplittableRandom rnd, double[] w, boolean[] taken) {
            double total = 0;
            for (int r = 0; r < w.length; r++) {
                total += taken[r] ? 0 : w[r];
            }
            if (!(total > 0)) {
                // every weight left underflowed to 0 (a huge exponent): the limit of Zipf as s grows
                // picks the ranks in order, so take the most popular one not yet taken
                for (int r = 0; r < w.length; r++) {
                    if (!taken[r]) {
                        return r;
                    }
                }
            }
            double u = rnd.nextDouble() * total;
            int last = -1;
            for (int r = 0; r < w.length; r++) {
                if (!taken[r]) {
                    last = r;
                    u -= w[r];
                    if (u < 0) {
                        return r;
                    }
                }
            }
            return last;
        }

        @Override
        public String toString() {
            return "zipf:" + s;
        }
    }

    /** The load shares of a recorded trace (see {@link RoutingTrace#representativeCounts}). */
    record Trace(Path file, RoutingTrace trace) implements Routing {
        public static Trace load(Path file) {
            return new Trace(file, RoutingTrace.read(file));
        }

        @Override
        public long[] counts(int experts, int topK, long tokens, long seed) {
            check(experts, topK, tokens);
            if (trace.experts() != experts || trace.topK() != topK) {
                throw new ModelException(file + ": trace has " + trace.experts() + " experts, top_k " + trace.topK() + "; the model has " + experts
                        + " experts, top_k " + topK);
            }
            return trace.representativeCounts(tokens);
        }

        @Override
        public String toString() {
            return "trace:" + file;
        }
    }

    /**
     * Exactly these per-expert copies (a batch whose routing is known ahead, e.g. pre-gated): valid only for
     * as many experts and tokens·top_k copies as it holds. Not parsed from text; built by the simulator.
     */
    record Fixed(it.unimi.dsi.fastutil.longs.LongImmutableList copies) implements Routing {
        @Override
        public long[] counts(int experts, int topK, long tokens, long seed) {
            check(experts, topK, tokens);
            long sum = 0;
            for (int e = 0; e < copies.size(); e++) {
                sum += copies.getLong(e);
            }
            if (copies.size() != experts || sum != Math.multiplyExact(tokens, (long) topK)) {
                throw new ModelException("fixed routing of " + copies.size() + " experts and " + sum + " copies does not fit " + experts + " experts, "
                        + tokens + " tokens, top_k " + topK);
            }
            return copies.toLongArray();
        }

        @Override
        public String toString() {
            return "fixed" + copies;
        }
    }

    Uniform UNIFORM = new Uniform();

    /** Parses {@code uniform}, {@code zipf:S} or {@code trace:FILE} (a trace file is read now). */
    static Routing parse(String spec) {
        String s = spec == null ? "" : spec.strip();
        String lower = s.toLowerCase(Locale.ROOT);
        if (lower.equals("uniform")) {
            return UNIFORM;
        }
        if (lower.startsWith("zipf:")) {
            try {
                return new Zipf(Double.parseDouble(s.substring(5)));
            } catch (NumberFormatException e) {
                throw new ModelException("routing '" + spec + "': zipf needs a number, e.g. zipf:1.2");
            }
        }
        if (lower.startsWith("trace:") && s.length() > 6) {
            return Trace.load(Path.of(s.substring(6)));
        }
        throw new ModelException("unknown routing '" + spec + "' (expected uniform, zipf:S or trace:FILE)");
    }

    private static void check(int experts, int topK, long tokens) {
        if (experts <= 0 || topK <= 0 || topK > experts || tokens < 0) {
            throw new ModelException("routing: bad arguments: experts " + experts + ", top_k " + topK + ", tokens " + tokens);
        }
    }

    /**
     * Splits {@code total} into integer parts proportional to {@code weights} by largest remainder
     * (ties to the lower index); the parts sum to exactly {@code total}.
     */
    static long[] apportion(double[] weights, long total) {
        double sum = 0;
        for (double w : weights) {
            sum += w;
        }
        long[] out = new long[weights.length];
        double[] frac = new double[weights.length];
        long given = 0;
        for (int i = 0; i < weights.length; i++) {
            double q = sum == 0 ? (double) total / weights.length : total * weights[i] / sum;
            out[i] = (long) Math.floor(q + 1e-9);
            frac[i] = q - out[i];
            given += out[i];
        }
        Integer[] order = new Integer[weights.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> frac[a] != frac[b] ? Double.compare(frac[b], frac[a]) : Integer.compare(a, b));
        for (int i = 0; given < total; i = (i + 1) % order.length) {
            out[order[i]]++;
            given++;
        }
        for (int i = order.length - 1; given > total; i = (i + order.length - 1) % order.length) {
            if (out[order[i]] > 0) {
                out[order[i]]--;
                given--;
            }
        }
        return out;
    }
}
