package io.moesim.validation.compare;

import io.moesim.validation.trace.Split;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Predicted beside measured for a set of rows: per-row errors, MAPE overall, by op kind, by target
 * and by split, the worst rows of each kind, and any calibration. {@link #table()} and
 * {@link #toJson()} are what {@code moesim validate} prints and writes.
 */
public record ValidationReport(String model, String source, List<ComparisonRow> rows, List<KindSummary> kinds,
        List<CalibrationResult> calibrations, List<LinkCalibrationResult> linkCalibrations) {

    public static final List<String> HEADER = List.of("kind", "op", "gpu", "target", "split", "measured_us", "predicted_us", "error_pct", "source");

    public ValidationReport {
        rows = List.copyOf(rows);
        kinds = List.copyOf(kinds);
        calibrations = List.copyOf(calibrations);
        linkCalibrations = List.copyOf(linkCalibrations);
    }

    public double mapePct() {
        return Mape.of(rows);
    }

    public Map<String, Double> mapeByKind() {
        Map<String, Double> out = new LinkedHashMap<>();
        kinds.forEach(k -> out.put(k.kind(), k.mapePct()));
        return out;
    }

    public Map<String, Double> mapeByTarget() {
        Map<String, List<ComparisonRow>> g = new TreeMap<>();
        rows.forEach(r -> g.computeIfAbsent(r.target().isEmpty() ? "(none)" : r.target(), t -> new ArrayList<>()).add(r));
        Map<String, Double> out = new LinkedHashMap<>();
        g.forEach((t, rs) -> out.put(t, Mape.of(rs)));
        return out;
    }

    /** One string row per comparison row, in {@link #HEADER} order. */
    public List<List<String>> table() {
        List<List<String>> out = new ArrayList<>();
        for (ComparisonRow r : rows) {
            out.add(List.of(r.measured().kind(), r.measured().op().text(), r.measured().gpu(), r.target(), r.measured().split().text(),
                    num(r.measured().medianUs()), r.predicted() ? num(r.prediction().us()) : "-",
                    r.predicted() ? String.format(Locale.ROOT, "%+.1f", r.errorPct()) : "no model: " + r.prediction().note(),
                    r.measured().source()));
        }
        return out;
    }

    /** Column names of {@link #summaryTable()}. */
    public static final List<String> SUMMARY_HEADER = List.of("kind", "rows", "predicted", "mape_pct", "worst");

    /** Per-kind summary rows (no header: {@link #SUMMARY_HEADER}): kind, rows, predicted, MAPE %, worst row's op and error. */
    public List<List<String>> summaryTable() {
        List<List<String>> out = new ArrayList<>();
        for (KindSummary k : kinds) {
            String worst = k.worst().isEmpty() ? "-" : k.worst().get(0).measured().op().text()
                    + String.format(Locale.ROOT, " (%+.1f%%)", k.worst().get(0).errorPct());
            out.add(List.of(k.kind(), String.valueOf(k.rows()), String.valueOf(k.predicted()),
                    Double.isNaN(k.mapePct()) ? "-" : String.format(Locale.ROOT, "%.1f", k.mapePct()), worst));
        }
        return out;
    }

    /** The JSON map: {@code model}, {@code mape_pct} (overall, by_kind, by_target, by_target_kind, by_split), {@code worst}, {@code rows}, {@code calibration}. */
    public Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model", model);
        out.put("measurements", source);
        out.put("count", rows.size());
        out.put("predicted", rows.stream().filter(ComparisonRow::predicted).count());
        Map<String, Object> mape = new LinkedHashMap<>();
        mape.put("overall", json(mapePct()));
        Map<String, Object> byKind = new LinkedHashMap<>();
        mapeByKind().forEach((k, v) -> byKind.put(k, json(v)));
        mape.put("by_kind", byKind);
        Map<String, Object> byTarget = new LinkedHashMap<>();
        mapeByTarget().forEach((k, v) -> byTarget.put(k, json(v)));
        mape.put("by_target", byTarget);
        // per target and kind over the rows compared (with --test-only: the held-out figure per GPU and op kind)
        Map<String, Object> byTargetKind = new LinkedHashMap<>();
        for (String t : mapeByTarget().keySet()) {
            Map<String, Object> k = new LinkedHashMap<>();
            Comparison.byKind(rows.stream().filter(r -> (r.target().isEmpty() ? "(none)" : r.target()).equals(t)).toList())
                    .forEach(s -> k.put(s.kind(), json(s.mapePct())));
            byTargetKind.put(t, k);
        }
        mape.put("by_target_kind", byTargetKind);
        Map<String, Object> bySplit = new LinkedHashMap<>();
        for (Split s : Split.values()) {
            bySplit.put(s.text(), json(Mape.of(rows.stream().filter(r -> r.measured().split() == s).toList())));
        }
        mape.put("by_split", bySplit);
        out.put("mape_pct", mape);
        Map<String, Object> worst = new LinkedHashMap<>();
        for (KindSummary k : kinds) {
            worst.put(k.kind(), k.worst().stream().map(ValidationReport::rowJson).toList());
        }
        out.put("worst", worst);
        out.put("rows", rows.stream().map(ValidationReport::rowJson).toList());
        List<Object> cal = new ArrayList<>();
        for (CalibrationResult c : calibrations) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("target", c.target());
            m.put("fitted_rows", c.fittedRows());
            m.put("before", c.before().describe());
            m.put("after", c.after().describe());
            m.put("mape_pct", beforeAfter(c::mape, c::mapeByKind, "by_kind"));
            m.put("yaml", c.yaml());
            cal.add(m);
        }
        out.put("calibration", cal);
        List<Object> links = new ArrayList<>();
        for (LinkCalibrationResult c : linkCalibrations) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("link", c.linkId());
            m.put("fitted_rows", c.fittedRows());
            m.put("before", c.before().describe());
            m.put("after", c.after().describe());
            m.put("overhead_us_by_system", c.overheadNsBySystem().entrySet().stream().collect(java.util.stream.Collectors.toMap(
                    Map.Entry::getKey, e -> e.getValue() / 1000, (a, b) -> a, LinkedHashMap::new)));
            m.put("mape_pct", beforeAfter(c::mape, c::mapeByTarget, "by_target"));
            m.put("yaml", c.yaml());
            links.add(m);
        }
        out.put("link_calibration", links);
        return out;
    }

    private static Map<String, Object> rowJson(ComparisonRow r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", r.measured().kind());
        m.put("op", r.measured().op().text());
        m.put("gpu", r.measured().gpu());
        m.put("target", r.target());
        m.put("split", r.measured().split().text());
        m.put("measured_us", r.measured().medianUs());
        m.put("predicted_us", r.predicted() ? r.prediction().us() : null);
        m.put("error_pct", r.predicted() ? r.errorPct() : null);
        m.put("model", r.prediction().model());
        if (!r.prediction().note().isEmpty()) {
            m.put("note", r.prediction().note());
        }
        m.put("conversion", r.measured().conversion());
        m.put("source", r.measured().source());
        m.put("where", r.measured().where());
        return m;
    }

    private static Object json(double d) {
        return Double.isNaN(d) ? null : Math.round(d * 100.0) / 100.0;
    }

    private static String num(double us) {
        return us >= 100 ? String.format(Locale.ROOT, "%.1f", us) : String.format(Locale.ROOT, "%.3g", us);
    }

    /** A calibration's MAPE per split, before and after, overall and broken down ({@code by}: by_kind, by_target). */
    private static Map<String, Object> beforeAfter(java.util.function.BiFunction<Split, Boolean, Double> mape,
            java.util.function.BiFunction<Split, Boolean, Map<String, Double>> breakdown, String by) {
        Map<String, Object> mp = new LinkedHashMap<>();
        for (Split s : Split.values()) {
            Map<String, Object> ba = new LinkedHashMap<>();
            ba.put("before", json(mape.apply(s, false)));
            ba.put("after", json(mape.apply(s, true)));
            for (boolean calibrated : new boolean[] {false, true}) {
                Map<String, Object> m = new LinkedHashMap<>();
                breakdown.apply(s, calibrated).forEach((k, v) -> m.put(k, json(v)));
                ba.put((calibrated ? "after_" : "before_") + by, m);
            }
            mp.put(s.text(), ba);
        }
        return mp;
    }
}
