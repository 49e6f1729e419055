package io.moesim.reports;

import io.moesim.sim.tune.DeploymentSearch;
import io.moesim.sim.tune.DeploymentSearch.Confirmed;
import io.moesim.sim.tune.DeploymentSearch.Estimate;
import java.awt.Color;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The HTML page of a deployment search ({@code moesim tune --html FILE}): one self-contained file (the
 * chart inlined as an SVG data URL) with the search's figures, the Pareto front of the estimates (output
 * tokens/s per device against TPOT) as a chart beside every candidate that meets the limits by estimate
 * and the confirmed finalists, the finalists table, and the best deployment with its command line. Same
 * result, same bytes.
 */
public final class TunePage {
    private TunePage() {
    }

    public static String render(DeploymentSearch.Result r, DeploymentSearch.Options o) {
        String title = "moesim tune: " + o.base().model() + " on " + String.join(", ", o.deviceTypes()) + ", " + o.deviceBudget() + " devices";
        StringBuilder h = new StringBuilder(16_384);
        h.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>").append(Html.esc(title)).append("</title>\n<style>\n").append(HtmlPage.CSS).append("pre{white-space:pre-wrap;overflow-wrap:anywhere}\n</style>\n</head>\n<body>\n")
                .append("<h1>").append(Html.esc(title)).append("</h1>\n");
        h.append("<table class=\"meta\">\n");
        meta(h, "workload", String.format(Locale.ROOT, "%d prompt + %d output tokens, %s lengths, %d requests per confirmation run",
                o.base().inputLength(), o.base().outputLength(), o.base().lengths(), o.base().requests()));
        meta(h, "limits", String.format(Locale.ROOT, "TTFT p90 <= %s ms, TPOT p90 <= %s ms", num(o.ttftMs()), num(o.tpotMs())));
        meta(h, "precisions", String.join(", ", o.dtypes().stream().map(d -> d == null ? "model's" : d).toList()));
        meta(h, "max batches", String.join(", ", o.maxBatches().stream().map(String::valueOf).toList()));
        meta(h, "candidates", String.format(Locale.ROOT, "%d (%d fit in memory and fold, %d meet the limits by estimate; %d iteration shapes costed)", r.enumerated(), r.runnable(), r.feasible(),
                r.instanceShapes()));
        meta(h, "time", String.format(Locale.ROOT, "%.1f s in all, estimates %.1f s (%.0f candidates/s)", r.wallS(), r.estimateWallS(),
                r.enumerated() / Math.max(1e-9, r.estimateWallS())));
        h.append("</table>\n");
        h.append("<nav><a href=\"#best\">best</a><a href=\"#pareto\">Pareto front</a><a href=\"#finalists\">finalists</a></nav>\n");
        h.append("<h2 id=\"best\">Best deployment</h2>\n");
        Confirmed b = r.best();
        if (b == null) {
            h.append("<p class=\"empty\">None of the finalists met the limits when confirmed.</p>\n");
        } else {
            h.append("<p><b>").append(Html.esc(b.estimate().candidate().describe())).append("</b>: ")
                    .append(String.format(Locale.ROOT, "%.3f req/s on %d devices, %.1f output tokens/s per device, TTFT p90 %.1f ms, TPOT p90 %.2f ms (confirmed by %s).",
                            b.qps(), b.estimate().candidate().devices(), b.tokensPerSPerDevice(), b.ttftP90Ms(), b.tpotP90Ms(), b.kind()))
                    .append("</p>\n<pre><code>").append(Html.esc(b.commandLine())).append("</code></pre>\n");
        }
        h.append("<h2 id=\"pareto\">Pareto front: output tokens/s per device vs TPOT (estimates)</h2>\n");
        List<Estimate> ok = r.estimates().stream().filter(e -> e.maxQps() > 0).toList();
        if (ok.isEmpty()) {
            h.append("<p class=\"empty\">No candidate meets the limits by estimate.</p>\n");
        } else {
            byte[] svg = SvgEncoder.encode(chart(ok, r.pareto(), r.finalists(), title));
            h.append("<figure><img class=\"chart\" alt=\"Pareto front of the search\" width=\"").append(ChartStyle.WIDTH).append("\" height=\"")
                    .append(ChartStyle.HEIGHT).append("\" src=\"data:image/svg+xml;base64,").append(Base64.getEncoder().encodeToString(svg))
                    .append("\"></figure>\n");
            h.append("<div class=\"wide\"><table class=\"pareto\">\n<tr><th class=\"t\">deployment</th><th>devices</th><th>max req/s</th>")
                    .append("<th>tokens/s per device</th><th>TTFT ms</th><th>TPOT ms</th></tr>\n");
            for (Estimate e : r.pareto()) {
                h.append("<tr><td class=\"t\">").append(Html.esc(e.candidate().describe())).append("</td><td>").append(e.candidate().devices())
                        .append("</td><td>").append(num(e.maxQps())).append("</td><td>").append(num(e.tokensPerSPerDevice())).append("</td><td>")
                        .append(num(e.ttftMs())).append("</td><td>").append(num(e.tpotMs())).append("</td></tr>\n");
            }
            h.append("</table></div>\n");
        }
        h.append("<h2 id=\"finalists\">Finalists</h2>\n");
        h.append("<p>Serving runs are event-level simulations of the deployment at the rate shown, wide-EP pools included (their")
                .append(" iterations priced by the wide-EP step model); each command line reproduces its run.</p>\n");
        h.append("<div class=\"wide\"><table class=\"finalists\">\n<tr><th class=\"t\">deployment</th><th>estimated req/s</th><th>req/s</th>")
                .append("<th>tokens/s per device</th><th>TTFT p90 ms</th><th>TPOT p90 ms</th><th class=\"t\">SLA</th><th class=\"t\">by</th>")
                .append("<th class=\"t\">command line</th></tr>\n");
        for (Confirmed c : r.finalists()) {
            h.append(c == b ? "<tr class=\"front\">" : "<tr>").append("<td class=\"t\">").append(Html.esc(c.estimate().candidate().describe()))
                    .append("</td><td>").append(num(c.estimate().maxQps())).append("</td><td>").append(num(c.qps())).append("</td><td>")
                    .append(num(c.qps() * c.meanOutputTokens() / c.estimate().candidate().devices())).append("</td><td>").append(num(c.ttftP90Ms()))
                    .append("</td><td>").append(num(c.tpotP90Ms())).append("</td><td class=\"t\">").append(c.meets() ? "met" : "missed")
                    .append("</td><td class=\"t\">").append(c.kind()).append("</td><td class=\"t\"><code>").append(Html.esc(c.commandLine()))
                    .append("</code></td></tr>\n");
        }
        h.append("</table></div>\n</body>\n</html>\n");
        return h.toString();
    }

    private static void meta(StringBuilder h, String k, String v) {
        h.append("<tr><th class=\"t\">").append(Html.esc(k)).append("</th><td class=\"t\">").append(Html.esc(v)).append("</td></tr>\n");
    }

    private static String num(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.1f" : a >= 1 ? "%.2f" : "%.4f", v);
    }

    static XYChart chart(List<Estimate> all, List<Estimate> front, List<Confirmed> finalists, String title) {
        XYChart chart = new XYChartBuilder().width(ChartStyle.WIDTH).height(ChartStyle.HEIGHT).title(title)
                .xAxisTitle("TPOT, estimated (ms, lower is better)").yAxisTitle("output tokens/s per device (higher is better)").build();
        ChartStyle.apply(chart.getStyler());
        chart.getStyler().setMarkerSize(7);
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (Estimate e : all) {
            xs.add(e.tpotMs());
            ys.add(e.tokensPerSPerDevice());
        }
        ChartStyle.readableAxes(chart.getStyler(), xs.stream().mapToDouble(Double::doubleValue).toArray(),
                ys.stream().mapToDouble(Double::doubleValue).toArray());
        XYSeries s = chart.addSeries("candidates within the limits (estimate)", xs, ys);
        s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        s.setMarker(SeriesMarkers.CIRCLE);
        s.setMarkerColor(new Color(0x999999));
        XYSeries f = chart.addSeries("Pareto front", front.stream().map(Estimate::tpotMs).toList(), front.stream().map(Estimate::tokensPerSPerDevice).toList());
        f.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        f.setMarker(SeriesMarkers.DIAMOND);
        f.setLineColor(ChartStyle.color(1));
        f.setMarkerColor(ChartStyle.color(1));
        List<Confirmed> met = finalists.stream().filter(Confirmed::meets).toList();
        if (!met.isEmpty()) {
            XYSeries c = chart.addSeries("confirmed finalists (simulated TPOT p90)", met.stream().map(Confirmed::tpotP90Ms).toList(),
                    met.stream().map(Confirmed::tokensPerSPerDevice).toList());
            c.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            c.setMarker(SeriesMarkers.SQUARE);
            c.setMarkerColor(ChartStyle.color(2));
        }
        return chart;
    }
}
