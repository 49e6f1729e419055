package io.moesim.reports;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The report's index.html: inline CSS, no script, no external resource. Charts are {@code <img>}
 * of the SVG files written beside it, so one chart's SVG ids can never collide with another's.
 */
final class HtmlPage {
    static final String CSS = """
            body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;\
            max-width:1100px;padding:1.5em;color:#222;line-height:1.4}
            h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
            table{border-collapse:collapse;margin:.8em 0;font-size:.9em}
            th,td{border:1px solid #ddd;padding:.25em .6em;text-align:right}th{background:#f4f4f4}
            td.t,th.t{text-align:left}tr.front td{background:#fff3d6;font-weight:600}
            img.chart{max-width:100%;height:auto;border:1px solid #eee}
            div.wide{max-width:100%;overflow-x:auto}div.wide td{white-space:nowrap}table.sweep th{white-space:normal;min-width:5em}
            p.empty,ul.empty{color:#777;font-style:italic}nav a{margin-right:1em}code{background:#f4f4f4;padding:0 .2em}
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
        List<String> missing = new ArrayList<>();
        StringBuilder body = new StringBuilder(16_384);
        StringBuilder nav = new StringBuilder("<nav>");
        if (runs(body, d.runs())) {
            link(nav, "runs", "runs");
        } else {
            missing.add("No simulation results given.");
        }
        if (roofline(body, d, charts)) {
            link(nav, "roofline", "roofline");
        } else {
            missing.add("No roofline: it needs a hardware plan and its system (moesim simulate --report).");
        }
        if (breakdown(body, d.breakdowns(), charts)) {
            link(nav, "breakdown", "layer time");
        } else {
            missing.add("No per-layer breakdown: it needs an executed hardware plan (moesim simulate --report).");
        }
        if (chartSection(body, "utilisation", "Utilisation per processor", charts.get("utilisation"))) {
            link(nav, "utilisation", "utilisation");
        } else {
            missing.add("No utilisation: pass a simulation result.");
        }
        if (chartSection(body, "load", "Throughput vs latency", charts.get("load"))) {
            link(nav, "load", "throughput/latency");
        } else {
            missing.add("No load curve: pass simulation results of one system at several request rates.");
        }
        if (sweep(body, d, charts, front)) {
            link(nav, "sweep", "sweep");
        } else {
            missing.add("No sweep: pass a sweep's CSV.");
        }
        if (timeline(body, traceHref)) {
            link(nav, "timeline", "timeline");
        } else {
            missing.add("No timeline: pass the Perfetto trace file that moesim simulate --trace writes.");
        }
        h.append(nav).append("</nav>\n").append(body);
        if (!missing.isEmpty()) {
            // Sections without data are left out; one list says what would fill them.
            h.append("<div class=\"missing\"><p class=\"empty\">Not in this report:</p>\n<ul class=\"empty\">\n");
            missing.forEach(m -> h.append("<li>").append(Html.esc(m)).append("</li>\n"));
            h.append("</ul>\n</div>\n");
        }
        h.append("</body>\n</html>\n");
        return h.toString();
    }

    private static void link(StringBuilder nav, String id, String text) {
        nav.append("<a href=\"#").append(id).append("\">").append(Html.esc(text)).append("</a>");
    }

    private static boolean chartSection(StringBuilder h, String id, String title, ChartFile c) {
        if (c == null) {
            return false;
        }
        section(h, id, title);
        figure(h, c);
        h.append("</section>\n");
        return true;
    }

    private static void figure(StringBuilder h, ChartFile c) {
        h.append("<figure><img class=\"chart\" src=\"").append(Html.href(c.name())).append("\" width=\"").append(c.width())
                .append("\" height=\"").append(c.height()).append("\" alt=\"").append(Html.esc(c.alt())).append("\"></figure>\n");
    }

    private static void section(StringBuilder h, String id, String title) {
        h.append("<section id=\"").append(id).append("\">\n<h2>").append(Html.esc(title)).append("</h2>\n");
    }

    private static boolean runs(StringBuilder h, List<RunSummary> runs) {
        if (runs.isEmpty()) {
            return false;
        }
        section(h, "runs", "Runs");
        h.append("<div class=\"wide\"><table>\n<tr><th class=\"t\">source</th><th class=\"t\">system</th><th class=\"t\">model</th>")
                .append("<th class=\"t\">mode</th><th>req/s</th><th class=\"t\">batch</th><th>tokens/s</th><th>TTFT p50 ms</th>")
                .append("<th>TTFT p90 ms</th><th>TBT p50 ms</th><th>TBT p90 ms</th><th>E2E p50 ms</th><th>J/token</th><th>MFU</th></tr>\n");
        for (RunSummary r : runs) {
            h.append("<tr>").append(td(r.source())).append(td(r.system())).append(td(r.model())).append(td(r.mode()))
                    .append(num(r.requestRate())).append(td(batchText(r))).append(num(r.throughputTokensPerS()))
                    .append(num(r.ttft().p50Ms())).append(num(r.ttft().p90Ms())).append(num(r.tbt().p50Ms()))
                    .append(num(r.tbt().p90Ms())).append(num(r.e2e().p50Ms())).append(num(r.energyJPerToken()))
                    .append("<td>").append(Numbers.percent(r.mfu())).append("</td></tr>\n");
        }
        h.append("</table></div>\n</section>\n");
        return true;
    }

    /** A closed-loop batch as a number; an open-loop run has no fixed batch, so its cap and offered rate instead. */
    static String batchText(RunSummary r) {
        if (r.batch() > 0) {
            return Long.toString(r.batch());
        }
        String open = "poisson".equals(r.mode()) ? "open loop, " + Numbers.format(r.requestRate()) + " req/s" : "open loop";
        return r.maxBatch() > 0 ? "max " + r.maxBatch() + " (" + open + ")" : open;
    }

    private static boolean roofline(StringBuilder h, ReportData d, Map<String, ChartFile> charts) {
        if (d.rooflines().isEmpty()) {
            return false;
        }
        section(h, "roofline", "Roofline");
        boolean several = d.rooflines().size() > 1;
        for (int i = 0; i < d.rooflines().size(); i++) {
            RooflineData r = d.rooflines().get(i);
            if (several) {
                h.append("<h3>").append(Html.esc(r.system())).append("</h3>\n");
            }
            h.append("<table>\n<tr><th class=\"t\">processor</th><th>peak TFLOP/s</th><th>bandwidth GB/s</th><th>ridge Op/B</th></tr>\n");
            for (Roof roof : r.roofs()) {
                h.append("<tr>").append(td(roof.processor())).append(num(roof.peakTflops())).append(num(roof.bandwidthGBps()))
                        .append(num(roof.ridgeOpPerByte())).append("</tr>\n");
            }
            h.append("</table>\n");
            ChartFile c = charts.get(Reports.numbered("roofline", i));
            if (c != null) {
                figure(h, c);
            }
            if (!r.points().isEmpty()) {
                h.append("<details><summary>").append(r.points().size()).append(" ops</summary>\n<div class=\"wide\"><table>\n")
                        .append("<tr><th class=\"t\">op</th><th class=\"t\">processor</th><th>Op/B</th><th>TFLOP/s</th></tr>\n");
                for (OpPoint p : r.points()) {
                    h.append("<tr>").append(td(p.name())).append(td(p.processor())).append(num(p.opPerByte())).append(num(p.tflops()))
                            .append("</tr>\n");
                }
                h.append("</table></div>\n</details>\n");
            }
        }
        h.append("</section>\n");
        return true;
    }

    private static boolean breakdown(StringBuilder h, List<ReportData.Breakdown> all, Map<String, ChartFile> charts) {
        if (all.isEmpty()) {
            return false;
        }
        section(h, "breakdown", "Time per layer type");
        h.append("<p>Wall time of one iteration per layer type, the mean over devices. Time where several processors or links "
                + "work at once is counted once, as <i>concurrent</i>, so the bars together never exceed the iteration.</p>\n");
        for (int i = 0; i < all.size(); i++) {
            ReportData.Breakdown b = all.get(i);
            if (!b.system().isEmpty() && all.size() > 1) {
                h.append("<h3>").append(Html.esc(b.system())).append("</h3>\n");
            }
            List<LayerTimes> layers = b.layers();
            List<String> cats = BreakdownChart.categories(layers);
            h.append("<div class=\"wide\"><table>\n<tr><th class=\"t\">layer type</th>");
            cats.forEach(c -> h.append("<th>").append(Html.esc(c)).append(" ms</th>"));
            h.append("<th>total ms</th></tr>\n");
            for (LayerTimes l : layers) {
                h.append("<tr>").append(td(l.layerType()));
                cats.forEach(c -> h.append(num(l.secondsByCategory().getOrDefault(c, 0.0) * 1e3)));
                h.append(num(l.secondsByCategory().values().stream().mapToDouble(Double::doubleValue).sum() * 1e3)).append("</tr>\n");
            }
            h.append("</table></div>\n");
            ChartFile c = charts.get(Reports.numbered("breakdown", i));
            if (c != null) {
                figure(h, c);
            }
        }
        h.append("</section>\n");
        return true;
    }

    private static boolean sweep(StringBuilder h, ReportData d, Map<String, ChartFile> charts, List<Integer> front) {
        if (d.sweep().isEmpty()) {
            return false;
        }
        section(h, "sweep", "Sweep and Pareto front");
        SweepSection s = d.sweep().get();
        SweepTable t = s.table();
        h.append("<p>").append(t.rows().size()).append(" points from <code>").append(Html.esc(t.source())).append("</code>; ")
                .append(front.size()).append(" on the front of <code>").append(Html.esc(s.pareto().xMetric())).append("</code> (")
                .append(s.pareto().x().word()).append(") against <code>").append(Html.esc(s.pareto().yMetric())).append("</code> (")
                .append(s.pareto().y().word()).append("), highlighted below.</p>\n");
        ChartFile c = charts.get("pareto");
        if (c != null) {
            figure(h, c);
        }
        // A sweep has many columns: the table scrolls inside its box instead of widening the page.
        h.append("<div class=\"wide\"><table class=\"sweep\">\n<tr><th class=\"t\">front</th>");
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
        h.append("</table></div>\n</section>\n");
        return true;
    }

    private static boolean timeline(StringBuilder h, Optional<String> href) {
        if (href.isEmpty()) {
            return false;
        }
        section(h, "timeline", "Timeline");
        h.append("<p><a href=\"").append(Html.esc(href.get())).append("\">").append(Html.esc(href.get())).append("</a></p>\n")
                .append("<p>Open it at ui.perfetto.dev or chrome://tracing (the file stays on your machine).</p>\n");
        h.append("</section>\n");
        return true;
    }

    private static String td(String s) {
        return "<td class=\"t\">" + Html.esc(s) + "</td>";
    }

    private static String num(double v) {
        return "<td>" + Numbers.format(v) + "</td>";
    }
}
