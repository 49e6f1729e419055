package io.moesim.compiler.experts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Tag("slow")
class ExpertPlacementTest {

    /** 6 experts over 3 devices of 2 slots, random skewed loads and transitions from a random previous placement. */
    static PlacementProblem small(long seed, boolean traffic) {
        SplittableRandom r = new SplittableRandom(seed);
        int n = 6;
        double[] loads = new double[n];
        for (int e = 0; e < n; e++) {
            loads[e] = 1 + r.nextInt(100);
        }
        if (!traffic) {
            return PlacementProblem.balance(loads, 3, 2);
        }
        int[] prev = new int[n];
        for (int e = 0; e < n; e++) {
            prev[e] = e % 3;
        }
        double[][] t = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                t[i][j] = r.nextInt(40);
            }
        }
        double[][] w = {{1, 1, 2}, {1, 1, 2}, {2, 2, 1}};
        return new PlacementProblem(loads, 3, 2, prev, t, w, 1.0);
    }

    static double bruteForce(PlacementProblem p) {
        int n = p.experts();
        int[] a = new int[n];
        double best = Double.POSITIVE_INFINITY;
        long total = (long) Math.pow(p.devices(), n);
        for (long code = 0; code < total; code++) {
            long c = code;
            for (int e = 0; e < n; e++) {
                a[e] = (int) (c % p.devices());
                c /= p.devices();
            }
            if (p.feasible(a)) {
                best = Math.min(best, p.objective(a));
            }
        }
        return best;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void ilpEqualsBruteForceAndNeverLosesToGreedy(long seed) {
        for (boolean traffic : new boolean[] {false, true}) {
            PlacementProblem p = small(seed, traffic);
            PlacementResult ilp = new IlpExpertPlacer(10, 0).place(p);
            PlacementResult greedy = new ExpertPlacer.Greedy().place(p);
            assertTrue(p.feasible(ilp.assign()));
            assertTrue(ilp.objective() <= greedy.objective() + 1e-9, "ilp " + ilp.objective() + " greedy " + greedy.objective());
            assertEquals(bruteForce(p), ilp.objective(), 1e-6 * Math.max(1, ilp.objective()), "seed " + seed + " traffic " + traffic);
            assertEquals("optimal", ilp.status());
        }
    }

    /** 48 experts over 4 devices of 12, a synthetic trace's loads and transitions (top-2, so halves). */
    static PlacementProblem medium(long seed) {
        RoutingStats trace = RoutingStats.synthetic(2, 48, 2, 600, 1.0, 0.6, seed);
        int[] prev = new int[48];
        for (int e = 0; e < prev.length; e++) {
            prev[e] = e % 4;
        }
        double[][] w = {{1, 1, 2, 2}, {1, 1, 2, 2}, {2, 2, 1, 1}, {2, 2, 1, 1}};
        return new PlacementProblem(trace.loadsOf(1), 4, 12, prev, trace.transitionsInto(1), w, 1.0);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void swapSearchKeepsCapacityAndNeverLosesToItsStart(long seed) {
        for (PlacementProblem p : new PlacementProblem[] {small(seed, true), small(seed, false), medium(seed)}) {
            int[] start = ExpertPlacer.Greedy.assign(p);
            int[] better = SwapSearch.improve(p, start, 20);
            assertTrue(p.feasible(better));
            assertTrue(p.objective(better) <= p.objective(start) + 1e-9);
        }
    }

    @Test
    void coefficientsAreExactIntegersWhenTheDataAllow() {
        PlacementProblem p = medium(9);
        // loads are token counts and transitions multiples of 1/2; link weights 1 and 2
        assertEquals(2, IlpExpertPlacer.integerScale(p, p.outflow()), 0);
        PlacementProblem q = PlacementProblem.balance(new double[] {Math.PI, Math.E, Math.sqrt(2)}, 2, 2);
        double s = IlpExpertPlacer.integerScale(q, q.outflow());
        assertTrue(s > 1e5, "no small exact factor: scaled to about 10^6, got " + s);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2})
    void ilpOnAMediumInstanceBeatsGreedyWithABound(long seed) {
        PlacementProblem p = medium(seed);
        PlacementResult ilp = new IlpExpertPlacer(2, 0).place(p);
        PlacementResult greedy = new ExpertPlacer.Greedy().place(p);
        assertTrue(p.feasible(ilp.assign()));
        assertTrue(ilp.objective() <= greedy.objective() + 1e-9);
        assertTrue(ilp.bound() > 0 && ilp.bound() <= ilp.objective() + 1e-9, "bound " + ilp.bound() + " objective " + ilp.objective());
    }

    @Test
    void symmetryBreakingKeepsTheHintAPlacementOfTheSameShape() {
        int[] order = {2, 0, 1, 3};
        int[] a = {1, 1, 3, 0};
        int[] c = IlpExpertPlacer.canonical(a, order, 4);
        // expert 2 (heaviest) on device 0, expert 0 on the next device used, expert 1 beside it
        assertEquals(0, c[2]);
        assertEquals(1, c[0]);
        assertEquals(c[0], c[1]);
        assertEquals(2, c[3]);
    }

    @Test
    void greedyBalancesAndRoundRobinIgnoresLoad() {
        PlacementProblem p = PlacementProblem.balance(new double[] {10, 9, 1, 1}, 2, 2);
        assertEquals(11, new ExpertPlacer.Greedy().place(p).objective(), 1e-9);
        assertEquals(11, new ExpertPlacer.RoundRobin().place(p).objective(), 1e-9);
        PlacementProblem q = PlacementProblem.balance(new double[] {10, 1, 9, 1}, 2, 2);
        assertEquals(19, new ExpertPlacer.RoundRobin().place(q).objective(), 1e-9);
        assertEquals(11, new ExpertPlacer.Greedy().place(q).objective(), 1e-9);
    }

    @Test
    void syntheticTraceIsSeededAndConservesTokens() {
        RoutingStats a = RoutingStats.synthetic(3, 16, 2, 500, 1.0, 0.5, 42);
        RoutingStats b = RoutingStats.synthetic(3, 16, 2, 500, 1.0, 0.5, 42);
        for (int l = 0; l < 3; l++) {
            assertEquals(1000, java.util.Arrays.stream(a.loadsOf(l)).sum(), 1e-9);
            assertTrue(java.util.Arrays.equals(a.loadsOf(l), b.loadsOf(l)));
        }
        double moved = 0;
        for (double[] row : a.transitionsInto(1)) {
            moved += java.util.Arrays.stream(row).sum();
        }
        assertEquals(1000, moved, 1e-6, "each token's k x k pairs count 1/k");
    }

    @Test
    void readsTheExampleTrace() {
        RoutingStats s = RoutingStats.read(java.nio.file.Path.of("../traces/routing/example-mixtral-8x7b.trace"));
        assertEquals(8, s.experts());
        assertEquals(2, s.layers());
        assertEquals(16, java.util.Arrays.stream(s.loadsOf(0)).sum(), 1e-9);
        assertEquals(32, java.util.Arrays.stream(s.loadsOf(1)).sum(), 1e-9);
        long[] t = RoutingStats.apportion(s.loadsOf(1), 10);
        assertEquals(10, java.util.Arrays.stream(t).sum());
    }
}
