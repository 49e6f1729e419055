package io.moesim.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The comparison an experiment produces, as Markdown and as JSON: per study one row per configuration (each role's
 * metrics, the ratios), per setup each ratio's mean and best, and the paper's figures beside moesim's, each with its
 * source. Holds no wall times or dates, so the same results give the same bytes.
 */
public final class ExperimentReport {
    /** The Markdown and JSON files an experiment writes into its output folder. */
    public static final String MARKDOWN = "experiment.md";
    public static final String JSON = "experiment.json";

    private ExperimentReport() {
    }

    public static String markdown(ExperimentResults r) {
        ExperimentSpec e = r.spec();
        StringBuilder d = new StringBuilder();
        d.append("# ").append(e.title()).append("\n\n");
        d.append("Paper: ").append(e.paper()).append(".\nConfigurations: ").append(e.source()).append(".\nExperiment file: `")
                .append(e.file()).append("`, ").append(r.runs()).append(" distinct serving runs on the sweep engine.\n");
        for (ExperimentSpec.Study s : e.studies()) {
            d.append("\n## ").append(s.title()).append("\n\n");
            List<String> keys = configurationKeys(s);
            List<String> metrics = metrics(s);
            d.append("| setup | ");
            keys.forEach(k -> d.append(k).append(" | "));
            for (String role : s.roles()) {
                metrics.forEach(m -> d.append(role).append(' ').append(m).append(" | "));
            }
            s.ratios().forEach(x -> d.append(x.name()).append(" | "));
            d.setLength(d.length() - 1);
            d.append('\n').append("|---".repeat(1 + keys.size() + s.roles().size() * metrics.size() + s.ratios().size())).append("|\n");
            List<ExperimentResults.Row> rows = r.rows(s);
            for (ExperimentResults.Row row : rows) {
                d.append("| ").append(row.setup().name()).append(" | ");
                keys.forEach(k -> d.append(cell(row.configuration().get(k))).append(" | "));
                for (String role : s.roles()) {
                    metrics.forEach(m -> d.append(number(row.role(role).get(m))).append(" | "));
                }
                s.ratios().forEach(x -> d.append(ratio(x, row.ratio(x.name()))).append(" | "));
                d.setLength(d.length() - 1);
                d.append('\n');
            }
            if (!s.ratios().isEmpty()) {
                d.append("\n| setup | configurations | ");
                s.ratios().forEach(x -> d.append(x.name()).append(" mean | ").append(x.name()).append(" best | "));
                d.setLength(d.length() - 1);
                d.append('\n').append("|---".repeat(2 + 2 * s.ratios().size())).append("|\n");
                for (ExperimentSpec.Setup st : s.setups()) {
                    List<ExperimentResults.Row> l = rows.stream().filter(x -> x.setup() == st).toList();
                    d.append("| ").append(st.name()).append(" | ").append(l.size()).append(" | ");
                    for (ExperimentSpec.Ratio x : s.ratios()) {
                        List<Double> v = l.stream().map(row -> row.ratio(x.name())).toList();
                        d.append(ratio(x, ExperimentResults.aggregate(ExperimentSpec.Aggregate.MEAN, v))).append(" | ")
                                .append(ratio(x, ExperimentResults.aggregate(ExperimentSpec.Aggregate.MAX, v))).append(" | ");
                    }
                    d.setLength(d.length() - 1);
                    d.append('\n');
                }
            }
        }
        if (!e.figures().isEmpty()) {
            d.append("\n## Beside the paper\n\n| figure | paper | moesim | how moesim computes it | source |\n|---|---|---|---|---|\n");
            for (ExperimentSpec.Figure f : e.figures()) {
                String how = "-";
                String val = "-";
                if (f.computed()) {
                    ExperimentSpec.Ratio x = e.study(f.study()).ratio(f.ratio());
                    how = f.aggregate().name().toLowerCase(Locale.ROOT) + " of " + f.study() + "." + f.ratio()
                            + (f.setups().isEmpty() ? "" : " over " + String.join(", ", f.setups()));
                    val = ratio(x, r.value(f));
                }
                d.append("| ").append(f.figure()).append(" | ").append(f.paper()).append(" | ").append(val).append(" | ").append(how)
                        .append(" | ").append(f.source()).append(" |\n");
            }
        }
        return d.toString();
    }

    /** The same as JSON: studies with their rows, and the figures with paper and moesim values. */
    public static String json(ExperimentResults r) {
        ExperimentSpec e = r.spec();
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("experiment", e.name());
        root.put("title", e.title());
        root.put("paper", e.paper());
        root.put("source", e.source());
        root.put("file", e.file());
        root.put("runs", r.runs());
        List<Object> studies = new ArrayList<>();
        for (ExperimentSpec.Study s : e.studies()) {
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("name", s.name());
            sm.put("title", s.title());
            sm.put("roles", s.roles());
            List<Object> rows = new ArrayList<>();
            for (ExperimentResults.Row row : r.rows(s)) {
                Map<String, Object> rm = new LinkedHashMap<>();
                rm.put("setup", row.setup().name());
                rm.put("configuration", row.configuration());
                Map<String, Object> roles = new LinkedHashMap<>();
                for (String role : s.roles()) {
                    Map<String, Object> keep = new LinkedHashMap<>();
                    keep.put("run", row.setup().runKeys(row.index(), role));
                    Map<String, Object> mm = new LinkedHashMap<>();
                    metrics(s).forEach(m -> mm.put(m, jsonNumber(row.role(role).get(m))));
                    keep.put("metrics", mm);
                    roles.put(role, keep);
                }
                rm.put("roles", roles);
                Map<String, Object> ratios = new LinkedHashMap<>();
                row.ratios().forEach((k, v) -> ratios.put(k, jsonNumber(v)));
                rm.put("ratios", ratios);
                rows.add(rm);
            }
            sm.put("rows", rows);
            studies.add(sm);
        }
        root.put("studies", studies);
        List<Object> figures = new ArrayList<>();
        for (ExperimentSpec.Figure f : e.figures()) {
            Map<String, Object> fm = new LinkedHashMap<>();
            fm.put("id", f.id());
            fm.put("figure", f.figure());
            fm.put("paper", f.paper());
            fm.put("paper_value", jsonNumber(f.value()));
            fm.put("source", f.source());
            if (f.computed()) {
                fm.put("study", f.study());
                fm.put("ratio", f.ratio());
                fm.put("aggregate", f.aggregate().name().toLowerCase(Locale.ROOT));
                fm.put("setups", f.setups());
                fm.put("moesim", jsonNumber(r.value(f)));
            }
            figures.add(fm);
        }
        root.put("figures", figures);
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(root) + "\n";
        } catch (JsonProcessingException ex) {
            throw new SweepException("cannot write the experiment's JSON: " + ex.getMessage(), ex);
        }
    }

    private static Object jsonNumber(Double v) {
        return v == null || !Double.isFinite(v) ? null : v;
    }

    /** The configuration keys of a study's rows, in the order first seen. */
    private static List<String> configurationKeys(ExperimentSpec.Study s) {
        LinkedHashSet<String> k = new LinkedHashSet<>();
        s.setups().forEach(st -> st.configurations().forEach(c -> k.addAll(c.keySet())));
        return new ArrayList<>(k);
    }

    /** The study's metrics and its ratios' metrics. */
    private static List<String> metrics(ExperimentSpec.Study s) {
        LinkedHashSet<String> m = new LinkedHashSet<>(s.metrics());
        s.ratios().forEach(x -> m.add(x.metric()));
        return new ArrayList<>(m);
    }

    private static String cell(Object v) {
        return v == null ? "-" : v.toString();
    }

    private static String number(Double v) {
        if (v == null || Double.isNaN(v)) {
            return "-";
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.1f" : a >= 1 ? "%.3f" : "%.4g", v);
    }

    private static String ratio(ExperimentSpec.Ratio x, double v) {
        if (Double.isNaN(v)) {
            return "-";
        }
        return x.saving() ? String.format(Locale.ROOT, "%.2f%%", 100 * v) : String.format(Locale.ROOT, "%.2fx", v);
    }
}
