package io.moesim.reports;

import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Throughput against latency, one line per system, its points in request-rate order. */
final class LoadChart {
    private LoadChart() {
    }

    static XYChart of(LoadData data) {
        XYChart chart = new XYChartBuilder().width(ChartStyle.WIDTH).height(ChartStyle.HEIGHT)
                .title(data.title()).xAxisTitle("throughput (output tokens/s)")
                .yAxisTitle(data.latencyLabel()).build();
        ChartStyle.apply(chart.getStyler());
        chart.getStyler().setMarkerSize(7);
        ChartStyle.readableAxes(chart.getStyler(),
                data.curves().stream().flatMap(c -> c.points().stream()).mapToDouble(LoadPoint::throughputTokensPerS).toArray(),
                data.curves().stream().flatMap(c -> c.points().stream()).mapToDouble(LoadPoint::latencyMs).toArray());
        for (int i = 0; i < data.curves().size(); i++) {
            LoadCurve c = data.curves().get(i);
            XYSeries s = chart.addSeries(c.system(), c.points().stream().mapToDouble(LoadPoint::throughputTokensPerS).toArray(),
                    c.points().stream().mapToDouble(LoadPoint::latencyMs).toArray());
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            s.setMarker(SeriesMarkers.CIRCLE);
            s.setLineColor(ChartStyle.color(i));
            s.setMarkerColor(ChartStyle.color(i));
        }
        return chart;
    }
}
