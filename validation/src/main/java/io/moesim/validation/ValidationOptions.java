package io.moesim.validation;

import io.moesim.validation.trace.Split;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Options of {@link Validation#run}.
 *
 * @param splits    which rows to compare (both by default; {@code TEST} alone for the held-out figure)
 * @param calibrate fit the mechanisms of each target on its calibration rows and report their effect
 * @param sets      {@code --set KEY.PATH=VALUE} overrides applied to every target
 * @param calibrated predict each row on its target's and system's committed calibrated overlay
 *                  ({@code <id>-calibrated}) where one exists
 */
public record ValidationOptions(Set<Split> splits, boolean calibrate, List<String> sets, boolean calibrated) {

    public ValidationOptions {
        splits = splits == null || splits.isEmpty() ? EnumSet.allOf(Split.class) : EnumSet.copyOf(splits);
        sets = sets == null ? List.of() : List.copyOf(sets);
    }

    public ValidationOptions(Set<Split> splits, boolean calibrate, List<String> sets) {
        this(splits, calibrate, sets, false);
    }

    public static ValidationOptions defaults() {
        return new ValidationOptions(null, false, null);
    }

    public ValidationOptions withCalibration() {
        return new ValidationOptions(splits, true, sets, calibrated);
    }

    public ValidationOptions onlyTest() {
        return new ValidationOptions(EnumSet.of(Split.TEST), calibrate, sets, calibrated);
    }

    public ValidationOptions onCalibratedOverlays() {
        return new ValidationOptions(splits, calibrate, sets, true);
    }
}
