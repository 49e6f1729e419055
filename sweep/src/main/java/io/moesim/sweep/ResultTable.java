package io.moesim.sweep;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A sweep's rows in a typed table: index, id, the axes, the metrics, error. Both the CSV and the
 * Parquet writer print this one table, so they cannot disagree on a column's type or order.
 */
public record ResultTable(List<Column> columns, List<List<Object>> rows) {

    /** INT64, DOUBLE or UTF-8 string; a cell is a Long, a Double, a String, or null when optional. */
    public enum Kind { LONG, DOUBLE, STRING }

    public record Column(String name, Kind kind, boolean optional) {
    }

    public ResultTable {
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
    }

    /** @param results every point's result, sorted by index */
    public static ResultTable of(SweepSpec spec, List<PointResult> results) {
        List<String> axes = spec.axisKeys();
        List<String> metrics = new ArrayList<>(spec.metrics());
        if (metrics.isEmpty()) {
            TreeSet<String> all = new TreeSet<>();
            results.forEach(r -> all.addAll(r.metrics().keySet()));
            metrics.addAll(all);
        }
        List<Column> cols = new ArrayList<>();
        cols.add(new Column("index", Kind.LONG, false));
        cols.add(new Column("id", Kind.STRING, false));
        for (String a : axes) {
            boolean optional = results.stream().anyMatch(r -> !r.axes().containsKey(a));
            cols.add(new Column(a, axisKind(a, results), optional));
        }
        for (String m : metrics) {
            cols.add(new Column(m, Kind.DOUBLE, true));
        }
        cols.add(new Column("error", Kind.STRING, true));

        List<List<Object>> rows = new ArrayList<>();
        for (PointResult r : results) {
            List<Object> row = new ArrayList<>(cols.size());
            row.add((long) r.index());
            row.add(r.id());
            for (int i = 0; i < axes.size(); i++) {
                row.add(cell(r.axes().get(axes.get(i)), cols.get(2 + i).kind()));
            }
            for (String m : metrics) {
                row.add(r.metrics().get(m));
            }
            row.add(r.error());
            rows.add(java.util.Collections.unmodifiableList(row));
        }
        return new ResultTable(cols, rows);
    }

    private static Kind axisKind(String axis, List<PointResult> results) {
        boolean allLong = true;
        boolean allNumber = true;
        for (PointResult r : results) {
            Object v = r.axes().get(axis);
            if (v == null) {
                continue; // a point without this key (experiments): an empty cell
            }
            allLong &= v instanceof Long;
            allNumber &= v instanceof Long || v instanceof Double;
        }
        return allLong ? Kind.LONG : allNumber ? Kind.DOUBLE : Kind.STRING;
    }

    private static Object cell(Object v, Kind kind) {
        if (v == null) {
            return null;
        }
        return switch (kind) {
            case LONG -> v;
            case DOUBLE -> ((Number) v).doubleValue();
            case STRING -> v.toString();
        };
    }

    /** The rows as maps of column name to cell, for tests and reports. */
    public List<Map<String, Object>> asMaps() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (List<Object> row : rows) {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                m.put(columns.get(i).name(), row.get(i));
            }
            out.add(m);
        }
        return out;
    }
}
