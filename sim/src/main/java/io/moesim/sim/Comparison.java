package io.moesim.sim;

import io.moesim.sim.metrics.SimulationResult;
import java.util.ArrayList;
import java.util.List;

/** The same request simulated on several systems; every ratio is to the first system. */
public record Comparison(List<String> systems, List<SimulationResult> results) {

    /** One line of the table. Ratios are system/first, so > 1 means more throughput or longer latency. */
    public record Row(String system, double throughputTokensPerS, double throughputRatio, double ttftP50Ms, double ttftRatio,
            double tbtP50Ms, double tbtRatio, double e2eP50Ms, double e2eRatio, double energyJPerToken, double energyRatio) {
    }

    public Comparison {
        systems = List.copyOf(systems);
        results = List.copyOf(results);
        if (systems.isEmpty() || systems.size() != results.size()) {
            throw new IllegalArgumentException("one result per system, at least one system");
        }
    }

    public List<Row> rows() {
        SimulationResult base = results.get(0);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < systems.size(); i++) {
            SimulationResult r = results.get(i);
            rows.add(new Row(systems.get(i), r.throughputTokensPerS(), ratio(r.throughputTokensPerS(), base.throughputTokensPerS()),
                    r.ttft().p50Ms(), ratio(r.ttft().p50Ms(), base.ttft().p50Ms()), r.tbt().p50Ms(), ratio(r.tbt().p50Ms(), base.tbt().p50Ms()),
                    r.e2e().p50Ms(), ratio(r.e2e().p50Ms(), base.e2e().p50Ms()), r.energyJPerToken(),
                    ratio(r.energyJPerToken(), base.energyJPerToken())));
        }
        return rows;
    }

    private static double ratio(double a, double b) {
        return b == 0 ? 0 : a / b;
    }
}
