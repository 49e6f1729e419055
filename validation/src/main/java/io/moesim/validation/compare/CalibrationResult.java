package io.moesim.validation.compare;

import io.moesim.hw.DeviceSpec;
import io.moesim.ir.DType;
import io.moesim.validation.trace.Measurement;
import io.moesim.validation.trace.Split;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fitted mechanisms of one target and their effect on the kernel model: MAPE before (the spec's
 * figures, else the model's uncalibrated defaults) and after (fitted) on the calibration rows and,
 * separately, on the test rows calibration never saw. {@link #yaml()} is the calibration overlay.
 */
public record CalibrationResult(String target, DeviceSpec device, Mechanisms before, Mechanisms after, int fittedRows,
        List<Measurement> calibrationRows, List<Measurement> testRows, List<String> sets) {

    /** One simulator for every comparison of every result (it memoises by processor, so figures never mix). */
    private static final KernelPredictor KERNEL = new KernelPredictor();

    public CalibrationResult {
        calibrationRows = List.copyOf(calibrationRows);
        testRows = List.copyOf(testRows);
        sets = sets == null ? List.of() : List.copyOf(sets);
    }

    public List<ComparisonRow> rows(Split split, boolean calibrated) {
        Predictor p = KERNEL.with(calibrated ? after : before);
        return Comparison.compare(split == Split.CALIBRATION ? calibrationRows : testRows, target, sets, p);
    }

    /** MAPE of the kernel-model rows (collectives excluded: no mechanism here acts on them). */
    public double mape(Split split, boolean calibrated) {
        return Mape.of(rows(split, calibrated).stream().filter(r -> !r.prediction().model().equals("collective")).toList());
    }

    /** MAPE by kind for one split, before or after. */
    public Map<String, Double> mapeByKind(Split split, boolean calibrated) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (KindSummary k : Comparison.byKind(rows(split, calibrated))) {
            out.put(k.kind(), k.mapePct());
        }
        return out;
    }

    /** The id the overlay is meant to be stored under ({@code targets/<id>.yaml}). */
    public String overlayId() {
        return target + "-calibrated";
    }

    /**
     * The calibration overlay: a target spec with {@code preset: <target>} and the fitted figures of
     * the primary processor, each with its provenance (rows, split rule, MAPE before and after).
     */
    public String yaml() {
        String proc = device.primary().name();
        String prov = String.format(Locale.ROOT, "fitted by moesim validate --calibrate on traces/published calibration split"
                        + " (split rule: FNV-1a of '%s|gpu|op', first third of each target+kind group held out as test), %d rows,"
                        + " kernel-model MAPE %.1f%% -> %.1f%%; test rows never seen (test MAPE %.1f%% -> %.1f%%)",
                Split.SEED, fittedRows, mape(Split.CALIBRATION, false), mape(Split.CALIBRATION, true), mape(Split.TEST, false),
                mape(Split.TEST, true));
        StringBuilder sb = new StringBuilder();
        sb.append("# Calibration overlay for target ").append(target).append(" (").append(device.name()).append("):\n");
        sb.append("# the kernel model's per-mechanism figures fitted on the calibration rows only.\n");
        sb.append("preset: ").append(target).append('\n');
        sb.append("name: ").append(device.name()).append(" (calibrated)\n");
        sb.append("processors:\n  ").append(proc).append(":\n");
        if (device.primary().servingClockFraction().isPresent()) {
            // the overlay's own figures are its clock under load; the preset's serving clock fraction would count it twice
            sb.append("    serving_clock_fraction: {value: 1, source: \"none: this overlay's own figures are its clock under load; the preset's"
                    + " serving clock fraction, fitted on the kernel database's burst timings, would count it twice\"}\n");
        }
        entry(sb, "    ", "launch_overhead_us", after.launchOverheadUs(), "fixed time per kernel call; " + prov);
        if (after.tileOverheadCycles() > 0) {
            entry(sb, "    ", "tile_overhead_cycles", after.tileOverheadCycles(), "clocks per CTA tile outside the overlapped main loop; " + prov);
        }
        if (after.sustainedClockMHz() > 0 && after.sustainedClockMHz() != before.sustainedClockMHz()) {
            entry(sb, "    ", "sustained_clock_MHz", after.sustainedClockMHz(), "the engines' clock under sustained load (power limit) where"
                    + " nothing fixes it; separable from the matrix efficiency only because some rows were measured at a fixed clock; " + prov);
        }
        if (!after.harnessOverheadUs().isEmpty()) {
            sb.append("    harness_overhead_us:\n");
            for (Map.Entry<String, Double> e : after.harnessOverheadUs().entrySet()) {
                entry(sb, "      ", e.getKey(), e.getValue(), "what the '" + e.getKey() + "' timing harness adds per call on top of the"
                        + " launch (rows with env.timing '" + e.getKey() + "' only; a figure of the measurement, not of the hardware); " + prov);
            }
        }
        if (after.memoryLatencyNs() > 0) {
            entry(sb, "    ", "memory_latency_ns", after.memoryLatencyNs(), "load-to-use DRAM latency of an engine (first operands,"
                    + " each dependent load of a short decode CTA); " + prov);
        }
        if (after.hostCallIntervalUs() > 0) {
            entry(sb, "    ", "host_call_interval_us", after.hostCallIntervalUs(), "host time per back-to-back library call, a floor on the"
                    + " time per call (small kernels all take it); " + prov);
        }
        if (!after.matrixEfficiency().isEmpty()) {
            sb.append("    matrix_efficiency:\n");
            for (Map.Entry<DType, Double> e : new TreeMap<>(after.matrixEfficiency()).entrySet()) {
                entry(sb, "      ", e.getKey().text(), e.getValue(), "fraction of the datasheet MACs per clock sustained (includes any clock"
                        + " drop under load: not separable on rows of one dtype); " + prov);
            }
        }
        return sb.toString();
    }

    private static void entry(StringBuilder sb, String indent, String key, double v, String source) {
        sb.append(indent).append(key).append(": {value: ").append(fmt(v)).append(", source: \"").append(source.replace("\"", "'")).append("\"}\n");
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.3f", v).replaceAll("0+$", "");
    }
}
