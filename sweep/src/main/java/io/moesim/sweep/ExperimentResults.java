package io.moesim.sweep;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An experiment's stored rows paired up: per study, one {@link Row} per configuration with every role's metrics and
 * the study's ratios; and each paper figure's moesim value.
 *
 * @param byId    the sweep's rows by point id
 * @param outcome what the sweep did (points run, resumed, wall time)
 */
public record ExperimentResults(ExperimentSpec spec, Map<String, PointResult> byId, SweepOutcome outcome) {

    public ExperimentResults {
        byId = Collections.unmodifiableMap(new LinkedHashMap<>(byId));
    }

    /** One configuration of a setup: its keys, each role's metrics, the ratios. */
    public record Row(ExperimentSpec.Setup setup, int index, Map<String, Object> configuration, Map<String, Map<String, Double>> roles,
            Map<String, Double> ratios) {
        public Map<String, Double> role(String r) {
            return roles.get(r);
        }

        public double ratio(String name) {
            return ratios.get(name);
        }
    }

    /** The metrics of one run; a failed run is an error naming it. */
    public Map<String, Double> metrics(ExperimentSpec.Setup st, int config, String role) {
        Map<String, Object> keys = st.runKeys(config, role);
        PointResult p = byId.get(SweepPoint.idOf(keys));
        if (p == null) {
            throw new SweepException(spec.file() + ": no stored result for " + keys);
        }
        if (p.failed()) {
            throw new SweepException(spec.file() + ": the run " + keys + " failed: " + p.error());
        }
        return p.metrics();
    }

    /** A study's rows: setups in order, configurations in order. */
    public List<Row> rows(ExperimentSpec.Study s) {
        List<Row> out = new ArrayList<>();
        for (ExperimentSpec.Setup st : s.setups()) {
            for (int c = 0; c < st.configurations().size(); c++) {
                Map<String, Map<String, Double>> roles = new LinkedHashMap<>();
                for (String role : s.roles()) {
                    roles.put(role, metrics(st, c, role));
                }
                Map<String, Double> ratios = new LinkedHashMap<>();
                for (ExperimentSpec.Ratio r : s.ratios()) {
                    ratios.put(r.name(), r.of(value(roles.get(r.numerator()), r.metric(), st, c, r.numerator()),
                            value(roles.get(r.denominator()), r.metric(), st, c, r.denominator())));
                }
                out.add(new Row(st, c, st.configurations().get(c), roles, ratios));
            }
        }
        return out;
    }

    private double value(Map<String, Double> m, String metric, ExperimentSpec.Setup st, int c, String role) {
        Double v = m.get(metric);
        if (v == null) {
            throw new SweepException(spec.file() + ": setup " + st.name() + " configuration " + c + " role " + role + " has no metric '" + metric
                    + "' (it has " + String.join(", ", new java.util.TreeSet<>(m.keySet())) + ")");
        }
        return v;
    }

    /** The rows of a study in the given setups (all when empty). */
    public List<Row> rows(ExperimentSpec.Study s, List<String> setups) {
        return rows(s).stream().filter(r -> setups.isEmpty() || setups.contains(r.setup().name())).toList();
    }

    /** A figure's moesim value: its ratio aggregated over its rows; NaN for a figure moesim does not compute or with no rows. */
    public double value(ExperimentSpec.Figure f) {
        if (!f.computed()) {
            return Double.NaN;
        }
        List<Double> v = rows(spec.study(f.study()), f.setups()).stream().map(r -> r.ratio(f.ratio())).toList();
        return aggregate(f.aggregate(), v);
    }

    /** Mean, max or min; NaN for no values. */
    public static double aggregate(ExperimentSpec.Aggregate a, List<Double> v) {
        if (v.isEmpty()) {
            return Double.NaN;
        }
        return switch (a) {
            case MEAN -> v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
            case MAX -> v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
            case MIN -> v.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        };
    }

    /** The number of distinct runs (sweep points). */
    public int runs() {
        return byId.size();
    }
}
