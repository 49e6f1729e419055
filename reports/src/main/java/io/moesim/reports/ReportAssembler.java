package io.moesim.reports;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Turns the files given to {@code moesim report} into one {@link ReportData}. */
public final class ReportAssembler {
    /** The latency the throughput/latency chart plots: decode smoothness is what batching trades away. */
    static final String LOAD_LATENCY = "TBT p90 (ms)";

    private ReportAssembler() {
    }

    public static ReportData assemble(String title, List<ResultFile> files) {
        List<RunSummary> runs = new ArrayList<>();
        Optional<ResultFile.Sweep> sweep = Optional.empty();
        Optional<ResultFile.Trace> trace = Optional.empty();
        for (ResultFile f : files) {
            if (f instanceof ResultFile.Run r) {
                runs.add(r.summary());
            } else if (f instanceof ResultFile.Sweep s) {
                if (sweep.isPresent()) {
                    throw new ReportException(s.path() + ": one sweep per report (already have " + sweep.get().path() + ")");
                }
                sweep = Optional.of(s);
            } else if (f instanceof ResultFile.Trace t) {
                if (trace.isPresent()) {
                    throw new ReportException(t.path() + ": one trace per report (already have " + trace.get().path() + ")");
                }
                trace = Optional.of(t);
            }
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("inputs", String.join(", ", files.stream().map(f -> String.valueOf(f.path().getFileName())).toList()));
        runs.stream().map(RunSummary::model).distinct().reduce((a, b) -> a + ", " + b).ifPresent(m -> meta.put("models", m));
        ReportData d = ReportData.titled(title).withMetadata(meta).withRuns(runs);
        if (!runs.isEmpty()) {
            d = d.withUtilisation(utilisation(runs)).withLoad(load(runs));
        }
        if (sweep.isPresent()) {
            SweepTable t = sweep.get().table();
            d = d.withSweep(new SweepSection(t, defaultPareto(t)));
        }
        if (trace.isPresent()) {
            d = d.withTrace(trace.get().path());
        }
        return d;
    }

    /** One bar per run; a system with several runs gets its request rate in the label. */
    public static List<Utilisation> utilisation(List<RunSummary> runs) {
        Map<String, Long> perSystem = new LinkedHashMap<>();
        runs.forEach(r -> perSystem.merge(r.system(), 1L, Long::sum));
        List<Utilisation> out = new ArrayList<>();
        for (RunSummary r : runs) {
            String label = perSystem.get(r.system()) > 1 ? r.system() + " @ " + Numbers.format(r.requestRate()) + " req/s" : r.system();
            out.add(new Utilisation(label, r.utilization()));
        }
        return out;
    }

    /** One curve per system, in the order systems first appear. */
    public static LoadData load(List<RunSummary> runs) {
        Map<String, List<LoadPoint>> bySystem = new LinkedHashMap<>();
        for (RunSummary r : runs) {
            bySystem.computeIfAbsent(r.system(), k -> new ArrayList<>())
                    .add(new LoadPoint(r.requestRate(), r.throughputTokensPerS(), r.tbt().p90Ms()));
        }
        List<LoadCurve> curves = new ArrayList<>();
        bySystem.forEach((s, pts) -> curves.add(new LoadCurve(s, pts)));
        return new LoadData(LOAD_LATENCY, curves, varies(runs));
    }

    /** What the runs vary: request rates (all Poisson), batch sizes (all closed loop), else nothing named. */
    static String varies(List<RunSummary> runs) {
        if (runs.stream().allMatch(r -> "poisson".equals(r.mode()))) {
            return runs.stream().map(RunSummary::requestRate).distinct().count() > 1 ? "request rates" : "";
        }
        if (runs.stream().allMatch(r -> "closed".equals(r.mode()))) {
            return runs.stream().map(RunSummary::batch).distinct().count() > 1 ? "batch sizes" : "";
        }
        return "";
    }

    /**
     * Throughput (higher is better) against the first p90 decode latency, else any latency, else
     * energy (lower is better); failing those, the first two metrics.
     */
    public static ParetoSpec defaultPareto(SweepTable t) {
        List<String> m = t.metrics();
        Optional<String> x = m.stream().filter(c -> c.startsWith("throughput")).findFirst();
        Optional<String> y = first(m, "tbt", "p90").or(() -> first(m, "tbt", "")).or(() -> first(m, "e2e", ""))
                .or(() -> first(m, "ttft", "")).or(() -> first(m, "energy", ""));
        String xs = x.orElse(m.get(0));
        String ys = y.filter(v -> !v.equals(xs)).orElseGet(() -> m.stream().filter(c -> !c.equals(xs)).findFirst()
                .orElseThrow(() -> new ReportException(t.source() + ": a Pareto front needs two metric columns, found only '" + xs + "'")));
        return new ParetoSpec(xs, direction(xs), ys, direction(ys));
    }

    static ParetoSpec.Direction direction(String metric) {
        String c = metric.toLowerCase(java.util.Locale.ROOT);
        boolean more = c.startsWith("throughput") || c.startsWith("requests_per_s") || c.startsWith("mfu")
                || c.startsWith("utilization") || c.startsWith("hbm_bw_util") || c.startsWith("output_tokens");
        return more ? ParetoSpec.Direction.MAXIMIZE : ParetoSpec.Direction.MINIMIZE;
    }

    private static Optional<String> first(List<String> metrics, String prefix, String contains) {
        return metrics.stream().filter(c -> c.startsWith(prefix) && c.contains(contains)).findFirst();
    }
}
