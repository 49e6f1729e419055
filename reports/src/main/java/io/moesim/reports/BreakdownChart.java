package io.moesim.reports;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/** Per-layer-type time as stacked bars: compute per processor, communication, idle. */
final class BreakdownChart {
    private BreakdownChart() {
    }

    static CategoryChart of(List<LayerTimes> layers) {
        CategoryChart chart = new CategoryChartBuilder().width(ChartStyle.WIDTH).height(ChartStyle.HEIGHT)
                .title("Time per layer type").xAxisTitle("layer type").yAxisTitle("time (ms)").build();
        ChartStyle.apply(chart.getStyler());
        chart.getStyler().setStacked(true);
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

    /** Categories in first-seen order, so the stacking follows the data's own order. */
    static List<String> categories(List<LayerTimes> layers) {
        Set<String> out = new LinkedHashSet<>();
        layers.forEach(l -> out.addAll(l.secondsByCategory().keySet()));
        return List.copyOf(out);
    }
}
