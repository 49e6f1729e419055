package io.moesim.reports;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/** Busy percentage per processor, one bar group per processor and one bar per system. */
final class UtilisationChart {
    private UtilisationChart() {
    }

    static CategoryChart of(List<Utilisation> systems) {
        CategoryChart chart = new CategoryChartBuilder().width(ChartStyle.WIDTH).height(ChartStyle.HEIGHT)
                .title("Utilisation per processor").xAxisTitle("processor").yAxisTitle("busy (%)").build();
        ChartStyle.apply(chart.getStyler());
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(100.0);
        List<String> processors = List.copyOf(new TreeSet<>(systems.stream().flatMap(u -> u.byProcessor().keySet().stream()).toList()));
        for (Utilisation u : systems) {
            List<Double> pct = new ArrayList<>();
            for (String p : processors) {
                pct.add(u.byProcessor().getOrDefault(p, 0.0) * 100);
            }
            chart.addSeries(u.system(), processors, pct);
        }
        return chart;
    }
}
