package io.moesim.reports;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything one report shows. Sections without data are left out of the page with a line
 * saying what input would fill them. Build with {@link #titled} and the {@code with...} methods.
 *
 * @param metadata ordered key/value lines shown under the title (model, seed, ...); no timestamps,
 *                 so the same data gives the same bytes
 * @param trace    a Perfetto / Chrome trace-event file to link to, relative to the report folder
 *                 where possible
 */
public record ReportData(
        String title,
        Map<String, String> metadata,
        List<RunSummary> runs,
        List<RooflineData> rooflines,
        List<Breakdown> breakdowns,
        List<Utilisation> utilisation,
        Optional<LoadData> load,
        Optional<SweepSection> sweep,
        Optional<Path> trace) {

    public ReportData {
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        runs = List.copyOf(runs);
        rooflines = List.copyOf(rooflines);
        breakdowns = List.copyOf(breakdowns);
        utilisation = List.copyOf(utilisation);
    }

    public static ReportData titled(String title) {
        return new ReportData(title, Map.of(), List.of(), List.of(), List.of(), List.of(), Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    public ReportData withMetadata(Map<String, String> m) {
        return new ReportData(title, m, runs, rooflines, breakdowns, utilisation, load, sweep, trace);
    }

    public ReportData withRuns(List<RunSummary> r) {
        return new ReportData(title, metadata, r, rooflines, breakdowns, utilisation, load, sweep, trace);
    }

    /** Adds one system's roofline (a comparison has one per system, in the order added). */
    public ReportData withRoofline(RooflineData r) {
        List<RooflineData> all = new java.util.ArrayList<>(rooflines);
        all.add(r);
        return new ReportData(title, metadata, runs, all, breakdowns, utilisation, load, sweep, trace);
    }

    /** Adds the per-layer breakdown of one system's iteration (unnamed: a report of one system). */
    public ReportData withBreakdown(List<LayerTimes> b) {
        return withBreakdown("", b);
    }

    /** Adds the per-layer breakdown of the named system's iteration. */
    public ReportData withBreakdown(String system, List<LayerTimes> b) {
        List<Breakdown> all = new java.util.ArrayList<>(breakdowns);
        if (!b.isEmpty()) {
            all.add(new Breakdown(system, b));
        }
        return new ReportData(title, metadata, runs, rooflines, all, utilisation, load, sweep, trace);
    }

    /** The first system's roofline, if any. */
    public Optional<RooflineData> roofline() {
        return rooflines.stream().findFirst();
    }

    /** The first system's breakdown, or none. */
    public List<LayerTimes> breakdown() {
        return breakdowns.isEmpty() ? List.of() : breakdowns.get(0).layers();
    }

    /** The per-layer-type times of one system's iteration; {@code system} is empty in a one-system report. */
    public record Breakdown(String system, List<LayerTimes> layers) {
        public Breakdown {
            layers = List.copyOf(layers);
        }
    }

    public ReportData withUtilisation(List<Utilisation> u) {
        return new ReportData(title, metadata, runs, rooflines, breakdowns, u, load, sweep, trace);
    }

    public ReportData withLoad(LoadData l) {
        return new ReportData(title, metadata, runs, rooflines, breakdowns, utilisation, Optional.of(l), sweep, trace);
    }

    public ReportData withSweep(SweepSection s) {
        return new ReportData(title, metadata, runs, rooflines, breakdowns, utilisation, load, Optional.of(s), trace);
    }

    public ReportData withTrace(Path t) {
        return new ReportData(title, metadata, runs, rooflines, breakdowns, utilisation, load, sweep, Optional.of(t));
    }
}
