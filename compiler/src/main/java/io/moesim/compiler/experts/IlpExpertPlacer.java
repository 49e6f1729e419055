package io.moesim.compiler.experts;

import com.google.ortools.Loader;
import com.google.ortools.sat.CpModel;
import com.google.ortools.sat.CpSolver;
import com.google.ortools.sat.CpSolverStatus;
import com.google.ortools.sat.IntVar;
import com.google.ortools.sat.LinearExpr;
import com.google.ortools.sat.LinearExprBuilder;
import com.google.ortools.sat.Literal;
import java.io.File;

/**
 * The placement integer program on OR-Tools CP-SAT (MoETuner's formulation, one layer given the
 * previous): booleans x[e][d]; each expert on one device; at most capacity experts per device;
 * L ≥ load of every device; M ≥ weighted traffic of every ordered device pair; minimise L + w·M.
 *
 * <p>What makes it solve well: coefficients are exact integers where the data allow (token counts,
 * transitions in multiples of 1/top_k), so the objective and its bound are exact; the solver starts
 * from greedy improved by a local search of moves and swaps ({@link SwapSearch}), which on its own
 * lands within a fraction of a percent of the bound, so the solver spends its time on the bound;
 * without traffic, where devices are interchangeable, the k-th heaviest expert may only use the
 * first k devices (symmetry breaking). The result is never worse than that start, hence never
 * worse than greedy. The time limit covers the whole placement, loading the natives included. A
 * solve that proves optimality within the limit is deterministic; one cut off by the wall-clock
 * limit may differ between runs (its objective is still never worse than the start).
 */
public record IlpExpertPlacer(double timeLimitSeconds, long seed) implements ExpertPlacer {
    private static volatile boolean loaded;
    /** Sweeps of the local search that builds the start (each O(experts² · devices)); 256 × 8 settles in a few. */
    private static final int SEARCH_PASSES = 20;
    /** Largest integer factor tried to make the coefficients exact. */
    private static final int MAX_EXACT_SCALE = 720;
    /**
     * CP-SAT workers: its portfolio needs about 8 to reach good bounds, even on 2 cores (on 256 × 8
     * with transitions, 2 and 4 workers left gaps of 0.30–0.46% where 8 left 0.29–0.30% in 5 s).
     */
    private static final int WORKERS = 8;

    /** Loads the OR-Tools natives once (they unpack into java.io.tmpdir, which must exist). */
    public static synchronized void ensureLoaded() {
        if (loaded) {
            return;
        }
        File tmp = new File(System.getProperty("java.io.tmpdir"));
        if (!tmp.isDirectory() && !tmp.mkdirs()) {
            throw new IllegalStateException("cannot create java.io.tmpdir " + tmp);
        }
        Loader.loadNativeLibraries();
        loaded = true;
    }

    @Override
    public PlacementResult place(PlacementProblem p) {
        long t0 = System.nanoTime();
        int[] greedy = ExpertPlacer.Greedy.assign(p);
        if (p.devices() == 1) {
            return new PlacementResult(greedy, p.objective(greedy), p.objective(greedy), 0, "optimal");
        }
        // a strong start: the solver's hint, and the fallback should the solver find nothing better
        int[] start = SwapSearch.improve(p, greedy, SEARCH_PASSES);
        if (p.objective(greedy) < p.objective(start)) {
            start = greedy;
        }
        ensureLoaded();
        int n = p.experts();
        int dn = p.devices();
        double[][] out = p.outflow();
        double scale = integerScale(p, out);
        CpModel m = new CpModel();
        Literal[][] x = new Literal[n][dn];
        for (int e = 0; e < n; e++) {
            for (int d = 0; d < dn; d++) {
                x[e][d] = m.newBoolVar("x_" + e + "_" + d);
            }
            m.addExactlyOne(x[e]);
        }
        long total = 0;
        long[] w = new long[n];
        for (int e = 0; e < n; e++) {
            w[e] = Math.round(p.loads()[e] * scale);
            total += w[e];
        }
        // the busiest device carries at least the average: a bound the LP knows, stated for the search too
        IntVar load = m.newIntVar(ceilDiv(total, dn), total, "max_load");
        for (int d = 0; d < dn; d++) {
            LinearExprBuilder cnt = LinearExpr.newBuilder();
            LinearExprBuilder l = LinearExpr.newBuilder();
            for (int e = 0; e < n; e++) {
                cnt.add(x[e][d]);
                l.addTerm(x[e][d], w[e]);
            }
            m.addLessOrEqual(cnt, p.capacity());
            l.addTerm(load, -1);
            m.addLessOrEqual(l, 0);
        }
        LinearExprBuilder obj = LinearExpr.newBuilder().add(load);
        IntVar pair = null;
        if (p.hasTraffic()) {
            long cap = 0;
            long[][][] c = new long[dn][dn][n];
            for (int d = 0; d < dn; d++) {
                for (int d2 = 0; d2 < dn; d2++) {
                    if (d == d2) {
                        continue;
                    }
                    long sum = 0;
                    for (int j = 0; j < n; j++) {
                        c[d][d2][j] = Math.round(out[d][j] * p.weight(d, d2) * p.trafficWeight() * scale);
                        sum += c[d][d2][j];
                    }
                    cap = Math.max(cap, sum);
                }
            }
            pair = m.newIntVar(0, cap, "max_pair");
            for (int d = 0; d < dn; d++) {
                for (int d2 = 0; d2 < dn; d2++) {
                    if (d == d2) {
                        continue;
                    }
                    LinearExprBuilder t = LinearExpr.newBuilder();
                    for (int j = 0; j < n; j++) {
                        if (c[d][d2][j] != 0) {
                            t.addTerm(x[j][d2], c[d][d2][j]);
                        }
                    }
                    t.addTerm(pair, -1);
                    m.addLessOrEqual(t, 0);
                }
            }
            obj.add(pair);
        } else {
            // devices are interchangeable without traffic: number them by first use in order of load,
            // so the k-th heaviest expert sits on one of the first k devices
            int[] order = byLoad(p);
            for (int k = 0; k < n; k++) {
                for (int d = k + 1; d < dn; d++) {
                    m.addEquality(x[order[k]][d], 0);
                }
            }
            start = canonical(start, order, dn);
        }
        m.minimize(obj);
        for (int e = 0; e < n; e++) {
            for (int d = 0; d < dn; d++) {
                m.addHint(x[e][d], start[e] == d);
            }
        }
        long hintLoad = 0;
        long[] dl = new long[dn];
        for (int e = 0; e < n; e++) {
            dl[start[e]] += w[e];
        }
        for (long v : dl) {
            hintLoad = Math.max(hintLoad, v);
        }
        m.addHint(load, Math.max(hintLoad, ceilDiv(total, dn)));
        if (pair != null) {
            m.addHint(pair, hintPair(p, out, start, scale));
        }
        CpSolver s = new CpSolver();
        // the limit covers the whole placement, loading the natives and the start included
        // (less a margin for the solver's stop and the read-back)
        double left = timeLimitSeconds * 0.98 - (System.nanoTime() - t0) / 1e9;
        s.getParameters().setMaxTimeInSeconds(Math.max(0.05, left));
        s.getParameters().setNumWorkers(WORKERS);
        s.getParameters().setRandomSeed((int) (seed & 0x7fffffff));
        s.getParameters().setRelativeGapLimit(1e-4);
        CpSolverStatus st = s.solve(m);
        double secs = (System.nanoTime() - t0) / 1e9;
        // without the solver's bound: the busiest device carries at least the average and the heaviest expert
        double floor = 0;
        double sum = 0;
        for (double l : p.loads()) {
            floor = Math.max(floor, l);
            sum += l;
        }
        floor = Math.max(floor, sum / dn);
        if (st != CpSolverStatus.OPTIMAL && st != CpSolverStatus.FEASIBLE) {
            double f = p.objective(start);
            // a start that meets the floor is optimal whatever the solver managed
            return new PlacementResult(start, f, Math.min(f, floor), secs,
                    f <= floor * (1 + 1e-12) ? "optimal" : "heuristic (solver: " + st.name().toLowerCase() + ")");
        }
        int[] a = new int[n];
        for (int e = 0; e < n; e++) {
            for (int d = 0; d < dn; d++) {
                if (s.booleanValue(x[e][d])) {
                    a[e] = d;
                }
            }
        }
        double exact = p.objective(a);
        double g = p.objective(start);
        if (g < exact) {
            // rounding of coefficients can make the solver prefer a placement the exact figures rank lower
            a = start;
            exact = g;
        }
        double bound = Math.min(exact, Math.max(floor, s.bestObjectiveBound() / scale));
        return new PlacementResult(a, exact, bound, secs, st == CpSolverStatus.OPTIMAL ? "optimal" : "feasible");
    }

    private static double maxWeight(PlacementProblem p) {
        double w = 1;
        for (int d = 0; d < p.devices(); d++) {
            for (int e = 0; e < p.devices(); e++) {
                if (d != e) {
                    w = Math.max(w, p.weight(d, e));
                }
            }
        }
        return w;
    }

    /**
     * A factor that makes every load and weighted outflow an integer, so the program is exact (token
     * counts are integers and transitions multiples of 1/top_k); else one that brings the largest
     * coefficient to about 10^6, fine enough and far from overflow.
     */
    static double integerScale(PlacementProblem p, double[][] out) {
        double maxCoef = 0;
        for (double l : p.loads()) {
            maxCoef = Math.max(maxCoef, l);
        }
        double mw = maxWeight(p);
        for (double[] row : out) {
            for (double v : row) {
                maxCoef = Math.max(maxCoef, v * p.trafficWeight() * mw);
            }
        }
        if (maxCoef <= 0) {
            return 1;
        }
        for (int k = 1; k <= MAX_EXACT_SCALE && k * maxCoef * p.experts() < 1e12; k++) {
            if (allIntegral(p, out, k)) {
                return k;
            }
        }
        return 1e6 / maxCoef;
    }

    private static boolean allIntegral(PlacementProblem p, double[][] out, double k) {
        for (double l : p.loads()) {
            if (!integral(l * k)) {
                return false;
            }
        }
        if (!p.hasTraffic()) {
            return true;
        }
        for (int d = 0; d < p.devices(); d++) {
            for (int d2 = 0; d2 < p.devices(); d2++) {
                if (d == d2) {
                    continue;
                }
                double f = p.weight(d, d2) * p.trafficWeight() * k;
                for (double v : out[d]) {
                    if (!integral(v * f)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private static boolean integral(double v) {
        return Math.abs(v - Math.rint(v)) <= 1e-9 * Math.max(1, Math.abs(v));
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    /** The scaled largest pair traffic of a placement, as the program computes it. */
    private static long hintPair(PlacementProblem p, double[][] out, int[] a, double scale) {
        int dn = p.devices();
        long best = 0;
        for (int d = 0; d < dn; d++) {
            for (int d2 = 0; d2 < dn; d2++) {
                if (d == d2) {
                    continue;
                }
                long sum = 0;
                for (int j = 0; j < a.length; j++) {
                    if (a[j] == d2) {
                        sum += Math.round(out[d][j] * p.weight(d, d2) * p.trafficWeight() * scale);
                    }
                }
                best = Math.max(best, sum);
            }
        }
        return best;
    }

    /** Experts by descending load, ties by index. */
    private static int[] byLoad(PlacementProblem p) {
        double[] w = p.loads();
        return java.util.stream.IntStream.range(0, p.experts()).boxed()
                .sorted((x, y) -> w[x] != w[y] ? Double.compare(w[y], w[x]) : Integer.compare(x, y)).mapToInt(Integer::intValue).toArray();
    }

    /** Relabels devices in order of first use along {@code order}, which the symmetry breaking requires of a hint. */
    static int[] canonical(int[] a, int[] order, int devices) {
        int[] label = new int[devices];
        java.util.Arrays.fill(label, -1);
        int next = 0;
        for (int e : order) {
            if (label[a[e]] < 0) {
                label[a[e]] = next++;
            }
        }
        for (int d = 0; d < devices; d++) {
            if (label[d] < 0) {
                label[d] = next++;
            }
        }
        int[] b = new int[a.length];
        for (int e = 0; e < a.length; e++) {
            b[e] = label[a[e]];
        }
        return b;
    }
}
