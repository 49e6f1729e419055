package io.moesim.compiler.experts;

/**
 * Deterministic local search on a placement: moves one expert to a device with room, or swaps two
 * experts of different devices, while that lowers the objective, or keeps it and lowers the sum of
 * squares of the device loads and pair traffics (a min-max objective has wide plateaus, which that
 * second measure crosses). It gives the integer program a strong starting point; its result is
 * never worse than its start.
 */
final class SwapSearch {
    private static final double EPS = 1e-9;

    private final PlacementProblem p;
    private final int n;
    private final int dn;
    private final double[][] out;
    /** {@code [s][d]}: weight of traffic from device s to device d in the objective (0 on the diagonal). */
    private final double[][] pw;
    private final int[] a;
    private final double[] load;
    private final int[] count;
    /** {@code [s][d]}: traffic from previous-layer device s to device d. */
    private final double[][] t;

    /** {@code [d]}: largest weighted traffic into device d from another device. */
    private final double[] colMax;
    /** Objective and sum of squares of the current placement. */
    private double f0;
    private double q0;

    private SwapSearch(PlacementProblem p, int[] start) {
        this.p = p;
        this.n = p.experts();
        this.dn = p.devices();
        this.out = p.outflow();
        this.pw = new double[dn][dn];
        for (int s = 0; s < dn; s++) {
            for (int d = 0; d < dn; d++) {
                pw[s][d] = s == d || !p.hasTraffic() ? 0 : p.weight(s, d) * p.trafficWeight();
            }
        }
        this.a = start.clone();
        this.load = new double[dn];
        this.count = new int[dn];
        this.t = new double[dn][dn];
        for (int e = 0; e < n; e++) {
            load[a[e]] += p.loads()[e];
            count[a[e]]++;
            for (int s = 0; s < dn; s++) {
                t[s][a[e]] += out[s][e];
            }
        }
        this.colMax = new double[dn];
        double maxL = 0;
        double maxP = 0;
        for (int d = 0; d < dn; d++) {
            maxL = Math.max(maxL, load[d]);
            q0 += load[d] * load[d];
            for (int s = 0; s < dn; s++) {
                double x = t[s][d] * pw[s][d];
                colMax[d] = Math.max(colMax[d], x);
                q0 += x * x;
            }
            maxP = Math.max(maxP, colMax[d]);
        }
        f0 = maxL + maxP;
    }

    /** The improved placement, after at most {@code maxPasses} sweeps over all moves and swaps. */
    static int[] improve(PlacementProblem p, int[] start, int maxPasses) {
        if (p.devices() < 2) {
            return start.clone();
        }
        SwapSearch s = new SwapSearch(p, start);
        for (int pass = 0; pass < maxPasses && s.sweep(); pass++) {
            // each sweep that improved anything is followed by another
        }
        return s.a.clone();
    }

    /** Whether (f, q) is strictly better than the current: a lower objective, or an equal one with lower squares. */
    private boolean better(double f, double q) {
        double tol = EPS * Math.max(1, Math.abs(f0));
        return f < f0 - tol || f <= f0 + tol && q < q0 - EPS * Math.max(1, q0);
    }

    /**
     * Expert e goes from device da to db and, when g ≥ 0, expert g from db to da; done if that is
     * better. Only the two devices' loads and inflows change, so this costs O(devices).
     */
    private boolean tryChange(int e, int g, int da, int db) {
        double dl = p.loads()[e] - (g >= 0 ? p.loads()[g] : 0);
        double la = load[da] - dl;
        double lb = load[db] + dl;
        double maxL = Math.max(la, lb);
        double maxP = 0;
        for (int d = 0; d < dn; d++) {
            if (d != da && d != db) {
                maxL = Math.max(maxL, load[d]);
                maxP = Math.max(maxP, colMax[d]);
            }
        }
        double q = q0 + la * la - load[da] * load[da] + lb * lb - load[db] * load[db];
        double ca = 0;
        double cb = 0;
        for (int s = 0; s < dn; s++) {
            double delta = out[s][e] - (g >= 0 ? out[s][g] : 0);
            double oa = t[s][da] * pw[s][da];
            double ob = t[s][db] * pw[s][db];
            double na = (t[s][da] - delta) * pw[s][da];
            double nb = (t[s][db] + delta) * pw[s][db];
            ca = Math.max(ca, na);
            cb = Math.max(cb, nb);
            q += na * na - oa * oa + nb * nb - ob * ob;
        }
        double f = maxL + Math.max(maxP, Math.max(ca, cb));
        if (!better(f, q)) {
            return false;
        }
        a[e] = db;
        if (g >= 0) {
            a[g] = da;
        } else {
            count[da]--;
            count[db]++;
        }
        load[da] = la;
        load[db] = lb;
        for (int s = 0; s < dn; s++) {
            double delta = out[s][e] - (g >= 0 ? out[s][g] : 0);
            t[s][da] -= delta;
            t[s][db] += delta;
        }
        colMax[da] = ca;
        colMax[db] = cb;
        f0 = f;
        q0 = q;
        return true;
    }

    /** One sweep over every move and swap, applying each that improves; whether any did. */
    private boolean sweep() {
        boolean any = false;
        for (int e = 0; e < n; e++) {
            for (int d = 0; d < dn; d++) {
                if (d != a[e] && count[d] < p.capacity()) {
                    any |= tryChange(e, -1, a[e], d);
                }
            }
        }
        for (int e = 0; e < n; e++) {
            for (int g = e + 1; g < n; g++) {
                if (a[e] != a[g]) {
                    any |= tryChange(e, g, a[e], a[g]);
                }
            }
        }
        return any;
    }
}
