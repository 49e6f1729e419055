package io.moesim.validation.compare;

import io.moesim.hw.LinkSpec;
import io.moesim.validation.trace.Measurement;
import io.moesim.validation.trace.Split;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The fitted collective mechanisms of one link type and their effect: MAPE before (the spec's figures)
 * and after, on the calibration rows and on the test rows the fit never saw, overall and by target
 * (GPU). {@link #yaml()} is the link overlay ({@code links/<id>-calibrated.yaml}).
 *
 * @param after              the fitted figures, with the first system's per-call overhead
 * @param overheadNsBySystem the per-call overhead fitted on each system's rows ({@link #systemOverlays()})
 * @param candidates         the best figures under each algorithm choice tried (ring/tree/direct, in-switch)
 */
public record LinkCalibrationResult(String linkId, LinkSpec link, LinkMechanisms before, LinkMechanisms after,
        Map<String, Double> overheadNsBySystem, List<LinkCalibration.Candidate> candidates,
        int fittedRows, List<Measurement> calibrationRows, List<Measurement> testRows) {

    public LinkCalibrationResult {
        overheadNsBySystem = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(overheadNsBySystem));
        candidates = List.copyOf(candidates);
        calibrationRows = List.copyOf(calibrationRows);
        testRows = List.copyOf(testRows);
    }

    /** The rows of this link in one split, predicted before or after calibration. */
    public List<ComparisonRow> rows(Split split, boolean calibrated) {
        List<ComparisonRow> out = new ArrayList<>();
        for (Measurement m : LinkCalibration.rowsOn(linkId, split == Split.CALIBRATION ? calibrationRows : testRows)) {
            LinkMechanisms mine = calibrated ? LinkCalibration.Candidate.on(after, overheadNsBySystem, m.system()) : before;
            out.add(new ComparisonRow(m, m.target(), LinkCalibration.predict(mine, m)));
        }
        return out;
    }

    public double mape(Split split, boolean calibrated) {
        return Mape.of(rows(split, calibrated));
    }

    /** MAPE by the rows' target (one GPU kind each), targets in first-seen order. */
    public Map<String, Double> mapeByTarget(Split split, boolean calibrated) {
        Map<String, List<ComparisonRow>> groups = rows(split, calibrated).stream()
                .collect(Collectors.groupingBy(ComparisonRow::target, LinkedHashMap::new, Collectors.toList()));
        Map<String, Double> out = new LinkedHashMap<>();
        groups.forEach((t, rs) -> out.put(t, Mape.of(rs)));
        return out;
    }

    /** The id the overlay is meant to be stored under ({@code links/<id>.yaml}). */
    public String overlayId() {
        return linkId + "-calibrated";
    }

    /** The systems whose rows gave them a per-call overhead of their own, besides the first (the link overlay's). */
    public Map<String, Double> ownOverheads() {
        Map<String, Double> out = new LinkedHashMap<>(overheadNsBySystem);
        out.entrySet().removeIf(e -> e.getValue() == after.overheadNs());
        return out;
    }

    /** The overlay id of a system's own link ({@code <link>-<system>-calibrated}). */
    public String systemOverlayId(String systemId) {
        return linkId + "-" + systemId + "-calibrated";
    }

    /**
     * One overlay per system with a per-call overhead of its own: {@code preset: <link>-calibrated}
     * (the link's fitted fractions) and that overhead; by overlay id, in row order.
     */
    public Map<String, String> systemOverlays() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, Double> e : ownOverheads().entrySet()) {
            long rows = LinkCalibration.rowsOn(linkId, calibrationRows).stream().filter(m -> m.system().equals(e.getKey())).count();
            String yaml = "# Calibration overlay for link " + linkId + " as system " + e.getKey() + " uses it: the link's fitted figures\n"
                    + "# (" + overlayId() + ") with the per-call overhead of this system's collective library.\n"
                    + "preset: " + overlayId() + "\n"
                    + "name: " + link.name() + " (calibrated on " + e.getKey() + ")\n";
            StringBuilder sb = new StringBuilder(yaml);
            entry(sb, "per_message_overhead_ns", e.getValue(), "fixed cost per collective call on " + e.getKey() + " (its collective library"
                    + " and version); fitted by moesim validate --calibrate on " + rows + " calibration rows of " + e.getKey()
                    + ", with the link's fractions shared with the other systems");
            out.put(systemOverlayId(e.getKey()), sb.toString());
        }
        return out;
    }

    /** The chosen candidate's rival (the other algorithm choice), if one was tried. */
    private String rivals() {
        return candidates.stream().filter(c -> !c.mechanisms().equals(after))
                .map(c -> String.format(Locale.ROOT, "%s would need fraction %.3f and overhead %.1f us (calibration MAPE %.1f%%)",
                        c.mechanisms().inSwitchReduction() ? "in-switch reduction" : "ring/tree", c.mechanisms().fraction(),
                        c.mechanisms().overheadNs() / 1000, c.mapePct()))
                .collect(Collectors.joining("; "));
    }

    private String byTarget(Split s, boolean calibrated) {
        return mapeByTarget(s, calibrated).entrySet().stream()
                .map(e -> String.format(Locale.ROOT, "%s %.1f%%", e.getKey(), e.getValue())).collect(Collectors.joining(", "));
    }

    /**
     * The link overlay: {@code preset: <link>} and the fitted figures, each with its provenance (rows,
     * split rule, MAPE before and after, overall and by GPU). Public figures to judge plausibility by are
     * in the committed file's comments, not here: this text is regenerated by every fit.
     */
    public String yaml() {
        String prov = String.format(Locale.ROOT, "fitted by moesim validate --calibrate on the traces/published calibration split"
                        + " (split rule: FNV-1a of '%s|gpu|op', first third of each target+kind group held out as test), %d collective rows"
                        + " on %s, collective MAPE %.1f%% -> %.1f%%; test rows never seen (test MAPE %.1f%% -> %.1f%%; by GPU before: %s; after: %s)",
                Split.SEED, fittedRows, linkId, mape(Split.CALIBRATION, false), mape(Split.CALIBRATION, true), mape(Split.TEST, false),
                mape(Split.TEST, true), byTarget(Split.TEST, false), byTarget(Split.TEST, true));
        StringBuilder sb = new StringBuilder();
        sb.append("# Calibration overlay for link ").append(linkId).append(" (").append(link.name()).append("):\n");
        sb.append("# the collective model's per-mechanism figures fitted on the calibration rows only.\n");
        sb.append("preset: ").append(linkId).append('\n');
        sb.append("name: ").append(link.name()).append(" (calibrated)\n");
        entry(sb, "per_message_overhead_ns", after.overheadNs(), "fixed cost per collective call"
                + (overheadNsBySystem.isEmpty() ? "" : " on " + overheadNsBySystem.keySet().iterator().next()
                + " (systems with their own: " + (ownOverheads().isEmpty() ? "none" : String.join(", ", ownOverheads().keySet())) + ")")
                + "; includes the per-step latency of the algorithm's steps beyond latency_ns (not separable: every row has 8 GPUs); " + prov);
        entry(sb, "achievable_bandwidth_fraction", after.fraction(), "share of the line rate sustained on the wire; " + prov);
        if (after.inSwitchReduction()) {
            sb.append("in_switch_reduction: {value: true, source: \"").append(clean("third-generation NVSwitch reduces and multicasts in the fabric"
                    + " (NVLink SHARP, NCCL's NVLS algorithm); chosen by the fit over ring/tree: " + rivals())).append("\"}\n");
            entry(sb, "in_switch_bandwidth_fraction", after.switchFraction(), "share of the line rate the in-switch all-reduce sustains"
                    + " (the switch's reduce and multicast engines); " + prov);
        } else if (!candidates.isEmpty() && candidates.size() > 1) {
            sb.append("notes: \"").append(clean("in-switch reduction tried and not chosen: " + rivals())).append("\"\n");
        }
        return sb.toString();
    }

    private static void entry(StringBuilder sb, String key, double v, String source) {
        sb.append(key).append(": {value: ").append(fmt(v)).append(", source: \"").append(clean(source)).append("\"}\n");
    }

    private static String clean(String s) {
        return s.replace("\"", "'");
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.3f", v).replaceAll("0+$", "");
    }
}
