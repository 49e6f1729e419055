package io.moesim.cli;

import io.moesim.sim.SimulationRequest;
import java.io.PrintWriter;
import java.util.Locale;

/** A one-line progress display on stderr, drawn only when stderr is a terminal (not in scripts or tests). */
final class Progress implements SimulationRequest.Progress, AutoCloseable {
    private final PrintWriter err;
    private final String label;
    private final boolean enabled;
    private final long start = System.nanoTime();
    private long lastDraw;

    Progress(PrintWriter err, String label) {
        this.err = err;
        this.label = label;
        this.enabled = System.console() != null && System.getenv("MOESIM_NO_PROGRESS") == null;
    }

    @Override
    public void update(long completed, long total, double simulatedS) {
        if (!enabled) {
            return;
        }
        long now = System.nanoTime();
        if (now - lastDraw < 100_000_000L && completed < total) {
            return;
        }
        lastDraw = now;
        double el = (now - start) / 1e9;
        double frac = total == 0 ? 1 : (double) completed / total;
        int w = 30;
        int filled = (int) Math.round(frac * w);
        String eta = frac > 0 && frac < 1 ? String.format(Locale.ROOT, " ETA %.0fs", el / frac - el) : "";
        err.printf(Locale.ROOT, "\r%s [%s%s] %d/%d requests, %.1f s simulated, %.1fs%s   ", label, "#".repeat(filled), " ".repeat(w - filled),
                completed, total, simulatedS, el, eta);
        err.flush();
    }

    @Override
    public void close() {
        if (enabled && lastDraw != 0) {
            err.print("\r" + " ".repeat(100) + "\r");
            err.flush();
        }
    }
}
