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
        Optional<RooflineData> roofline,
        List<LayerTimes> breakdown,
        List<Utilisation> utilisation,
        Optional<LoadData> load,
        Optional<SweepSection> sweep,
        Optional<Path> trace) {

    public ReportData {
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
        runs = List.copyOf(runs);
        breakdown = List.copyOf(breakdown);
        utilisation = List.copyOf(utilisation);
    }

    public static ReportData titled(String title) {
        return new ReportData(title, Map.of(), List.of(), Optional.empty(), List.of(), List.of(), Optional.empty(),
                Optional.empty(), Optional.empty());
    }

    public ReportData withMetadata(Map<String, String> m) {
        return new ReportData(title, m, runs, roofline, breakdown, utilisation, load, sweep, trace);
    }

    public ReportData withRuns(List<RunSummary> r) {
        return new ReportData(title, metadata, r, roofline, breakdown, utilisation, load, sweep, trace);
    }

    public ReportData withRoofline(RooflineData r) {
        return new ReportData(title, metadata, runs, Optional.of(r), breakdown, utilisation, load, sweep, trace);
    }

    public ReportData withBreakdown(List<LayerTimes> b) {
        return new ReportData(title, metadata, runs, roofline, b, utilisation, load, sweep, trace);
    }

    public ReportData withUtilisation(List<Utilisation> u) {
        return new ReportData(title, metadata, runs, roofline, breakdown, u, load, sweep, trace);
    }

    public ReportData withLoad(LoadData l) {
        return new ReportData(title, metadata, runs, roofline, breakdown, utilisation, Optional.of(l), sweep, trace);
    }

    public ReportData withSweep(SweepSection s) {
        return new ReportData(title, metadata, runs, roofline, breakdown, utilisation, load, Optional.of(s), trace);
    }

    public ReportData withTrace(Path t) {
        return new ReportData(title, metadata, runs, roofline, breakdown, utilisation, load, sweep, Optional.of(t));
    }
}
