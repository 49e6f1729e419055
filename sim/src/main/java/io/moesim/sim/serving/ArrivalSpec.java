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

    /** Open loop: Poisson arrivals at {@code ratePerS} requests per second (exponential gaps, seeded). */
    record Poisson(double ratePerS) implements ArrivalSpec {
        public Poisson {
            if (!(ratePerS > 0) || Double.isInfinite(ratePerS)) {
                throw new IllegalArgumentException("arrival rate must be a finite number > 0, got " + ratePerS);
            }
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
