package io.moesim.cli;

import io.moesim.sim.SimulationRequest;
import java.io.PrintWriter;
import java.util.Locale;

/**
 * Progress on stderr. On a terminal: one line redrawn in place (a bar, counts, an estimate). Not on a
 * terminal (a log, a pipe, CI): a plain line once the run has taken {@value #QUIET_S} s, then one every
 * {@value #EVERY_S} s, and a last line when it ends (each starting with {@code [progress]}), so a redirected long run is not silent for minutes.
 * {@code MOESIM_NO_PROGRESS} (any value) turns both off.
 */
final class Progress implements SimulationRequest.Progress, AutoCloseable {
    static final long QUIET_S = 2;
    static final long EVERY_S = 10;
    /** Lines of progress (not on a terminal) start with this, so a log reader or a script can tell them from errors. */
    static final String PREFIX = "[progress] ";

    private final PrintWriter err;
    private final String label;
    private final boolean enabled;
    private final boolean tty;
    private final long start = System.nanoTime();
    private long lastDraw;
    private long lastCompleted;
    private long lastTotal;
    private double lastSimulated;

    Progress(PrintWriter err, String label) {
        this(err, label, onTerminal(), enabled());
    }

    /** Whether stderr is a terminal (a bar redrawn in place) rather than a log or a pipe (plain lines). */
    static boolean onTerminal() {
        return System.console() != null;
    }

    /** Whether progress is shown at all: {@code MOESIM_NO_PROGRESS} (any value) turns it off. */
    static boolean enabled() {
        return System.getenv("MOESIM_NO_PROGRESS") == null;
    }

    /** A bar of 30 cells, {@code frac} of them filled (rounded down: full only when done). */
    static String bar(double frac) {
        int w = 30;
        int filled = (int) Math.max(0, Math.min(w, Math.floor(frac * w)));
        return "[" + "#".repeat(filled) + " ".repeat(w - filled) + "]";
    }

    Progress(PrintWriter err, String label, boolean tty, boolean enabled) {
        this(err, label, tty, enabled, "requests");
    }

    /** Counting {@code unit} (candidates, finalists, ...) in place of simulated requests: no simulated time is shown. */
    Progress(PrintWriter err, String label, String unit) {
        this(err, label, onTerminal(), enabled(), unit);
    }

    private Progress(PrintWriter err, String label, boolean tty, boolean enabled, String unit) {
        this.err = err;
        this.label = label;
        this.tty = tty;
        this.enabled = enabled;
        this.unit = unit;
    }

    private final String unit;

    /** ", X s simulated" for a simulation's requests, nothing for other units. */
    private String simulated(double s) {
        return unit.equals("requests") ? String.format(Locale.ROOT, ", %.1f s simulated", s) : "";
    }

    @Override
    public void update(long completed, long total, double simulatedS) {
        update(completed, total, simulatedS, System.nanoTime());
    }

    synchronized void update(long completed, long total, double simulatedS, long now) {
        lastCompleted = completed;
        lastTotal = total;
        lastSimulated = simulatedS;
        if (!enabled) {
            return;
        }
        double el = (now - start) / 1e9;
        double frac = total == 0 ? 1 : (double) completed / total;
        if (tty) {
            if (now - lastDraw < 100_000_000L && completed < total) {
                return;
            }
            lastDraw = now;
            String eta = eta(frac, el);
            err.printf(Locale.ROOT, "\r%s %s %d/%d %s%s, %.1fs%s   ", label, bar(frac), completed, total, unit, simulated(simulatedS), el, eta);
            err.flush();
            return;
        }
        if (el < QUIET_S || (lastDraw != 0 && now - lastDraw < EVERY_S * 1_000_000_000L) || completed >= total) {
            return;
        }
        lastDraw = now;
        String eta = eta(frac, el);
        err.printf(Locale.ROOT, PREFIX + "%s: %d/%d %s (%.0f%%)%s, %.0f s so far%s%n", label, completed, total, unit, frac * 100, simulated(simulatedS),
                el, eta);
        err.flush();
    }

    /** Set once {@link #ticking} ran: the run has stages but no counts, so lines say only how long it has run. */
    private volatile String stage;
    private Thread ticker;

    /**
     * For work that reports no counts (validate --calibrate): a daemon thread that calls
     * {@link #tick} every second, so the same cadence applies; {@link #close} stops it.
     */
    Progress ticking(String what) {
        stage = what;
        if (!enabled) {
            return this;
        }
        ticker = new Thread(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(1000);
                    tick(System.nanoTime());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "moesim-progress");
        ticker.setDaemon(true);
        ticker.start();
        return this;
    }

    /** As {@link #ticking} without the thread, so a test drives {@link #tick} with its own clock. */
    void stageForTest(String what) {
        stage = what;
    }

    /** One heartbeat at time {@code now}: a line (not on a terminal) after {@value #QUIET_S} s, then every {@value #EVERY_S} s. */
    synchronized void tick(long now) {
        if (!enabled) {
            return;
        }
        double el = (now - start) / 1e9;
        String what = stage == null ? "running" : stage;
        if (tty) {
            if (el < QUIET_S) {
                return;
            }
            lastDraw = now;
            err.printf(Locale.ROOT, "\r%s: %s, %.0f s so far   ", label, what, el);
            err.flush();
            return;
        }
        if (el < QUIET_S || (lastDraw != 0 && now - lastDraw < EVERY_S * 1_000_000_000L)) {
            return;
        }
        lastDraw = now;
        err.printf(Locale.ROOT, PREFIX + "%s: %s, %.0f s so far%n", label, what, el);
        err.flush();
    }

    /** Formatted only when a line is drawn: the serving loop reports every iteration. */
    private static String eta(double frac, double el) {
        return frac > 0 && frac < 1 ? String.format(Locale.ROOT, " ETA %.0fs", el / frac - el) : "";
    }

    @Override
    public void close() {
        if (ticker != null) {
            ticker.interrupt();
            try {
                ticker.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (this) {
            closeLine();
        }
    }

    private void closeLine() {
        if (!enabled || lastDraw == 0) {
            return;
        }
        if (stage != null) {
            if (tty) {
                err.print("\r" + " ".repeat(100) + "\r");
            } else {
                err.printf(Locale.ROOT, PREFIX + "%s: done in %.0f s%n", label, (System.nanoTime() - start) / 1e9);
            }
            err.flush();
            return;
        }
        if (tty) {
            err.print("\r" + " ".repeat(100) + "\r");
        } else {
            err.printf(Locale.ROOT, PREFIX + "%s: done, %d/%d %s%s, in %.0f s%n", label, lastCompleted, lastTotal, unit, simulated(lastSimulated),
                    (System.nanoTime() - start) / 1e9);
        }
        err.flush();
    }

    /**
     * A sweep's progress (its points, or an experiment's runs) on stderr, as the rest: on a terminal a bar redrawn in place and
     * cleared by {@link #end}; else, once the sweep has taken {@value #QUIET_S} s, a line every {@value #EVERY_S} s.
     */
    static final class Sweep {
        private final PrintWriter err;
        private final String what;
        private final String unit;
        private final boolean quiet = !enabled();
        private final boolean tty = onTerminal() && !quiet;
        private double lastLine = -1;

        /** {@code what} names the sweep ("sweep", "experiment duplex"), {@code unit} what it counts ("points", "runs"). */
        Sweep(PrintWriter err, String what, String unit) {
            this.err = err;
            this.what = what;
            this.unit = unit;
        }

        io.moesim.sweep.SweepProgress.Listener listener() {
            return p -> {
                if (tty) {
                    String eta = p.etaS().isPresent() ? String.format(Locale.ROOT, " ETA %.0fs", p.etaS().getAsDouble()) : "";
                    err.printf(Locale.ROOT, "\r%s %s %d/%d %s%s   ", what, bar(p.total() == 0 ? 1 : (double) p.done() / p.total()), p.done(), p.total(), unit, eta);
                    err.flush();
                } else if (!quiet && p.elapsedS() >= QUIET_S && (lastLine < 0 || p.elapsedS() - lastLine >= EVERY_S) && p.done() < p.total()) {
                    lastLine = p.elapsedS();
                    String eta = p.etaS().isPresent() ? String.format(Locale.ROOT, ", ETA %.0f s", p.etaS().getAsDouble()) : "";
                    err.printf(Locale.ROOT, PREFIX + "%s: %d/%d %s (%d resumed, %d failed), %.0f s so far%s%n", what, p.done(), p.total(), unit,
                            p.resumed(), p.failed(), p.elapsedS(), eta);
                    err.flush();
                }
            };
        }

        /** Clears the bar on a terminal. */
        void end() {
            if (tty) {
                err.print("\r" + " ".repeat(90) + "\r");
                err.flush();
            }
        }
    }
}
