package io.moesim.reports;

import io.moesim.sim.metrics.LatencyStats;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A report with every section filled, numbers in the range a Mixtral serving run gives. */
final class SampleData {
    private SampleData() {
    }

    static ReportData report(Path trace) {
        List<RunSummary> runs = new ArrayList<>();
        double[] rates = {1, 2, 4, 8};
        for (String system : List.of("h100x4", "duplex-x4")) {
            boolean duplex = system.startsWith("duplex");
            for (double rate : rates) {
                double tbt = (duplex ? 18 : 30) * (1 + rate / 10);
                runs.add(new RunSummary(system + "-" + (int) rate + ".json", system, "mixtral-8x7b", "poisson", rate, 0,
                        rate * 250 * (duplex ? 1.05 : 1.0), rate, lat(tbt * 8), lat(tbt), lat(tbt * 260),
                        duplex ? Map.of("xpu", 0.1 * rate, "logic_pim", 0.07 * rate) : Map.of("gpu", 0.11 * rate),
                        duplex ? 0.6 : 1.1, 0.02 * rate));
            }
        }
        Map<String, Double> attn = new LinkedHashMap<>();
        attn.put("compute xpu", 0.8e-3);
        attn.put("compute logic_pim", 1.9e-3);
        attn.put("communication", 0.3e-3);
        attn.put("idle", 0.1e-3);
        Map<String, Double> moe = new LinkedHashMap<>();
        moe.put("compute xpu", 1.2e-3);
        moe.put("compute logic_pim", 2.4e-3);
        moe.put("communication", 0.9e-3);
        moe.put("idle", 0.4e-3);
        RooflineData roofline = new RooflineData("duplex-x4",
                List.of(new Roof("xpu", 989, 3350), new Roof("logic_pim", 82, 13_310)),
                List.of(new OpPoint("attention/attn", "logic_pim", 4, 50), new OpPoint("moe/expert_ffn", "logic_pim", 6.5, 70),
                        new OpPoint("moe/expert_ffn", "xpu", 180, 520), new OpPoint("attention/matmul", "xpu", 400, 900)));
        ParetoSpec pareto = new ParetoSpec("throughput_tokens_per_s", ParetoSpec.Direction.MAXIMIZE, "tbt_p90_ms",
                ParetoSpec.Direction.MINIMIZE);
        ReportData d = ReportData.titled("Mixtral-8x7B on h100x4 and duplex-x4")
                .withMetadata(Map.of("model", "mixtral-8x7b"))
                .withRuns(runs)
                .withRoofline(roofline)
                .withBreakdown(List.of(new LayerTimes("attention", attn), new LayerTimes("moe", moe)))
                .withUtilisation(ReportAssembler.utilisation(runs))
                .withLoad(ReportAssembler.load(runs))
                .withSweep(new SweepSection(sweep(), pareto));
        return trace == null ? d : d.withTrace(trace);
    }

    static SweepTable sweep() {
        List<SweepRow> rows = new ArrayList<>();
        int[] tsv = {1, 2, 4, 8};
        int[] batch = {32, 64, 128};
        for (int t : tsv) {
            for (int b : batch) {
                double thr = b * 40.0 * Math.sqrt(t);
                double tbt = 10 + b / (4.0 * t) + 2 * t;
                rows.add(new SweepRow(List.of(String.valueOf(t), String.valueOf(b)), List.of(thr, tbt)));
            }
        }
        return new SweepTable("sweep.csv", List.of("tsv_multiplier", "batch"), List.of("throughput_tokens_per_s", "tbt_p90_ms"), rows);
    }

    static LatencyStats lat(double p50) {
        return new LatencyStats(100, p50 * 1.1, p50, p50 * 1.5, p50 * 2, p50 * 3);
    }
}
