package io.moesim.reports;

import java.awt.Color;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Every design point of a sweep in grey, and the Pareto front as a line through its points. */
final class ParetoChart {
    private ParetoChart() {
    }

    static XYChart of(SweepSection sweep, List<Integer> front) {
        SweepTable t = sweep.table();
        ParetoSpec spec = sweep.pareto();
        int xi = t.metricIndex(spec.xMetric());
        int yi = t.metricIndex(spec.yMetric());
        XYChart chart = new XYChartBuilder().width(ChartStyle.WIDTH).height(ChartStyle.HEIGHT)
                .title("Pareto front: " + t.source())
                .xAxisTitle(spec.xMetric() + " (" + spec.x().word() + ")")
                .yAxisTitle(spec.yMetric() + " (" + spec.y().word() + ")").build();
        ChartStyle.apply(chart.getStyler());
        chart.getStyler().setMarkerSize(7);
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (SweepRow r : t.rows()) {
            double x = r.metrics().get(xi);
            double y = r.metrics().get(yi);
            if (!Double.isNaN(x) && !Double.isNaN(y)) {
                xs.add(x);
                ys.add(y);
            }
        }
        ChartStyle.readableAxes(chart.getStyler(), xs.stream().mapToDouble(Double::doubleValue).toArray(),
                ys.stream().mapToDouble(Double::doubleValue).toArray());
        XYSeries all = chart.addSeries("design points", xs, ys);
        all.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        all.setMarker(SeriesMarkers.CIRCLE);
        all.setMarkerColor(new Color(0x999999));
        XYSeries f = chart.addSeries("Pareto front", front.stream().map(i -> t.rows().get(i).metrics().get(xi)).toList(),
                front.stream().map(i -> t.rows().get(i).metrics().get(yi)).toList());
        f.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        f.setMarker(SeriesMarkers.DIAMOND);
        f.setLineColor(ChartStyle.color(1));
        f.setMarkerColor(ChartStyle.color(1));
        return chart;
    }
}
