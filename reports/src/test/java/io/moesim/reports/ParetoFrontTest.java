package io.moesim.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ParetoFrontTest {
    private static SweepTable table(double[][] xy) {
        List<SweepRow> rows = new ArrayList<>();
        for (int i = 0; i < xy.length; i++) {
            rows.add(new SweepRow(List.of("p" + i), List.of(xy[i][0], xy[i][1])));
        }
        return new SweepTable("t.csv", List.of("point"), List.of("thr", "lat"), rows);
    }

    private static final ParetoSpec MAX_MIN = new ParetoSpec("thr", ParetoSpec.Direction.MAXIMIZE, "lat", ParetoSpec.Direction.MINIMIZE);

    @Test
    void handComputedFrontMaxThroughputMinLatency() {
        // (thr, lat). By hand: p0 (10,1) best latency; p2 (20,2); p4 (40,5) best throughput.
        // p1 (10,3) is dominated by p0; p3 (15,4) by p2; p5 (40,6) by p4; p6 (NaN) is out.
        SweepTable t = table(new double[][] {{10, 1}, {10, 3}, {20, 2}, {15, 4}, {40, 5}, {40, 6}, {Double.NaN, 0.1}});
        assertEquals(List.of(0, 2, 4), ParetoFront.of(t, MAX_MIN));
    }

    @Test
    void directionsMatter() {
        SweepTable t = table(new double[][] {{10, 1}, {10, 3}, {20, 2}, {15, 4}, {40, 5}, {40, 6}});
        // Both minimised: only (10,1) survives.
        assertEquals(List.of(0), ParetoFront.of(t, new ParetoSpec("thr", ParetoSpec.Direction.MINIMIZE, "lat", ParetoSpec.Direction.MINIMIZE)));
        // Both maximised: (40,6) dominates everything.
        assertEquals(List.of(5), ParetoFront.of(t, new ParetoSpec("thr", ParetoSpec.Direction.MAXIMIZE, "lat", ParetoSpec.Direction.MAXIMIZE)));
    }

    @Test
    void equalPointsAreAllKeptAndOrderedByX() {
        SweepTable t = table(new double[][] {{30, 2}, {5, 1}, {30, 2}});
        assertEquals(List.of(1, 0, 2), ParetoFront.of(t, MAX_MIN));
    }

    @Test
    void unknownMetricNamesTheFile() {
        ReportException e = assertThrows(ReportException.class,
                () -> ParetoFront.of(table(new double[][] {{1, 1}}), new ParetoSpec("nope", ParetoSpec.Direction.MAXIMIZE, "lat",
                        ParetoSpec.Direction.MINIMIZE)));
        assertEquals("t.csv: no metric column 'nope' (metrics: thr, lat)", e.getMessage());
    }

    @Test
    void sampleSweepFrontIsNonDominated() {
        SweepTable t = SampleData.sweep();
        List<Integer> front = ParetoFront.of(t,
                new ParetoSpec("throughput_tokens_per_s", ParetoSpec.Direction.MAXIMIZE, "tbt_p90_ms", ParetoSpec.Direction.MINIMIZE));
        assertEquals(false, front.isEmpty());
        for (int i : front) {
            for (int j = 0; j < t.rows().size(); j++) {
                double xi = t.rows().get(i).metrics().get(0);
                double yi = t.rows().get(i).metrics().get(1);
                double xj = t.rows().get(j).metrics().get(0);
                double yj = t.rows().get(j).metrics().get(1);
                boolean dominates = xj >= xi && yj <= yi && (xj > xi || yj < yi);
                assertEquals(false, dominates, "row " + j + " dominates front row " + i);
            }
        }
    }
}
