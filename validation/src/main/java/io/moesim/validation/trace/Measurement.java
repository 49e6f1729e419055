package io.moesim.validation.trace;

import java.util.Optional;

/**
 * One measured op: what ran, where, how long it took (median and spread, in µs) and where the figure
 * comes from. {@code p10Us}/{@code p90Us} are NaN and {@code reps} 0 when the source does not give them.
 *
 * @param target     the moesim target id the GPU corresponds to ({@code h100}, {@code h200}, {@code mi300x}); may be empty
 * @param system     the moesim system id a collective ran on ({@code h100x8}); empty for single-GPU ops
 * @param reported   the figure as the source printed it, when it was converted
 * @param conversion how {@code medianUs} was derived from {@code reported} ("measured" for the GPU runner's rows)
 * @param where      file:line the row was read from (empty for rows made in memory)
 * @param split      calibration or test, as {@link Split#assign} decided over the whole set (TEST until assigned)
 */
public record Measurement(
        OpForm op,
        String gpu,
        String target,
        String system,
        double medianUs,
        double p10Us,
        double p90Us,
        int reps,
        Optional<Reported> reported,
        String conversion,
        String source,
        String note,
        GpuEnvironment env,
        String where,
        Split split) {

    public Measurement {
        if (!(medianUs > 0) || Double.isInfinite(medianUs)) {
            throw new IllegalArgumentException("median_us must be > 0, got " + medianUs);
        }
        target = target == null ? "" : target;
        system = system == null ? "" : system;
        note = note == null ? "" : note;
        where = where == null ? "" : where;
        conversion = conversion == null ? "" : conversion;
        split = split == null ? Split.TEST : split;
    }

    /** This row as predicted on another target and system (same op, measurement and split). */
    public Measurement on(String target, String system) {
        return new Measurement(op, gpu, target, system, medianUs, p10Us, p90Us, reps, reported, conversion, source, note, env, where, split);
    }

    public Measurement withSplit(Split s) {
        return new Measurement(op, gpu, target, system, medianUs, p10Us, p90Us, reps, reported, conversion, source, note, env, where, s);
    }

    public String kind() {
        return op.kind();
    }

    public boolean hasSpread() {
        return !Double.isNaN(p10Us) && !Double.isNaN(p90Us);
    }
}
