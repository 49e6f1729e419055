package io.moesim.validation.compare;

import io.moesim.hw.DeviceSpec;
import io.moesim.validation.trace.Measurement;
import io.moesim.validation.trace.Split;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The fitted mechanisms of one target and their effect: MAPE before (datasheet) and after
 * (calibrated) on the calibration rows and, separately, on the test rows calibration never saw.
 */
public record CalibrationResult(String target, DeviceSpec device, Mechanisms before, Mechanisms after, int fittedRows,
        List<Measurement> calibrationRows, List<Measurement> testRows, List<String> sets) {

    public CalibrationResult {
        calibrationRows = List.copyOf(calibrationRows);
        testRows = List.copyOf(testRows);
        sets = sets == null ? List.of() : List.copyOf(sets);
    }

    public List<ComparisonRow> rows(Split split, boolean calibrated) {
        Predictor p = calibrated ? RooflinePredictor.calibrated(after) : RooflinePredictor.datasheet();
        return Comparison.compare(split == Split.CALIBRATION ? calibrationRows : testRows, target, sets, p);
    }

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

    /**
     * The overrides as YAML: {@code --set}-style key paths into the target spec, each with its
     * provenance. {@code processors.<name>.sustained_clock_MHz} is a key of the target schema; the
     * other two are read by this harness's calibrated roofline and are not (yet) target keys.
     */
    public String yaml() {
        String proc = device.primary().name();
        String prov = String.format(Locale.ROOT, "fitted by moesim validate --calibrate on %d calibration rows of target %s"
                + " (split rule: FNV-1a of '%s|gpu|op' mod 3 != 0); test rows never seen", fittedRows, target, Split.SEED);
        StringBuilder sb = new StringBuilder();
        sb.append("# Calibration overrides for target ").append(target).append(" (").append(device.name()).append(").\n");
        sb.append("# Apply the first with: --set ").append("processors.").append(proc).append(".sustained_clock_MHz=")
                .append(fmt(after.achievedClockMHz())).append('\n');
        sb.append(String.format(Locale.ROOT, "# MAPE (roofline) calibration set: %.1f%% -> %.1f%%; test set: %.1f%% -> %.1f%%%n",
                mape(Split.CALIBRATION, false), mape(Split.CALIBRATION, true), mape(Split.TEST, false), mape(Split.TEST, true)));
        sb.append("target: ").append(target).append('\n');
        sb.append("set:\n");
        entry(sb, "processors." + proc + ".sustained_clock_MHz", after.achievedClockMHz(), "achieved SM clock under load; " + prov);
        entry(sb, "memory.achievable_bandwidth_fraction", after.dramEfficiency(), "fraction of hbm_bandwidth_GBps a streaming kernel reaches; " + prov);
        entry(sb, "processors." + proc + ".launch_overhead_us", after.launchOverheadUs(), "fixed time per kernel; " + prov);
        return sb.toString();
    }

    private static void entry(StringBuilder sb, String path, double v, String source) {
        sb.append("  ").append(path).append(": {value: ").append(fmt(v)).append(", source: \"").append(source.replace("\"", "'")).append("\"}\n");
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.3f", v);
    }
}
