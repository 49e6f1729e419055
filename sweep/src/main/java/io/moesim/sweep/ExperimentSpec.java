package io.moesim.sweep;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An experiment as data ({@link ExperimentSpecs} reads it): the runs of a paper's evaluation, how they pair up into
 * ratios, and the paper's figures to compare with, each with its source. Its runs go to the sweep engine as one sweep
 * ({@link Experiments#sweepSpec}), so an experiment resumes after a kill and runs on Spark like any sweep.
 *
 * @param name     the experiment's name
 * @param file     the file as the user named it, for messages
 * @param title    a title for its report
 * @param paper    the paper it reproduces (a citation)
 * @param source   where its configurations come from
 * @param base     run keys ({@link io.moesim.sim.RunSpec#fromMap}) every run shares
 * @param studies  groups of runs compared with one another, in report order
 * @param figures  the paper's figures, each with its source and, where moesim computes it, the ratio and aggregate
 * @param analyses other analyses run in-process after the runs (not serving runs, not on the sweep engine)
 * @param notes    a report's prose by name (its setup, its gaps, ...), as the file gives it
 */
public record ExperimentSpec(String name, String file, String title, String paper, String source, Map<String, Object> base,
        List<Study> studies, List<Figure> figures, List<Analysis> analyses, Map<String, String> notes) {

    public ExperimentSpec {
        notes = Collections.unmodifiableMap(new LinkedHashMap<>(notes));
        base = Collections.unmodifiableMap(new LinkedHashMap<>(base));
        studies = List.copyOf(studies);
        figures = List.copyOf(figures);
        analyses = List.copyOf(analyses);
    }

    /**
     * Runs compared with one another: each configuration of each setup runs once per role (the role's keys added),
     * and ratios pair a configuration's roles.
     *
     * @param metrics the metrics a report shows per role (a ratio's metric is shown too)
     */
    public record Study(String name, String title, List<String> roles, List<String> metrics, List<Setup> setups, List<Ratio> ratios) {
        public Study {
            roles = List.copyOf(roles);
            metrics = List.copyOf(metrics);
            setups = List.copyOf(setups);
            ratios = List.copyOf(ratios);
        }

        public Setup setup(String name) {
            return setups.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
        }

        public Ratio ratio(String name) {
            return ratios.stream().filter(r -> r.name().equals(name)).findFirst().orElse(null);
        }
    }

    /**
     * One model on its systems: what its runs share, each role's keys, and its configurations (the points, crossed
     * with the axes when both are given, points first).
     */
    public record Setup(String name, Map<String, Object> base, Map<String, Map<String, Object>> roles, List<Map<String, Object>> configurations) {
        public Setup {
            base = Collections.unmodifiableMap(new LinkedHashMap<>(base));
            Map<String, Map<String, Object>> r = new LinkedHashMap<>();
            roles.forEach((k, v) -> r.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
            roles = Collections.unmodifiableMap(r);
            List<Map<String, Object>> c = new ArrayList<>();
            configurations.forEach(m -> c.add(Collections.unmodifiableMap(new LinkedHashMap<>(m))));
            configurations = Collections.unmodifiableList(c);
        }

        /** The run keys of configuration {@code i} in {@code role} (without the experiment's base). */
        public Map<String, Object> runKeys(int i, String role) {
            Map<String, Object> m = new LinkedHashMap<>(base);
            m.putAll(roles.get(role));
            m.putAll(configurations.get(i));
            return m;
        }
    }

    /**
     * A ratio of one metric between two roles of the same configuration: {@code numerator / denominator}, or, as a
     * saving, {@code 1 - numerator / denominator}.
     */
    public record Ratio(String name, String metric, String numerator, String denominator, boolean saving) {
        public double of(double numeratorValue, double denominatorValue) {
            double r = numeratorValue / denominatorValue;
            return saving ? 1 - r : r;
        }
    }

    /** How a figure sums up a ratio over its configurations. */
    public enum Aggregate { MEAN, MAX, MIN }

    /**
     * A figure of the paper. {@code study} is null for a figure moesim does not compute from a ratio (the report
     * shows it, with its source, for the reader to compare by hand).
     *
     * @param paper  the figure as the paper states it ("2.07x", "about 14 requests/s")
     * @param value  the number, where the paper gives one; NaN otherwise
     * @param setups the setups it covers; empty for all of the study's
     */
    public record Figure(String id, String figure, String paper, double value, String source, String study, String ratio, Aggregate aggregate,
            List<String> setups) {
        public Figure {
            setups = List.copyOf(setups);
        }

        public boolean computed() {
            return study != null;
        }
    }

    /** An analysis a report runs itself, by kind (such as {@code decode_utilisation}), with its parameters as given. */
    public record Analysis(String name, String kind, Map<String, Object> params) {
        public Analysis {
            params = Collections.unmodifiableMap(new LinkedHashMap<>(params));
        }
    }

    public Study study(String name) {
        return studies.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
    }

    public Figure figure(String id) {
        return figures.stream().filter(f -> f.id().equals(id)).findFirst().orElse(null);
    }

    /** The note named {@code name}, or null. */
    public String note(String name) {
        return notes.get(name);
    }

    public Analysis analysis(String name) {
        return analyses.stream().filter(a -> a.name().equals(name)).findFirst().orElse(null);
    }
}
