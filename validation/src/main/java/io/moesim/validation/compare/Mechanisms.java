package io.moesim.validation.compare;

import java.util.Locale;

/**
 * The calibratable mechanisms behind the gap between datasheet peak and achieved time; each is a
 * physical figure with a meaning of its own, never a per-row factor:
 *
 * @param achievedClockMHz     the SM clock the matrix engines run at under sustained load (datasheet
 *                             peaks assume the boost clock; power and thermals pull it down)
 * @param dramEfficiency       the fraction of the declared HBM bandwidth a streaming kernel reaches
 *                             (refresh, row switches and read/write turnarounds take the rest)
 * @param launchOverheadUs     fixed time per kernel: launch, prologue, pipeline fill and drain
 */
public record Mechanisms(double achievedClockMHz, double dramEfficiency, double launchOverheadUs) {

    public Mechanisms {
        if (!(achievedClockMHz > 0) || !(dramEfficiency > 0) || dramEfficiency > 1.5 || launchOverheadUs < 0) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "bad mechanisms: clock %s MHz, DRAM efficiency %s, launch %s us",
                    achievedClockMHz, dramEfficiency, launchOverheadUs));
        }
    }

    /** The datasheet: spec clock, full bandwidth, no launch cost (the plain roofline). */
    public static Mechanisms datasheet(double clockMHz) {
        return new Mechanisms(clockMHz, 1.0, 0.0);
    }

    public String describe() {
        return String.format(Locale.ROOT, "clock %.0f MHz, DRAM efficiency %.2f, launch %.1f us", achievedClockMHz, dramEfficiency, launchOverheadUs);
    }
}
