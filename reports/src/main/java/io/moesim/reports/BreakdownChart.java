package io.moesim.reports;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * Per-layer-type wall time as stacked bars: compute per processor, communication, time where
 * several run at once ("concurrent ..."), idle. The categories do not overlap, so a bar is the
 * layer type's wall time, and all bars together stay within the iteration.
 */
final class BreakdownChart {
    private BreakdownChart() {
    }

    static CategoryChart of(List<LayerTimes> layers) {
        return of(new ReportData.Breakdown("", layers), 0);
    }

    /** One system's chart; {@code yMaxMs} > 0 fixes the axis so the charts of a comparison read on one scale. */
    static CategoryChart of(ReportData.Breakdown b, double yMaxMs) {
        List<LayerTimes> layers = b.layers();
        String title = "Time per layer type (wall time, mean over devices)" + (b.system().isEmpty() ? "" : ": " + b.system());
        CategoryChart chart = new CategoryChartBuilder().width(ChartStyle.WIDTH).height(ChartStyle.HEIGHT)
                .title(title).xAxisTitle("layer type").yAxisTitle("time (ms)").build();
        ChartStyle.apply(chart.getStyler());
        chart.getStyler().setStacked(true);
        chart.getStyler().setYAxisMin(0.0);
        if (yMaxMs > 0) {
            chart.getStyler().setYAxisMax(yMaxMs);
        }
        double tallest = layers.stream().mapToDouble(l -> l.secondsByCategory().values().stream().mapToDouble(Double::doubleValue).sum() * 1e3)
                .max().orElse(0);
        chart.getStyler().setYAxisDecimalPattern(ChartStyle.pattern(new double[] {0, yMaxMs > 0 ? yMaxMs : tallest}));
        List<String> types = layers.stream().map(LayerTimes::layerType).toList();
        for (String category : categories(layers)) {
            List<Double> ms = new ArrayList<>();
            for (LayerTimes l : layers) {
                ms.add(l.secondsByCategory().getOrDefault(category, 0.0) * 1e3);
            }
            chart.addSeries(category, types, ms);
        }
        return chart;
    }

    /** The tallest bar of all systems, 5 % headroom; 0 (automatic) with fewer than two systems. */
    static double axisMaxMs(List<ReportData.Breakdown> all) {
        if (all.size() < 2) {
            return 0;
        }
        double max = 0;
        for (ReportData.Breakdown b : all) {
            for (LayerTimes l : b.layers()) {
                max = Math.max(max, l.secondsByCategory().values().stream().mapToDouble(Double::doubleValue).sum() * 1e3);
            }
        }
        return max > 0 ? max * 1.05 : 0;
    }

    /**
     * Categories in the data's own order (the first layer type's, then any others first seen), so
     * each processor keeps its colour; categories that are zero everywhere are left out.
     */
    static List<String> categories(List<LayerTimes> layers) {
        Set<String> all = new LinkedHashSet<>();
        layers.forEach(l -> all.addAll(l.secondsByCategory().keySet()));
        List<String> out = all.stream().filter(c -> layers.stream().anyMatch(l -> l.secondsByCategory().getOrDefault(c, 0.0) != 0)).toList();
        return out.isEmpty() ? List.copyOf(all) : out;
    }
}
