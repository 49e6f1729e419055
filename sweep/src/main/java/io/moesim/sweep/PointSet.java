package io.moesim.sweep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Expands a spec into its points: the Cartesian product (last axis fastest) or the explicit list. */
public final class PointSet {
    private PointSet() {
    }

    public static List<SweepPoint> expand(SweepSpec spec) {
        List<SweepPoint> out = new ArrayList<>();
        if (!spec.points().isEmpty()) {
            for (Map<String, Object> p : spec.points()) {
                out.add(new SweepPoint(out.size(), SweepPoint.idOf(p), p));
            }
            return List.copyOf(out);
        }
        List<String> keys = List.copyOf(spec.axes().keySet());
        int[] digit = new int[keys.size()];
        while (true) {
            Map<String, Object> p = new LinkedHashMap<>();
            for (int i = 0; i < keys.size(); i++) {
                p.put(keys.get(i), spec.axes().get(keys.get(i)).get(digit[i]));
            }
            out.add(new SweepPoint(out.size(), SweepPoint.idOf(p), p));
            int i = keys.size() - 1;
            while (i >= 0 && ++digit[i] == spec.axes().get(keys.get(i)).size()) {
                digit[i] = 0;
                i--;
            }
            if (i < 0) {
                return List.copyOf(out);
            }
        }
    }
}
