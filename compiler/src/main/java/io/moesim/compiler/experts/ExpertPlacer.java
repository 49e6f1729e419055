package io.moesim.compiler.experts;

import io.moesim.compiler.CompileOptions.ExpertPlacement;
import java.util.Arrays;

/** The expert placement policies: round-robin, greedy load balance, and the integer program. */
public sealed interface ExpertPlacer permits ExpertPlacer.RoundRobin, ExpertPlacer.Greedy, IlpExpertPlacer {

    PlacementResult place(PlacementProblem p);

    static ExpertPlacer of(ExpertPlacement policy, double timeLimitSeconds, long seed) {
        return switch (policy) {
            case RR -> new RoundRobin();
            case GREEDY -> new Greedy();
            case ILP -> new IlpExpertPlacer(timeLimitSeconds, seed);
        };
    }

    /** Expert e on device e mod D (Duplex's layout; blind to load). */
    record RoundRobin() implements ExpertPlacer {
        @Override
        public PlacementResult place(PlacementProblem p) {
            long t0 = System.nanoTime();
            int[] a = new int[p.experts()];
            for (int e = 0; e < a.length; e++) {
                a[e] = e % p.devices();
            }
            return new PlacementResult(a, p.objective(a), 0, (System.nanoTime() - t0) / 1e9, "heuristic");
        }
    }

    /** Largest load first, each to the least-loaded device with room (ties: lowest index). */
    record Greedy() implements ExpertPlacer {
        @Override
        public PlacementResult place(PlacementProblem p) {
            long t0 = System.nanoTime();
            int[] a = assign(p);
            return new PlacementResult(a, p.objective(a), 0, (System.nanoTime() - t0) / 1e9, "heuristic");
        }

        static int[] assign(PlacementProblem p) {
            int n = p.experts();
            Integer[] order = new Integer[n];
            for (int e = 0; e < n; e++) {
                order[e] = e;
            }
            double[] w = p.loads();
            Arrays.sort(order, (x, y) -> w[x] != w[y] ? Double.compare(w[y], w[x]) : Integer.compare(x, y));
            double[] load = new double[p.devices()];
            int[] count = new int[p.devices()];
            int[] a = new int[n];
            for (int e : order) {
                int best = -1;
                for (int d = 0; d < p.devices(); d++) {
                    if (count[d] < p.capacity() && (best < 0 || load[d] < load[best])) {
                        best = d;
                    }
                }
                a[e] = best;
                load[best] += w[e];
                count[best]++;
            }
            return a;
        }
    }
}
