package io.moesim.sim.serving;

import java.nio.file.Path;
import java.util.List;

/** How requests arrive. */
public sealed interface ArrivalSpec permits ArrivalSpec.Closed, ArrivalSpec.Poisson, ArrivalSpec.Trace {

    /** Closed loop: {@code concurrency} requests in the system; each completion lets the next one in at once. */
    record Closed(int concurrency) implements ArrivalSpec {
        public Closed {
            if (concurrency < 1) {
                throw new IllegalArgumentException("closed loop needs at least 1 concurrent request, got " + concurrency);
            }
        }
    }

    /**
     * Open loop: Poisson arrivals at {@code ratePerS} requests per second (exponential gaps, seeded), the gaps drawn by
     * {@code gaps}.
     */
    record Poisson(double ratePerS, PoissonGaps gaps) implements ArrivalSpec {
        public Poisson {
            if (!(ratePerS > 0) || Double.isInfinite(ratePerS)) {
                throw new IllegalArgumentException("arrival rate must be a finite number > 0, got " + ratePerS);
            }
            java.util.Objects.requireNonNull(gaps, "gaps");
        }

        /** Gaps from moesim's own seeded stream. */
        public Poisson(double ratePerS) {
            this(ratePerS, PoissonGaps.MOESIM);
        }
    }

    /** Which generator draws a Poisson run's gaps (the run's seed seeds either). */
    enum PoissonGaps {
        /** moesim's own stream (SplittableRandom); the first request after one gap. */
        MOESIM,
        /**
         * numpy's legacy global generator, as vLLM's and SGLang's serving benchmarks draw theirs ({@link NumpyLegacyRandom}):
         * the first request at t = 0, each next one after the next gap, so a run at their seed has their arrival times.
         */
        NUMPY;

        /** {@code moesim} or {@code numpy}; anything else is an error naming the choices. */
        public static PoissonGaps parse(String s) {
            return switch (s == null ? "" : s.strip().toLowerCase(java.util.Locale.ROOT)) {
                case "moesim" -> MOESIM;
                case "numpy" -> NUMPY;
                default -> throw new IllegalArgumentException("unknown Poisson gaps '" + s + "' (expected moesim or numpy)");
            };
        }

        /** {@link #parse}, its error one line starting with {@code where} (a flag, a key, a file and key). */
        public static PoissonGaps parse(String s, String where) {
            try {
                return parse(s);
            } catch (IllegalArgumentException e) {
                throw new io.moesim.ir.MoesimException(where + ": " + e.getMessage());
            }
        }

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** Replay of a file of "arrival_s L_in L_out" lines (sorted by arrival on reading); it fixes lengths too. */
    record Trace(Path file, double[] arrivalS, int[] in, int[] out) implements ArrivalSpec {
        public static Trace read(Path file) {
            List<Rows.Row> rows = Rows.read(file, 3);
            Integer[] order = new Integer[rows.size()];
            double[] t = new double[rows.size()];
            for (int i = 0; i < rows.size(); i++) {
                order[i] = i;
                t[i] = rows.get(i).seconds(0);
            }
            java.util.Arrays.sort(order, (a, b) -> t[a] != t[b] ? Double.compare(t[a], t[b]) : Integer.compare(a, b));
            double[] at = new double[rows.size()];
            int[] in = new int[rows.size()];
            int[] out = new int[rows.size()];
            for (int i = 0; i < order.length; i++) {
                Rows.Row r = rows.get(order[i]);
                at[i] = t[order[i]];
                in[i] = r.length(1);
                out[i] = r.length(2);
            }
            return new Trace(file, at, in, out);
        }
    }
}
