package io.moesim.validation.reference;

import io.moesim.ir.DType;
import java.util.Locale;

/**
 * A GPU output against the reference: the largest absolute error, the largest error relative to the
 * reference's magnitude (floored so near-zero outputs do not blow it up), and whether it is within the
 * dtype's tolerance. Tolerances allow a few units in the last place of the storage type after
 * fp32 accumulation in a different order: bf16 has 8 mantissa bits (2^-8 ≈ 0.4%), fp16 11 bits.
 */
public record NumericCheck(String what, double maxAbs, double maxRel, double tolerance, boolean pass) {

    public static double tolerance(DType dtype) {
        return switch (dtype) {
            case BF16 -> 3e-2;
            case FP16 -> 5e-3;
            case FP32 -> 1e-4;
            default -> 1e-1;
        };
    }

    public static NumericCheck compare(String what, float[] expected, float[] actual, DType dtype) {
        if (expected.length != actual.length) {
            throw new IllegalArgumentException(what + ": " + expected.length + " reference values, " + actual.length + " measured");
        }
        double scale = 0;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        double floor = Math.max(scale * 1e-2, 1e-6);
        double maxAbs = 0;
        double maxRel = 0;
        boolean finite = true;
        for (int i = 0; i < expected.length; i++) {
            if (!Float.isFinite(actual[i])) {
                finite = false;
                continue;
            }
            double d = Math.abs((double) expected[i] - actual[i]);
            maxAbs = Math.max(maxAbs, d);
            maxRel = Math.max(maxRel, d / Math.max(Math.abs(expected[i]), floor));
        }
        double tol = tolerance(dtype);
        return new NumericCheck(what, maxAbs, maxRel, tol, finite && maxRel <= tol);
    }

    public String summary() {
        return String.format(Locale.ROOT, "%s: max abs %.3g, max rel %.3g (tol %.3g) %s", what, maxAbs, maxRel, tolerance, pass ? "ok" : "FAIL");
    }
}
