package io.moesim.validation.trace;

import java.util.Locale;

/**
 * A figure as a source printed it, before conversion to microseconds. Sources print either a time
 * ({@code us}, {@code ms}) or a rate ({@code TFLOPS}, {@code GBps} of memory traffic, nccl-tests'
 * {@code busbw_GBps} / {@code algbw_GBps}); a rate is only meaningful with the FLOP or byte count the
 * source divided by, which {@code convention} names (see {@link Conversion}).
 */
public record Reported(double value, Unit unit, String convention) {

    /** What a reported number measures. */
    public enum Unit {
        US, MS, TFLOPS, GBPS, BUSBW_GBPS, ALGBW_GBPS;

        public static Unit parse(String s) {
            for (Unit u : values()) {
                if (u.name().equalsIgnoreCase(s.trim())) {
                    return u;
                }
            }
            throw new IllegalArgumentException("unknown unit '" + s + "' (expected us, ms, TFLOPS, GBps, busbw_GBps, algbw_GBps)");
        }

        public boolean isTime() {
            return this == US || this == MS;
        }

        public String text() {
            return switch (this) {
                case US -> "us";
                case MS -> "ms";
                case TFLOPS -> "TFLOPS";
                case GBPS -> "GBps";
                case BUSBW_GBPS -> "busbw_GBps";
                case ALGBW_GBPS -> "algbw_GBps";
            };
        }
    }

    public Reported {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException("reported value must be > 0, got " + value);
        }
        convention = convention == null ? "" : convention.toLowerCase(Locale.ROOT);
    }

    /** "time" or "rate", as the trace README asks each row to say. */
    public String nature() {
        return unit.isTime() ? "time" : "rate";
    }
}
