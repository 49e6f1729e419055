package io.moesim.reports;

import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Log-log roofline: one roof per processor, each op a marker in its processor's colour. */
final class RooflineChart {
    private RooflineChart() {
    }

    static XYChart of(RooflineData data) {
        XYChart chart = new XYChartBuilder().width(ChartStyle.WIDTH).height(ChartStyle.HEIGHT)
                .title("Roofline: " + data.system()).xAxisTitle("operational intensity (Op/B)")
                .yAxisTitle("TFLOP/s").build();
        ChartStyle.apply(chart.getStyler());
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        chart.getStyler().setMarkerSize(7);
        double[] range = xRange(data);
        for (int i = 0; i < data.roofs().size(); i++) {
            Roof roof = data.roofs().get(i);
            double ridge = roof.ridgeOpPerByte();
            double[] x = {range[0], ridge, Math.max(range[1], ridge * 2)};
            double[] y = {roof.attainableTflops(x[0]), roof.peakTflops(), roof.peakTflops()};
            XYSeries s = chart.addSeries(roof.processor() + " roof (ridge " + Numbers.format(ridge) + " Op/B)", x, y);
            s.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
            s.setMarker(SeriesMarkers.NONE);
            s.setLineColor(ChartStyle.color(i));
            List<OpPoint> ops = data.points().stream()
                    .filter(p -> p.processor().equals(roof.processor()) && p.opPerByte() > 0 && p.tflops() > 0).toList();
            if (!ops.isEmpty()) {
                XYSeries o = chart.addSeries(roof.processor() + " ops",
                        ops.stream().mapToDouble(OpPoint::opPerByte).toArray(), ops.stream().mapToDouble(OpPoint::tflops).toArray());
                o.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                o.setMarker(SeriesMarkers.CIRCLE);
                o.setMarkerColor(ChartStyle.color(i));
            }
        }
        return chart;
    }

    /** From a decade below the smallest Op/B to a decade above the largest, ridges included. */
    private static double[] xRange(RooflineData data) {
        List<Double> xs = new ArrayList<>();
        data.roofs().forEach(r -> xs.add(r.ridgeOpPerByte()));
        data.points().stream().filter(p -> p.opPerByte() > 0).forEach(p -> xs.add(p.opPerByte()));
        double lo = xs.stream().mapToDouble(Double::doubleValue).min().orElse(1);
        double hi = xs.stream().mapToDouble(Double::doubleValue).max().orElse(1000);
        return new double[] {Math.pow(10, Math.floor(Math.log10(lo)) - 0.0), Math.pow(10, Math.ceil(Math.log10(hi)) + 0.0) * 2};
    }
}
