package io.moesim.compiler.experts;

import io.moesim.compiler.CompilerException;
import io.moesim.ir.MoesimException;
import io.moesim.ir.model.RoutingTrace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * Expert routing statistics of a model's MoE layers, what expert placement optimises against:
 * per layer the tokens each expert received, and between consecutive layers how many tokens went
 * from expert i of one layer to expert j of the next (MoETuner's transition matrix).
 *
 * @param loads       per MoE layer, token copies per expert
 * @param transitions per MoE layer l (l + 1 < layers), {@code [i][j]} = tokens that chose i in layer l
 *                    and j in layer l + 1; null where the trace does not say (counts-only layers)
 */
public record RoutingStats(int experts, int topK, List<double[]> loads, List<double[][]> transitions) {

    public RoutingStats {
        loads = List.copyOf(loads);
        transitions = java.util.Collections.unmodifiableList(new ArrayList<>(transitions));
        for (double[] l : loads) {
            if (l.length != experts) {
                throw new IllegalArgumentException("a layer lists " + l.length + " experts, expected " + experts);
            }
        }
    }

    public int layers() {
        return loads.size();
    }

    /** Loads of MoE layer {@code l}, cycling when the model has more MoE layers than the trace. */
    public double[] loadsOf(int l) {
        return loads.get(l % layers());
    }

    /** Transitions into MoE layer {@code l} from layer l − 1; null for the first layer or where unknown. */
    public double[][] transitionsInto(int l) {
        int k = l % layers();
        if (k == 0 || k - 1 >= transitions.size()) {
            return null;
        }
        return transitions.get(k - 1);
    }

    /**
     * Reads a {@code moesim-routing v1} trace (traces/README.md). The file is first checked by the
     * IR's reader; transitions come from {@code token} lines, the i-th token line of a layer and the
     * i-th of the next being the same token (each of its top_k × top_k expert pairs counts 1/top_k).
     */
    public static RoutingStats read(Path file) {
        RoutingTrace trace;
        try {
            trace = RoutingTrace.read(file);
        } catch (MoesimException e) {
            throw new CompilerException("place-experts", e.getMessage());
        }
        Map<Integer, List<int[]>> tokens = new TreeMap<>();
        try {
            for (String line : io.moesim.ir.io.TextFiles.read(file).lines().toList()) {
                String t = line.trim();
                if (t.startsWith("token ")) {
                    String[] f = t.split("\\s+");
                    int layer = Integer.parseInt(f[1]);
                    int[] choice = new int[f.length - 2];
                    for (int i = 2; i < f.length; i++) {
                        choice[i - 2] = Integer.parseInt(f[i]);
                    }
                    tokens.computeIfAbsent(layer, k -> new ArrayList<>()).add(choice);
                }
            }
        } catch (MoesimException e) {
            throw new CompilerException("place-experts", e.getMessage());
        }
        List<Integer> ids = trace.layerIds();
        List<double[]> loads = new ArrayList<>();
        for (int id : ids) {
            long[] c = trace.layers().get(id);
            double[] d = new double[c.length];
            for (int e = 0; e < c.length; e++) {
                d[e] = c[e];
            }
            loads.add(d);
        }
        List<double[][]> trans = new ArrayList<>();
        for (int k = 0; k + 1 < ids.size(); k++) {
            List<int[]> a = tokens.get(ids.get(k));
            List<int[]> b = tokens.get(ids.get(k + 1));
            trans.add(a == null || b == null ? null : transitions(a, b, trace.experts(), trace.topK()));
        }
        return new RoutingStats(trace.experts(), trace.topK(), loads, trans);
    }

    private static double[][] transitions(List<int[]> from, List<int[]> to, int experts, int topK) {
        double[][] t = new double[experts][experts];
        int n = Math.min(from.size(), to.size());
        for (int k = 0; k < n; k++) {
            for (int i : from.get(k)) {
                for (int j : to.get(k)) {
                    t[i][j] += 1.0 / topK;
                }
            }
        }
        return t;
    }

    /**
     * A seeded synthetic trace with skew and layer-to-layer affinity, for benchmarks when no real
     * trace exists: expert popularity is Zipf(skew) under a per-layer random permutation, and a token
     * that chose expert i picks, with probability {@code affinity}, its next-layer experts among i's
     * few "successors" (MoETuner observes such concentrated transitions), otherwise by popularity.
     */
    public static RoutingStats synthetic(int layers, int experts, int topK, int tokens, double skew, double affinity, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[][] cdf = new double[layers][experts];
        int[][] perm = new int[layers][];
        for (int l = 0; l < layers; l++) {
            perm[l] = permutation(experts, rnd);
            double sum = 0;
            for (int r = 0; r < experts; r++) {
                sum += 1.0 / Math.pow(r + 1, skew);
                cdf[l][r] = sum;
            }
            for (int r = 0; r < experts; r++) {
                cdf[l][r] /= sum;
            }
        }
        int successors = Math.max(topK, 4);
        int[][][] next = new int[layers][experts][successors];
        for (int l = 0; l + 1 < layers; l++) {
            for (int i = 0; i < experts; i++) {
                for (int s = 0; s < successors; s++) {
                    next[l][i][s] = rnd.nextInt(experts);
                }
            }
        }
        List<double[]> loads = new ArrayList<>();
        List<double[][]> trans = new ArrayList<>();
        for (int l = 0; l < layers; l++) {
            loads.add(new double[experts]);
            if (l + 1 < layers) {
                trans.add(new double[experts][experts]);
            }
        }
        for (int t = 0; t < tokens; t++) {
            int[] prev = null;
            for (int l = 0; l < layers; l++) {
                int[] choice = new int[topK];
                for (int c = 0; c < topK; c++) {
                    int e;
                    do {
                        if (prev != null && rnd.nextDouble() < affinity) {
                            e = next[l - 1][prev[rnd.nextInt(topK)]][rnd.nextInt(successors)];
                        } else {
                            e = perm[l][rank(cdf[l], rnd.nextDouble())];
                        }
                    } while (contains(choice, c, e));
                    choice[c] = e;
                    loads.get(l)[e] += 1;
                }
                if (prev != null) {
                    for (int i : prev) {
                        for (int j : choice) {
                            trans.get(l - 1)[i][j] += 1.0 / topK;
                        }
                    }
                }
                prev = choice;
            }
        }
        return new RoutingStats(experts, topK, loads, trans);
    }

    private static boolean contains(int[] a, int n, int v) {
        for (int i = 0; i < n; i++) {
            if (a[i] == v) {
                return true;
            }
        }
        return false;
    }

    private static int rank(double[] cdf, double u) {
        int lo = 0;
        int hi = cdf.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cdf[mid] < u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static int[] permutation(int n, SplittableRandom rnd) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** Integer copies summing to {@code total} in proportion to {@code loads}: largest remainder, ties to the lower expert. */
    public static long[] apportion(double[] loads, long total) {
        double sum = 0;
        for (double d : loads) {
            sum += d;
        }
        long[] out = new long[loads.length];
        double[] rem = new double[loads.length];
        long given = 0;
        for (int e = 0; e < loads.length; e++) {
            double exact = sum == 0 ? (double) total / loads.length : loads[e] / sum * total;
            out[e] = (long) Math.floor(exact);
            rem[e] = exact - out[e];
            given += out[e];
        }
        Integer[] order = new Integer[loads.length];
        for (int e = 0; e < order.length; e++) {
            order[e] = e;
        }
        java.util.Arrays.sort(order, (a, b) -> rem[a] != rem[b] ? Double.compare(rem[b], rem[a]) : Integer.compare(a, b));
        for (int k = 0; given < total; k = (k + 1) % order.length) {
            out[order[k]]++;
            given++;
        }
        return out;
    }
}
