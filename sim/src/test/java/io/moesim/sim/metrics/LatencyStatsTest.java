package io.moesim.sim.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class LatencyStatsTest {

    @Test
    void percentilesAreNearestRankOverAllSamples() {
        long[] v = new long[100];
        for (int i = 0; i < 100; i++) {
            v[i] = (100 - i) * 1_000_000_000L; // 100 ms .. 1 ms, unsorted
        }
        LatencyStats s = LatencyStats.ofPicoseconds(v, 100);
        assertEquals(50.0, s.p50Ms());
        assertEquals(90.0, s.p90Ms());
        assertEquals(99.0, s.p99Ms());
        assertEquals(100.0, s.maxMs());
        assertEquals(50.5, s.meanMs(), 1e-9);
        long[] three = {3, 1, 2};
        assertEquals(2, LatencyStats.percentile(sorted(three), 3, 50));
        assertEquals(3, LatencyStats.percentile(three, 3, 99));
        assertEquals(LatencyStats.EMPTY, LatencyStats.ofPicoseconds(new long[0], 0));
    }

    private static long[] sorted(long[] a) {
        java.util.Arrays.sort(a);
        return a;
    }
}
