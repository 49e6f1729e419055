package io.moesim.validation.serving;

import io.moesim.sim.metrics.SimulationResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.Function;

/**
 * Predicted against published serving figures: per row, and as MAPE and mean signed error per metric
 * (throughput; TTFT and TPOT over the rows that publish them). Errors are (predicted − measured) /
 * measured in percent, so a positive error is an optimistic throughput or a pessimistic latency.
 */
public record ServingReport(String source, String costModel, List<Row> rows) {

    public ServingReport {
        rows = List.copyOf(rows);
    }

    /**
     * One row's outcome: the prediction, or why there is none. {@code simulatedS}, {@code outputTokens},
     * {@code sequenceIterations} (Σ over iterations of the sequences in the batch) and {@code engineS} (the
     * framework engine's per-iteration time within the run) take the run apart for {@link ServingFit};
     * the last two are 0 where the run had no framework engine.
     */
    public record Row(ServingRow row, OptionalDouble throughput, OptionalDouble ttftMs, OptionalDouble tpotMs, OptionalDouble itlMs,
            long kvCapacityTokens, long iterations, long preemptions, String failure, double simulatedS, long outputTokens,
            long sequenceIterations, double engineS) {

        /** A run taken apart as before the pooled gaps were kept: their mean is taken as the per-request TPOT's. */
        public Row(ServingRow row, OptionalDouble throughput, OptionalDouble ttftMs, OptionalDouble tpotMs, long kvCapacityTokens,
                long iterations, long preemptions, String failure, double simulatedS, long outputTokens, long sequenceIterations, double engineS) {
            this(row, throughput, ttftMs, tpotMs, tpotMs, kvCapacityTokens, iterations, preemptions, failure, simulatedS, outputTokens,
                    sequenceIterations, engineS);
        }

        /** A prediction whose pooled gap mean is its per-request TPOT (one length for all: the two are the same). */
        public Row(ServingRow row, OptionalDouble throughput, OptionalDouble ttftMs, OptionalDouble tpotMs, long kvCapacityTokens,
                long iterations, long preemptions, String failure) {
            this(row, throughput, ttftMs, tpotMs, tpotMs, kvCapacityTokens, iterations, preemptions, failure, 0, 0, 0, 0);
        }

        /** A run's outcome, with a harness's latency before the first token ({@link ServingHarness#requestLatencyMs}) added to the TTFT. */
        static Row of(ServingRow r, SimulationResult res, double requestLatencyMs) {
            long seqIters = 0;
            double engineS = 0;
            if (res.config().get("engine_overhead") instanceof Map<?, ?> e) {
                seqIters = ((Number) e.get("sequence_iterations")).longValue();
                engineS = ((Number) e.get("total_s")).doubleValue();
            }
            return new Row(r, OptionalDouble.of(res.throughputTokensPerS()), OptionalDouble.of(res.ttft().meanMs() + requestLatencyMs),
                    res.tpot().count() > 0 ? OptionalDouble.of(res.tpot().meanMs()) : OptionalDouble.empty(),
                    res.tbt().count() > 0 ? OptionalDouble.of(res.tbt().meanMs()) : OptionalDouble.empty(), res.kvCapacityTokens(),
                    res.iterations(), res.preemptions(), "", res.simulatedS(), res.outputTokens(), seqIters, engineS);
        }

        static Row failed(ServingRow r, String why) {
            return new Row(r, OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(), 0, 0, 0, why == null ? "failed" : why);
        }

        public boolean predicted() {
            return failure.isEmpty();
        }

        public OptionalDouble throughputErrorPct() {
            return error(throughput, OptionalDouble.of(row.measured().throughputTokensPerS()));
        }

        public OptionalDouble ttftErrorPct() {
            return error(ttftMs, row.measured().ttftMsMean());
        }

        /** The error of the time per output token the row publishes, against the prediction of the same definition. */
        public OptionalDouble tpotErrorPct() {
            return error(perTokenMs(), row.measured().perTokenMs());
        }

        /** The predicted time per output token as the row publishes it: every gap pooled, or each request's averaged. */
        public OptionalDouble perTokenMs() {
            return row.measured().pooledGaps() ? itlMs : tpotMs;
        }

        private static OptionalDouble error(OptionalDouble predicted, OptionalDouble measured) {
            if (predicted.isEmpty() || measured.isEmpty()) {
                return OptionalDouble.empty();
            }
            return OptionalDouble.of(100 * (predicted.getAsDouble() - measured.getAsDouble()) / measured.getAsDouble());
        }
    }

    /** Mean absolute error in percent over the rows that have the metric on both sides; empty when none has. */
    public OptionalDouble mapePct(Function<Row, OptionalDouble> metric) {
        return mean(metric, true);
    }

    /** Mean signed error in percent (the bias) over the same rows. */
    public OptionalDouble meanErrorPct(Function<Row, OptionalDouble> metric) {
        return mean(metric, false);
    }

    /** The same report over one scenario's rows (offline throughput and a server's arrival-bound throughput differ in kind). */
    public ServingReport only(ServingRow.Scenario scenario) {
        return new ServingReport(source, costModel, rows.stream().filter(r -> r.row().scenario() == scenario).toList());
    }

    /** The same report over one split's rows ({@link ServingSplit}: calibration or held back). */
    public ServingReport only(ServingSplit split) {
        return new ServingReport(source, costModel, rows.stream().filter(r -> ServingSplit.of(r.row()) == split).toList());
    }

    /**
     * The same report over each GPU's rows, by the target the row's system runs ({@link ServingValidation#gpu}: h100, h200),
     * in name order; a row whose system cannot be read is counted under its system's id.
     */
    public Map<String, ServingReport> byGpu() {
        Function<ServingRow, String> gpuOf = ServingValidation.gpus();
        Map<String, List<Row>> by = new java.util.TreeMap<>();
        for (Row r : rows) {
            String gpu;
            try {
                gpu = gpuOf.apply(r.row());
            } catch (io.moesim.ir.MoesimException e) {
                gpu = r.row().system();
            }
            by.computeIfAbsent(gpu, k -> new ArrayList<>()).add(r);
        }
        Map<String, ServingReport> out = new LinkedHashMap<>();
        by.forEach((gpu, rs) -> out.put(gpu, new ServingReport(source, costModel, List.copyOf(rs))));
        return out;
    }

    /** Count, MAPE and bias per metric of this report, and the same per scenario (the JSON of {@code by_split}). */
    private Map<String, Object> summary() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", rows.size());
        m.put("predicted", rows.stream().filter(Row::predicted).count());
        m.put("mape_pct_throughput", value(mapePct(Row::throughputErrorPct)));
        m.put("mape_pct_ttft", value(mapePct(Row::ttftErrorPct)));
        m.put("mape_pct_tpot", value(mapePct(Row::tpotErrorPct)));
        m.put("mean_error_pct_throughput", value(meanErrorPct(Row::throughputErrorPct)));
        m.put("mean_error_pct_ttft", value(meanErrorPct(Row::ttftErrorPct)));
        m.put("mean_error_pct_tpot", value(meanErrorPct(Row::tpotErrorPct)));
        Map<String, Object> by = new LinkedHashMap<>();
        for (ServingRow.Scenario sc : ServingRow.Scenario.values()) {
            ServingReport part = only(sc);
            if (part.rows().isEmpty()) {
                continue;
            }
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("count", part.rows().size());
            p.put("mape_pct_throughput", value(part.mapePct(Row::throughputErrorPct)));
            p.put("mean_error_pct_throughput", value(part.meanErrorPct(Row::throughputErrorPct)));
            by.put(sc.name().toLowerCase(Locale.ROOT), p);
        }
        m.put("by_scenario", by);
        return m;
    }

    private OptionalDouble mean(Function<Row, OptionalDouble> metric, boolean abs) {
        double sum = 0;
        int n = 0;
        for (Row r : rows) {
            OptionalDouble e = metric.apply(r);
            if (e.isPresent()) {
                sum += abs ? Math.abs(e.getAsDouble()) : e.getAsDouble();
                n++;
            }
        }
        return n == 0 ? OptionalDouble.empty() : OptionalDouble.of(sum / n);
    }

    public static final List<String> HEADER = List.of("id", "scenario", "system", "tput_measured", "tput_predicted", "tput_err_pct",
            "ttft_ms_measured", "ttft_ms_predicted", "ttft_err_pct", "tpot_ms_measured", "tpot_ms_predicted", "tpot_err_pct");

    /** One string row per row, in {@link #HEADER} order ({@code -} where a figure is absent). */
    public List<List<String>> table() {
        List<List<String>> out = new ArrayList<>();
        for (Row r : rows) {
            ServingRow s = r.row();
            if (!r.predicted()) {
                List<String> cells = new ArrayList<>(List.of(s.id(), s.scenario().name().toLowerCase(Locale.ROOT), s.system(),
                        num(s.measured().throughputTokensPerS()), "-", "failed: " + r.failure()));
                while (cells.size() < HEADER.size()) {
                    cells.add("-");
                }
                out.add(cells);
                continue;
            }
            out.add(List.of(s.id(), s.scenario().name().toLowerCase(Locale.ROOT), s.system(), num(s.measured().throughputTokensPerS()),
                    num(r.throughput()), pct(r.throughputErrorPct()), num(s.measured().ttftMsMean()), num(r.ttftMs()), pct(r.ttftErrorPct()),
                    num(s.measured().perTokenMs()), num(r.perTokenMs()), pct(r.tpotErrorPct())));
        }
        return out;
    }

    public Map<String, Object> toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("measurements", source);
        out.put("cost_model", costModel);
        out.put("count", rows.size());
        out.put("predicted", rows.stream().filter(Row::predicted).count());
        Map<String, Object> mape = new LinkedHashMap<>();
        mape.put("throughput", value(mapePct(Row::throughputErrorPct)));
        mape.put("ttft", value(mapePct(Row::ttftErrorPct)));
        mape.put("tpot", value(mapePct(Row::tpotErrorPct)));
        out.put("mape_pct", mape);
        Map<String, Object> bias = new LinkedHashMap<>();
        bias.put("throughput", value(meanErrorPct(Row::throughputErrorPct)));
        bias.put("ttft", value(meanErrorPct(Row::ttftErrorPct)));
        bias.put("tpot", value(meanErrorPct(Row::tpotErrorPct)));
        out.put("mean_error_pct", bias);
        Map<String, Object> by = new LinkedHashMap<>();
        for (ServingRow.Scenario sc : ServingRow.Scenario.values()) {
            ServingReport part = only(sc);
            if (part.rows().isEmpty()) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("count", part.rows().size());
            m.put("mape_pct_throughput", value(part.mapePct(Row::throughputErrorPct)));
            m.put("mape_pct_ttft", value(part.mapePct(Row::ttftErrorPct)));
            m.put("mape_pct_tpot", value(part.mapePct(Row::tpotErrorPct)));
            m.put("mean_error_pct_throughput", value(part.meanErrorPct(Row::throughputErrorPct)));
            by.put(sc.name().toLowerCase(Locale.ROOT), m);
        }
        out.put("by_scenario", by);
        Map<String, Object> splits = new LinkedHashMap<>();
        splits.put("rule", "held back when the top bit of FNV-1a(\"" + ServingSplit.SEED + "|<id>\") is set (ServingSplit)");
        for (ServingSplit sp : ServingSplit.values()) {
            splits.put(sp.text(), only(sp).summary());
        }
        splits.put("all", summary());
        out.put("by_split", splits);
        Map<String, Object> gpus = new LinkedHashMap<>();
        byGpu().forEach((gpu, part) -> gpus.put(gpu, part.summary()));
        out.put("by_gpu", gpus);
        List<Object> list = new ArrayList<>();
        for (Row r : rows) {
            ServingRow s = r.row();
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", s.id());
            m.put("scenario", s.scenario().name().toLowerCase(Locale.ROOT));
            m.put("split", ServingSplit.of(s).text());
            m.put("framework", s.framework());
            m.put("model", s.model());
            m.put("dtype", s.dtype());
            m.put("system", s.system());
            m.put("tp", s.tp());
            m.put("ep", s.ep());
            m.put("requests", s.requests());
            m.put("in", s.in());
            m.put("out", s.out());
            if (s.qps() > 0) {
                m.put("qps", s.qps());
            }
            if (s.concurrency() > 0) {
                m.put("concurrency", s.concurrency());
            }
            m.put("max_batch", s.maxBatch());
            m.put("max_num_tokens", s.maxNumTokens());
            m.put("kv_fraction", s.kvFraction());
            s.chunkedPrefill().ifPresent(c -> m.put("chunked_prefill", c));
            s.harness().ifPresent(h -> m.put("harness", h));
            s.dataset().ifPresent(d -> m.put("dataset", d));
            Map<String, Object> meas = new LinkedHashMap<>();
            meas.put("throughput_tokens_per_s", s.measured().throughputTokensPerS());
            meas.put("ttft_ms_mean", value(s.measured().ttftMsMean()));
            meas.put("tpot_ms_mean", value(s.measured().tpotMsMean()));
            meas.put("itl_ms_mean", value(s.measured().itlMsMean()));
            if (s.measured().perTokenMs().isPresent()) {
                // which of the two the tpot error and columns compare (each against the prediction of its own definition)
                m.put("per_token", s.measured().pooledGaps() ? "itl_ms_mean" : "tpot_ms_mean");
            }
            m.put("measured", meas);
            Map<String, Object> pred = new LinkedHashMap<>();
            pred.put("throughput_tokens_per_s", value(r.throughput()));
            pred.put("ttft_ms_mean", value(r.ttftMs()));
            pred.put("tpot_ms_mean", value(r.tpotMs()));
            pred.put("itl_ms_mean", value(r.itlMs()));
            m.put("predicted", pred);
            Map<String, Object> err = new LinkedHashMap<>();
            err.put("throughput", value(r.throughputErrorPct()));
            err.put("ttft", value(r.ttftErrorPct()));
            err.put("tpot", value(r.tpotErrorPct()));
            m.put("error_pct", err);
            if (r.predicted()) {
                m.put("kv_capacity_tokens", r.kvCapacityTokens());
                m.put("iterations", r.iterations());
                m.put("preemptions", r.preemptions());
                if (r.sequenceIterations() > 0) {
                    m.put("sequence_iterations", r.sequenceIterations());
                    m.put("engine_overhead_s", r.engineS());
                }
                // offline rows: the engine time per iteration this row alone would want (ServingFit.Point#wantedPerIterationS)
                ServingFit.point(r).ifPresent(p -> m.put("engine_wanted_us_per_iteration", Math.round(p.wantedPerIterationS() * 1e7) / 10.0));
            } else {
                m.put("failure", r.failure());
            }
            m.put("source", s.source().url() + " | " + s.source().table() + " | " + s.source().date());
            list.add(m);
        }
        out.put("rows", list);
        return out;
    }

    private static Object value(OptionalDouble d) {
        return d.isPresent() ? (Object) d.getAsDouble() : null;
    }

    private static String num(OptionalDouble d) {
        return d.isPresent() ? num(d.getAsDouble()) : "-";
    }

    private static String num(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.2f", v);
    }

    private static String pct(OptionalDouble d) {
        return d.isPresent() ? String.format(Locale.ROOT, "%+.1f", d.getAsDouble()) : "-";
    }
}
