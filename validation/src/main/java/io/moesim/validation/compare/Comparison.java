package io.moesim.validation.compare;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.Targets;
import io.moesim.ir.MoesimException;
import io.moesim.validation.trace.Measurement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Predicts every measured row on its target and summarises the errors by op kind. */
public final class Comparison {
    /** Rows listed as the worst of each kind. */
    public static final int WORST = 3;

    private Comparison() {
    }

    /**
     * @param targetOverride a target id or file for every row, or null to use each row's own {@code target}
     * @param sets           {@code --set} overrides applied to the targets
     */
    public static List<ComparisonRow> compare(List<Measurement> rows, String targetOverride, List<String> sets, Predictor predictor) {
        Map<String, DeviceSpec> devices = new HashMap<>();
        List<ComparisonRow> out = new ArrayList<>();
        for (Measurement m : rows) {
            String target = targetOverride != null ? targetOverride : m.target();
            if (target.isEmpty()) {
                out.add(new ComparisonRow(m, "", Prediction.none(predictor.name(), "row names no target and none was given")));
                continue;
            }
            DeviceSpec d = devices.computeIfAbsent(target, t -> Targets.load(t, sets));
            Prediction p;
            try {
                p = predictor.predict(m, d);
            } catch (MoesimException | IllegalArgumentException e) {
                p = Prediction.none(predictor.name(), e.getMessage());
            }
            out.add(new ComparisonRow(m, target, p));
        }
        return out;
    }

    /** Per-kind summaries, kinds in name order. */
    public static List<KindSummary> byKind(List<ComparisonRow> rows) {
        Map<String, List<ComparisonRow>> groups = new TreeMap<>();
        for (ComparisonRow r : rows) {
            groups.computeIfAbsent(r.measured().kind(), k -> new ArrayList<>()).add(r);
        }
        List<KindSummary> out = new ArrayList<>();
        groups.forEach((kind, rs) -> {
            List<ComparisonRow> worst = rs.stream().filter(ComparisonRow::predicted)
                    .sorted(Comparator.comparingDouble(ComparisonRow::absErrorPct).reversed()).limit(WORST).toList();
            int predicted = (int) rs.stream().filter(ComparisonRow::predicted).count();
            out.add(new KindSummary(kind, rs.size(), predicted, Mape.of(rs), worst));
        });
        return out;
    }
}
