package io.moesim.reports;

import java.awt.Color;
import java.awt.Font;
import java.util.Locale;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;

/** The look shared by every chart: size, fonts, a fixed palette, and a locale-free number format. */
final class ChartStyle {
    static final int WIDTH = 960;
    static final int HEIGHT = 540;

    /** Colour-blind-safe (Okabe–Ito), so processors and systems read apart in print too. */
    private static final Color[] PALETTE = {
        new Color(0x0072B2), new Color(0xD55E00), new Color(0x009E73), new Color(0xCC79A7),
        new Color(0xE69F00), new Color(0x56B4E9), new Color(0xF0E442), new Color(0x000000),
    };

    private ChartStyle() {
    }

    static Color color(int i) {
        return PALETTE[Math.floorMod(i, PALETTE.length)];
    }

    static Color[] palette() {
        return PALETTE.clone();
    }

    /**
     * Axis ranges and tick labels that people read: where all values on an axis are equal (one
     * run, one point) the axis spans 0 to a round number at or above twice the value instead of a sliver around it, and tick
     * labels carry only the decimals that the axis span needs, never the raw float.
     */
    static void readableAxes(AxesChartStyler s, double[] xs, double[] ys) {
        double[] x = range(xs);
        double[] y = range(ys);
        if (x != null) {
            if (x[0] == x[1]) {
                s.setXAxisMin(Math.min(0, x[0] * 2));
                s.setXAxisMax(x[0] == 0 ? 1 : Math.max(0, niceCeil(x[0] * 2)));
            }
            s.setXAxisDecimalPattern(pattern(x));
        }
        if (y != null) {
            if (y[0] == y[1]) {
                s.setYAxisMin(Math.min(0, y[0] * 2));
                s.setYAxisMax(y[0] == 0 ? 1 : Math.max(0, niceCeil(y[0] * 2)));
            }
            s.setYAxisDecimalPattern(pattern(y));
        }
    }

    /** The smallest round number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten) at or above {@code v} > 0; {@code v} itself otherwise. */
    static double niceCeil(double v) {
        if (!(v > 0) || !Double.isFinite(v)) {
            return v;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (m * p >= v * (1 - 1e-12)) {
                return m * p;
            }
        }
        return 10 * p;
    }

    /** Enough decimals for ticks a tenth of the span apart, at most 6; no exponent, no grouping. */
    static String pattern(double[] range) {
        double span = range[1] - range[0];
        if (span == 0) {
            span = Math.abs(range[0]) * 2;
        }
        if (span == 0 || !Double.isFinite(span)) {
            return "0.#";
        }
        int decimals = (int) Math.max(0, Math.min(6, 2 - Math.floor(Math.log10(span))));
        return decimals == 0 ? "0" : "0." + "#".repeat(decimals);
    }

    private static double[] range(double[] v) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (double d : v) {
            if (Double.isFinite(d)) {
                lo = Math.min(lo, d);
                hi = Math.max(hi, d);
            }
        }
        return lo > hi ? null : new double[] {lo, hi};
    }

    static void apply(AxesChartStyler s) {
        // The default locale would change decimal separators from one machine to the next.
        s.setLocale(Locale.ROOT);
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(true);
        s.setPlotGridLinesColor(new Color(0xDDDDDD));
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setLegendBorderColor(Color.WHITE);
        s.setSeriesColors(PALETTE);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        s.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        s.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setToolTipsEnabled(false);
        s.setAntiAlias(true);
    }
}
