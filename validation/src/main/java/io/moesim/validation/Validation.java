package io.moesim.validation;

import io.moesim.hw.Systems;
import io.moesim.hw.Targets;
import io.moesim.validation.compare.Calibration;
import io.moesim.validation.compare.CalibrationResult;
import io.moesim.validation.compare.Comparison;
import io.moesim.validation.compare.LinkCalibration;
import io.moesim.validation.compare.LinkCalibrationResult;
import io.moesim.validation.compare.ComparisonRow;
import io.moesim.validation.compare.Predictor;
import io.moesim.validation.compare.Predictors;
import io.moesim.validation.compare.ValidationReport;
import io.moesim.validation.trace.Measurement;
import io.moesim.validation.trace.Split;
import io.moesim.validation.trace.TraceReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The facade {@code moesim validate --measurements FILE [--target T]} calls: reads a trace (a file or a
 * folder of {@code *.jsonl}), predicts each row with the best available model and compares. Bad traces
 * throw {@link io.moesim.validation.trace.TraceException} (file:line), bad targets the spec loader's
 * exception; both are {@link io.moesim.ir.MoesimException}s (CLI exit 2).
 */
public final class Validation {
    private Validation() {
    }

    public static ValidationReport run(Path measurements, String targetOrNull) {
        return run(measurements, targetOrNull, ValidationOptions.defaults());
    }

    public static ValidationReport run(Path measurements, String targetOrNull, ValidationOptions options) {
        return run(TraceReader.read(measurements), measurements.toString(), targetOrNull, options, Predictors.best());
    }

    public static ValidationReport run(List<Measurement> all, String source, String targetOrNull, ValidationOptions options, Predictor predictor) {
        List<Measurement> selected = all.stream().filter(m -> options.splits().contains(m.split())).toList();
        if (options.calibrated() && targetOrNull == null) {
            Set<String> targets = Set.copyOf(Targets.ids());
            Set<String> systems = Set.copyOf(Systems.ids());
            selected = selected.stream().map(m -> onCalibrated(m, targets, systems)).toList();
        }
        List<ComparisonRow> rows = Comparison.compare(selected, targetOrNull, options.sets(), predictor);
        List<CalibrationResult> cals = new ArrayList<>();
        if (options.calibrate()) {
            Set<String> targets = new LinkedHashSet<>();
            for (Measurement m : all) {
                targets.add(targetOrNull != null ? targetOrNull : m.target());
            }
            targets.remove("");
            for (String t : targets) {
                List<Measurement> mine = all.stream().filter(m -> targetOrNull != null || m.target().equals(t)).toList();
                cals.add(Calibration.fit(t, mine.stream().filter(m -> m.split() == Split.CALIBRATION).toList(),
                        mine.stream().filter(m -> m.split() == Split.TEST).toList(), options.sets()));
            }
        }
        List<LinkCalibrationResult> links = new ArrayList<>();
        if (options.calibrate() && targetOrNull == null) {
            // collectives calibrate the links they ran over (a target override says nothing about the system)
            for (String link : LinkCalibration.linkIds(all)) {
                links.add(LinkCalibration.fit(link, all.stream().filter(m -> m.split() == Split.CALIBRATION).toList(),
                        all.stream().filter(m -> m.split() == Split.TEST).toList()));
            }
        }
        return new ValidationReport(predictor.name(), source, rows, Comparison.byKind(rows), cals, links);
    }

    /**
     * The row with its target and system replaced by their committed calibrated overlays
     * ({@code <id>-calibrated}) where those exist: the figures {@code validate --calibrate} fitted.
     */
    static Measurement onCalibrated(Measurement m, Set<String> targetIds, Set<String> systemIds) {
        String t = targetIds.contains(m.target() + "-calibrated") ? m.target() + "-calibrated" : m.target();
        String s = !m.system().isEmpty() && systemIds.contains(m.system() + "-calibrated") ? m.system() + "-calibrated" : m.system();
        return m.on(t, s);
    }

    /** The published measurement set of this repository, relative to the repository root. */
    public static Path publishedSet(Path repoRoot) {
        return repoRoot.resolve("traces").resolve("published");
    }

    /** Kernel times moesim's own scripts measured on GPUs (traces/measured): checked, never fitted on. */
    public static Path measuredSet(Path repoRoot) {
        return repoRoot.resolve("traces").resolve("measured");
    }
}
