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
 * Coefficients are scaled to integers. The greedy placement is the solver's hint, so the result is
 * never worse than greedy. A solve that proves optimality within the limit is deterministic; one cut
 * off by the wall-clock limit may differ between runs (its objective is still never worse than greedy).
 */
public record IlpExpertPlacer(double timeLimitSeconds, long seed) implements ExpertPlacer {
    private static volatile boolean loaded;

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
        ensureLoaded();
        int n = p.experts();
        int dn = p.devices();
        double[][] out = p.outflow();
        double maxCoef = 0;
        for (double l : p.loads()) {
            maxCoef = Math.max(maxCoef, l);
        }
        for (double[] row : out) {
            for (double v : row) {
                maxCoef = Math.max(maxCoef, v * p.trafficWeight() * maxWeight(p));
            }
        }
        // integers: the largest coefficient becomes about 10^6, fine enough and far from overflow
        double scale = maxCoef > 0 ? 1e6 / maxCoef : 1;
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
        IntVar load = m.newIntVar(0, total, "max_load");
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
                    long s = 0;
                    for (int j = 0; j < n; j++) {
                        c[d][d2][j] = Math.round(out[d][j] * p.weight(d, d2) * p.trafficWeight() * scale);
                        s += c[d][d2][j];
                    }
                    cap = Math.max(cap, s);
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
            // devices are interchangeable without traffic: pin the heaviest expert to device 0
            int heaviest = 0;
            for (int e = 1; e < n; e++) {
                if (p.loads()[e] > p.loads()[heaviest]) {
                    heaviest = e;
                }
            }
            m.addEquality(x[heaviest][0], 1);
            greedy = relabel(greedy, greedy[heaviest], 0);
        }
        m.minimize(obj);
        for (int e = 0; e < n; e++) {
            for (int d = 0; d < dn; d++) {
                m.addHint(x[e][d], greedy[e] == d);
            }
        }
        CpSolver s = new CpSolver();
        s.getParameters().setMaxTimeInSeconds(timeLimitSeconds);
        // CP-SAT's portfolio needs about 8 workers to find good solutions and bounds, even on fewer cores
        s.getParameters().setNumWorkers(8);
        s.getParameters().setRandomSeed((int) (seed & 0x7fffffff));
        s.getParameters().setRelativeGapLimit(1e-4);
        CpSolverStatus st = s.solve(m);
        double secs = (System.nanoTime() - t0) / 1e9;
        if (st != CpSolverStatus.OPTIMAL && st != CpSolverStatus.FEASIBLE) {
            return new PlacementResult(greedy, p.objective(greedy), 0, secs, "greedy (solver: " + st.name().toLowerCase() + ")");
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
        double g = p.objective(greedy);
        if (g < exact) {
            // rounding of coefficients can make the solver prefer a placement the exact figures rank lower
            a = greedy;
            exact = g;
        }
        double bound = Math.min(exact, s.bestObjectiveBound() / scale);
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

    /** Swaps two device labels so that a hint agrees with a symmetry-breaking pin. */
    private static int[] relabel(int[] a, int from, int to) {
        int[] b = a.clone();
        for (int e = 0; e < b.length; e++) {
            if (a[e] == from) {
                b[e] = to;
            } else if (a[e] == to) {
                b[e] = from;
            }
        }
        return b;
    }
}
