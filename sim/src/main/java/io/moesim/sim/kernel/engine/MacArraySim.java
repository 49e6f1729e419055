package io.moesim.sim.kernel.engine;

/**
 * Cycle model of an output-stationary R×C MAC array (the FIRRTL {@code MacArray} block) computing
 * an M×N×K product as {@code ceil(M/R)·ceil(N/C)} tiles issued back to back.
 *
 * <p>Per tile the block's FSM goes start → COMPUTE (K operand clocks, then R + C − 2 clocks for the
 * skewed wavefront to reach the far corner) → DRAIN (R clocks, one output row each) → DONE; with
 * start held high, DONE doubles as the next tile's start. {@link #cycles} walks those phases tile
 * by tile; {@link #cyclesStepped} walks them clock by clock (for checking on small shapes).
 * Both give {@code 1 + T·(K + 2R + C − 1)}: pipeline fill and drain are the 2R + C − 1 clocks
 * per tile beyond the K useful ones.
 */
public final class MacArraySim {
    private MacArraySim() {
    }

    public static long tiles(int rows, int cols, long m, long n) {
        return ((m + rows - 1) / rows) * ((n + cols - 1) / cols);
    }

    /** Phase by phase, tile by tile. */
    public static long cycles(int rows, int cols, long m, long n, long k) {
        long t = tiles(rows, cols, m, n);
        long cycles = 1; // the clock in which the first start is accepted
        long compute = k + rows + cols - 2;
        long drain = rows;
        for (long i = 0; i < t; i++) {
            cycles += compute + drain + 1; // DONE, which accepts the next start
            if (i > 1_000 && i < t - 1) {
                // tiles are identical: the rest costs the same per tile
                cycles += (t - 1 - i) * (compute + drain + 1);
                break;
            }
        }
        return cycles;
    }

    /** Clock by clock through the FSM states (IDLE, COMPUTE, DRAIN, DONE). */
    public static long cyclesStepped(int rows, int cols, long m, long n, long k) {
        long t = tiles(rows, cols, m, n);
        final int idle = 0, compute = 1, drain = 2, done = 3;
        int state = idle;
        long clocks = 0, counter = 0, tilesDone = 0;
        while (true) {
            clocks++;
            switch (state) {
                case idle -> { state = compute; counter = 0; }
                case compute -> {
                    if (++counter == k + rows + cols - 2) {
                        state = drain;
                        counter = 0;
                    }
                }
                case drain -> {
                    if (++counter == rows) {
                        state = done;
                    }
                }
                default -> {
                    tilesDone++;
                    if (tilesDone == t) {
                        return clocks;
                    }
                    state = compute; // start held high: DONE accepts the next tile
                    counter = 0;
                }
            }
            if (state == compute && k + rows + cols - 2 == 0) {
                state = drain;
            }
        }
    }

    /** The array shape standing for an engine of {@code macs} MACs per clock: R a power of two ≤ √macs, C = macs / R. */
    public static int[] shapeFor(int macs) {
        int r = Integer.highestOneBit(Math.max(1, (int) Math.sqrt(macs)));
        r = Math.min(r, 256);
        int c = Math.max(1, Math.min(256, macs / r));
        return new int[] {r, c};
    }
}
