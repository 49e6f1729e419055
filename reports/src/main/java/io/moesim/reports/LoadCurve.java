package io.moesim.reports;

import java.util.Comparator;
import java.util.List;

/** One system's throughput and latency over request rates, ordered by request rate. */
public record LoadCurve(String system, List<LoadPoint> points) {
    public LoadCurve {
        points = points.stream().sorted(Comparator.comparingDouble(LoadPoint::requestRate)).toList();
    }
}
