package io.moesim.reports;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The report's index.html: inline CSS, no script, no external resource. Charts are {@code <img>}
 * of the SVG files written beside it, so one chart's SVG ids can never collide with another's.
 */
final class HtmlPage {
    private static final String CSS = """
            body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;\
            max-width:1100px;padding:1.5em;color:#222;line-height:1.4}
            h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
            table{border-collapse:collapse;margin:.8em 0;font-size:.9em}
            th,td{border:1px solid #ddd;padding:.25em .6em;text-align:right}th{background:#f4f4f4}
            td.t,th.t{text-align:left}tr.front td{background:#fff3d6;font-weight:600}
            img.chart{max-width:100%;height:auto;border:1px solid #eee}
            p.empty{color:#777;font-style:italic}nav a{margin-right:1em}code{background:#f4f4f4;padding:0 .2em}
            """;

    private HtmlPage() {
    }

    static String render(ReportData d, Map<String, ChartFile> charts, Optional<String> traceHref, List<Integer> front) {
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(Html.esc(d.title())).append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n")
                .append("<h1>").append(Html.esc(d.title())).append("</h1>\n");
        if (!d.metadata().isEmpty()) {
            h.append("<table class=\"meta\">\n");
            d.metadata().forEach((k, v) -> h.append("<tr><th class=\"t\">").append(Html.esc(k)).append("</th><td class=\"t\">")
                    .append(Html.esc(v)).append("</td></tr>\n"));
            h.append("</table>\n");
        }
        h.append("<nav><a href=\"#runs\">runs</a><a href=\"#roofline\">roofline</a><a href=\"#breakdown\">layer time</a>")
                .append("<a href=\"#utilisation\">utilisation</a><a href=\"#load\">throughput/latency</a>")
                .append("<a href=\"#sweep\">sweep</a><a href=\"#timeline\">timeline</a></nav>\n");
        runs(h, d.runs());
        roofline(h, d, charts);
        breakdown(h, d.breakdown(), charts);
        section(h, "utilisation", "Utilisation per processor");
        chartOr(h, charts.get("utilisation"), "No utilisation: pass a simulation result.");
        section(h, "load", "Throughput vs latency");
        chartOr(h, charts.get("load"), "No load curve: pass simulation results of one system at several request rates.");
        sweep(h, d, charts, front);
        timeline(h, traceHref);
        h.append("</body>\n</html>\n");
        return h.toString();
    }

    private static void section(StringBuilder h, String id, String title) {
        h.append("<section id=\"").append(id).append("\">\n<h2>").append(Html.esc(title)).append("</h2>\n");
    }

    private static void chartOr(StringBuilder h, ChartFile c, String empty) {
        if (c == null) {
            h.append("<p class=\"empty\">").append(Html.esc(empty)).append("</p>\n</section>\n");
            return;
        }
        h.append("<figure><img class=\"chart\" src=\"").append(Html.href(c.name())).append("\" width=\"").append(c.width())
                .append("\" height=\"").append(c.height()).append("\" alt=\"").append(Html.esc(c.alt())).append("\"></figure>\n")
                .append("</section>\n");
    }

    private static void runs(StringBuilder h, List<RunSummary> runs) {
        section(h, "runs", "Runs");
        if (runs.isEmpty()) {
            h.append("<p class=\"empty\">No simulation results given.</p>\n</section>\n");
            return;
        }
        h.append("<table>\n<tr><th class=\"t\">source</th><th class=\"t\">system</th><th class=\"t\">model</th><th class=\"t\">mode</th>")
                .append("<th>req/s</th><th>batch</th><th>tokens/s</th><th>TTFT p50 ms</th><th>TTFT p90 ms</th><th>TBT p50 ms</th>")
                .append("<th>TBT p90 ms</th><th>E2E p50 ms</th><th>J/token</th><th>MFU</th></tr>\n");
        for (RunSummary r : runs) {
            h.append("<tr>").append(td(r.source())).append(td(r.system())).append(td(r.model())).append(td(r.mode()))
                    .append(num(r.requestRate())).append(num(r.batch())).append(num(r.throughputTokensPerS()))
                    .append(num(r.ttft().p50Ms())).append(num(r.ttft().p90Ms())).append(num(r.tbt().p50Ms()))
                    .append(num(r.tbt().p90Ms())).append(num(r.e2e().p50Ms())).append(num(r.energyJPerToken()))
                    .append("<td>").append(Numbers.percent(r.mfu())).append("</td></tr>\n");
        }
        h.append("</table>\n</section>\n");
    }

    private static void roofline(StringBuilder h, ReportData d, Map<String, ChartFile> charts) {
        section(h, "roofline", "Roofline");
        if (d.roofline().isEmpty()) {
            chartOr(h, null, "No roofline: it needs a hardware plan and its system (moesim simulate --report).");
            return;
        }
        RooflineData r = d.roofline().get();
        h.append("<table>\n<tr><th class=\"t\">processor</th><th>peak TFLOP/s</th><th>bandwidth GB/s</th><th>ridge Op/B</th></tr>\n");
        for (Roof roof : r.roofs()) {
            h.append("<tr>").append(td(roof.processor())).append(num(roof.peakTflops())).append(num(roof.bandwidthGBps()))
                    .append(num(roof.ridgeOpPerByte())).append("</tr>\n");
        }
        h.append("</table>\n");
        ChartFile c = charts.get("roofline");
        chartOr(h, c, "No roofline chart.");
        if (!r.points().isEmpty()) {
            h.append("<details><summary>").append(r.points().size()).append(" ops</summary>\n<table>\n")
                    .append("<tr><th class=\"t\">op</th><th class=\"t\">processor</th><th>Op/B</th><th>TFLOP/s</th></tr>\n");
            for (OpPoint p : r.points()) {
                h.append("<tr>").append(td(p.name())).append(td(p.processor())).append(num(p.opPerByte())).append(num(p.tflops()))
                        .append("</tr>\n");
            }
            h.append("</table>\n</details>\n");
        }
    }

    private static void breakdown(StringBuilder h, List<LayerTimes> layers, Map<String, ChartFile> charts) {
        section(h, "breakdown", "Time per layer type");
        if (layers.isEmpty()) {
            chartOr(h, null, "No per-layer breakdown: it needs an executed hardware plan (moesim simulate --report).");
            return;
        }
        List<String> cats = BreakdownChart.categories(layers);
        h.append("<table>\n<tr><th class=\"t\">layer type</th>");
        cats.forEach(c -> h.append("<th>").append(Html.esc(c)).append(" ms</th>"));
        h.append("</tr>\n");
        for (LayerTimes l : layers) {
            h.append("<tr>").append(td(l.layerType()));
            cats.forEach(c -> h.append(num(l.secondsByCategory().getOrDefault(c, 0.0) * 1e3)));
            h.append("</tr>\n");
        }
        h.append("</table>\n");
        chartOr(h, charts.get("breakdown"), "No breakdown chart.");
    }

    private static void sweep(StringBuilder h, ReportData d, Map<String, ChartFile> charts, List<Integer> front) {
        section(h, "sweep", "Sweep and Pareto front");
        if (d.sweep().isEmpty()) {
            chartOr(h, null, "No sweep: pass a sweep's CSV.");
            return;
        }
        SweepSection s = d.sweep().get();
        SweepTable t = s.table();
        h.append("<p>").append(t.rows().size()).append(" points from <code>").append(Html.esc(t.source())).append("</code>; ")
                .append(front.size()).append(" on the front of <code>").append(Html.esc(s.pareto().xMetric())).append("</code> (")
                .append(s.pareto().x().word()).append(") against <code>").append(Html.esc(s.pareto().yMetric())).append("</code> (")
                .append(s.pareto().y().word()).append("), highlighted below.</p>\n");
        ChartFile c = charts.get("pareto");
        if (c != null) {
            h.append("<figure><img class=\"chart\" src=\"").append(Html.href(c.name())).append("\" width=\"").append(c.width())
                    .append("\" height=\"").append(c.height()).append("\" alt=\"").append(Html.esc(c.alt())).append("\"></figure>\n");
        }
        h.append("<table class=\"sweep\">\n<tr><th class=\"t\">front</th>");
        t.axes().forEach(a -> h.append("<th class=\"t\">").append(Html.esc(a)).append("</th>"));
        t.metrics().forEach(m -> h.append("<th>").append(Html.esc(m)).append("</th>"));
        h.append("</tr>\n");
        java.util.Set<Integer> onFront = new java.util.HashSet<>(front);
        for (int i = 0; i < t.rows().size(); i++) {
            SweepRow r = t.rows().get(i);
            boolean f = onFront.contains(i);
            h.append(f ? "<tr class=\"front\">" : "<tr>").append(td(f ? "★" : ""));
            r.axisValues().forEach(v -> h.append(td(v)));
            r.metrics().forEach(v -> h.append(num(v)));
            h.append("</tr>\n");
        }
        h.append("</table>\n</section>\n");
    }

    private static void timeline(StringBuilder h, Optional<String> href) {
        section(h, "timeline", "Timeline");
        if (href.isEmpty()) {
            h.append("<p class=\"empty\">No timeline: pass the Perfetto trace file that moesim simulate --trace writes.</p>\n");
        } else {
            h.append("<p><a href=\"").append(Html.esc(href.get())).append("\">").append(Html.esc(href.get())).append("</a></p>\n")
                    .append("<p>Open it at ui.perfetto.dev or chrome://tracing (the file stays on your machine).</p>\n");
        }
        h.append("</section>\n");
    }

    private static String td(String s) {
        return "<td class=\"t\">" + Html.esc(s) + "</td>";
    }

    private static String num(double v) {
        return "<td>" + Numbers.format(v) + "</td>";
    }
}
