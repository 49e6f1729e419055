package io.moesim.reports;

import io.moesim.ir.io.AtomicFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The facade the CLI calls: {@link #write} renders a report folder (index.html and one SVG per
 * chart), {@link #fromFiles} builds the report's data from result files on disk.
 */
public final class Reports {
    public static final String INDEX = "index.html";

    private Reports() {
    }

    /**
     * Writes {@code dir/index.html} and its charts, creating {@code dir} if needed. Each file is
     * replaced atomically, the charts before the page that shows them. Same data, same bytes.
     *
     * @return the path of index.html
     */
    public static Path write(ReportData data, Path dir) {
        List<Integer> front = data.sweep().map(s -> ParetoFront.of(s.table(), s.pareto())).orElse(List.of());
        Map<String, ChartFile> charts = charts(data, front);
        for (ChartFile c : charts.values()) {
            AtomicFiles.write(dir.resolve(c.name()), c.svg());
        }
        Optional<String> trace = data.trace().map(t -> traceHref(dir, t));
        Path index = dir.resolve(INDEX);
        AtomicFiles.write(index, HtmlPage.render(data, charts, trace, front).getBytes(StandardCharsets.UTF_8));
        return index;
    }

    /** Reads result files (simulation JSON, sweep CSV, Perfetto trace) into report data. */
    public static ReportData fromFiles(String title, List<Path> files) {
        return ReportAssembler.assemble(title, files.stream().map(ResultFiles::read).toList());
    }

    private static Map<String, ChartFile> charts(ReportData d, List<Integer> front) {
        Map<String, ChartFile> out = new LinkedHashMap<>();
        for (int i = 0; i < d.rooflines().size(); i++) {
            RooflineData r = d.rooflines().get(i);
            if (!r.roofs().isEmpty()) {
                put(out, numbered("roofline", i), "roofline of " + r.system(), SvgEncoder.encode(RooflineChart.of(r)));
            }
        }
        double yMax = BreakdownChart.axisMaxMs(d.breakdowns());
        for (int i = 0; i < d.breakdowns().size(); i++) {
            ReportData.Breakdown b = d.breakdowns().get(i);
            String of = b.system().isEmpty() ? "" : " on " + b.system();
            put(out, numbered("breakdown", i), "time per layer type" + of, SvgEncoder.encode(BreakdownChart.of(b, yMax)));
        }
        if (!d.utilisation().isEmpty()) {
            put(out, "utilisation", "utilisation per processor", SvgEncoder.encode(UtilisationChart.of(d.utilisation())));
        }
        d.load().filter(l -> l.curves().stream().anyMatch(c -> !c.points().isEmpty()))
                .ifPresent(l -> put(out, "load", "throughput against latency", SvgEncoder.encode(LoadChart.of(l))));
        d.sweep().filter(s -> !front.isEmpty())
                .ifPresent(s -> put(out, "pareto", "Pareto front of the sweep", SvgEncoder.encode(ParetoChart.of(s, front))));
        return out;
    }

    /** The first chart of a kind keeps the plain name; the others of a comparison are numbered from 2. */
    static String numbered(String kind, int i) {
        return i == 0 ? kind : kind + "-" + (i + 1);
    }

    private static void put(Map<String, ChartFile> out, String key, String alt, byte[] svg) {
        out.put(key, new ChartFile(key + ".svg", alt, ChartStyle.WIDTH, ChartStyle.HEIGHT, svg));
    }

    /** Relative to the report folder when both are on one file system root, so the folder can move with its trace. */
    static String traceHref(Path dir, Path trace) {
        Path d = dir.toAbsolutePath().normalize();
        Path t = trace.toAbsolutePath().normalize();
        if (d.getRoot() != null && d.getRoot().equals(t.getRoot())) {
            return Html.href(d.relativize(t).toString());
        }
        return Html.href(t.toUri().getRawPath());
    }
}
