package io.moesim.reports;

import java.util.List;

/** Roofs of a system's processors and the ops placed on them. */
public record RooflineData(String system, List<Roof> roofs, List<OpPoint> points) {
    public RooflineData {
        roofs = List.copyOf(roofs);
        points = List.copyOf(points);
    }
}
