package io.moesim.reports;

import java.math.BigDecimal;
import java.math.MathContext;

/** Numbers for people: four significant digits, no exponent for everyday sizes, never locale-dependent. */
final class Numbers {
    private Numbers() {
    }

    static String format(double v) {
        if (Double.isNaN(v)) {
            return "–";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "∞" : "-∞";
        }
        if (v == 0) {
            return "0";
        }
        BigDecimal b = new BigDecimal(v).round(new MathContext(4));
        double a = Math.abs(v);
        return a >= 1e-4 && a < 1e9 ? b.stripTrailingZeros().toPlainString() : b.stripTrailingZeros().toString();
    }

    static String percent(double fraction) {
        return format(fraction * 100) + " %";
    }
}
