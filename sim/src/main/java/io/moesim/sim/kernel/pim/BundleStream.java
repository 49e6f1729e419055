package io.moesim.sim.kernel.pim;

import io.moesim.hw.DerivedFigures;
import io.moesim.hw.MemorySpec;
import io.moesim.hw.PimSpec;
import io.moesim.sim.kernel.dram.HbmTiming;

/**
 * The DRAM side of one PIM engine: the bank-bundle reads of its pseudo-channel, access after
 * access, in integer picoseconds. All bundles of the pseudo-channel are read in lock step, one
 * access each per step; a step is tCCD_L, or longer where the TSVs cap the stack's internal
 * bandwidth (Logic-PIM only). The bits of a step are shared evenly by the PC's engines.
 *
 * <p><b>Rows</b>: an access takes {@code bitsPerBundleAccess / banksPerBundle} bits from each bank of
 * the bundle, so a bundle row (one page in each of its banks) lasts {@code page × 8 / that}
 * accesses (128 for Logic-PIM: 1 KB pages, 64 bits per bank). Then every bank of every bundle is
 * precharged and activated again with all-bank PRE/ACT commands, costing tRP + tRCD (after tRAS
 * and tRTP are met). <b>Decision</b>: tFAW and tRRD do not bind all-bank PIM activations, as in
 * Samsung's HBM-PIM all-bank mode and the Ramulator PIM patch the Duplex authors used (its power
 * delivery is sized for it); with tFAW, 32 activations per row switch would cost 4 tFAW per rank.
 *
 * <p><b>Refresh</b>: all-bank REF every tREFI blocks the stream for tRFC (plus the precharge and
 * reactivation of the open rows). Each access's data is delivered tCL + burst after it issues.
 * Back-pressure: {@link #nextStep(long)} never delivers data before the given time (the FIFO slot
 * it needs is free then); the read may issue up to one read latency earlier.
 */
public final class BundleStream {
    private final HbmTiming t;
    private final long stepPs;
    private final int accessesPerRow;
    private long nextIssue;
    private long rowStart;
    private int accessInRow;
    private long nextRefresh;
    private long steps;
    private long refreshes;
    private long rowSwitches;

    public BundleStream(PimSpec pim, MemorySpec m) {
        this.t = HbmTiming.of(m);
        double bitsPerStep = (double) pim.bitsPerBundleAccess() * pim.bundlesPerPseudoChannel();
        long step = t.tCCDL();
        if (pim.tsvMultiplier().isPresent()) {
            // TSV cap: multiplier × one stack's pins, shared by the stack's pseudo-channels
            double tsvGbpsPerPc = pim.tsvMultiplier().getAsDouble() * DerivedFigures.externalBandwidthPerStackGBps(m) * 8
                    / m.pseudoChannelsPerStack();
            step = Math.max(step, (long) Math.ceil(bitsPerStep / tsvGbpsPerPc * 1000.0 - 0.5));
        }
        this.stepPs = step;
        int bitsPerBank = Math.max(1, pim.bitsPerBundleAccess() / Math.max(1, pim.banksPerBundle()));
        this.accessesPerRow = Math.max(1, m.pageSizeB() * 8 / bitsPerBank);
        this.nextRefresh = t.tREFI();
        this.rowStart = 0;
        this.nextIssue = t.tRCD(); // first activation at 0
    }

    /** Picoseconds between accesses while a row is open. */
    public long stepPs() {
        return stepPs;
    }

    public int accessesPerRow() {
        return accessesPerRow;
    }

    /** Issues the next access so its data arrives no earlier than {@code notBefore}; returns the arrival. */
    public long nextStep(long notBeforeArrival) {
        long notBefore = notBeforeArrival - t.tCL() - t.tBurst();
        if (accessInRow == accessesPerRow) {
            long pre = Math.max(nextIssue - stepPs + t.tRTP(), rowStart + t.tRAS());
            rowStart = pre + t.tRP();
            nextIssue = rowStart + t.tRCD();
            accessInRow = 0;
            rowSwitches++;
        }
        long issue = Math.max(nextIssue, notBefore);
        if (issue >= nextRefresh) {
            // close the rows, refresh, reopen the same rows
            long pre = Math.max(Math.max(nextRefresh, nextIssue - stepPs + t.tRTP()), rowStart + t.tRAS());
            long refEnd = pre + t.tRP() + t.tRFC();
            rowStart = refEnd;
            issue = Math.max(refEnd + t.tRCD(), notBefore);
            nextRefresh += t.tREFI();
            refreshes++;
        }
        nextIssue = issue + stepPs;
        accessInRow++;
        steps++;
        return issue + t.tCL() + t.tBurst();
    }

    /** The stream's state between two steps (its timing figures are the spec's and do not change). */
    record State(long nextIssue, long rowStart, int accessInRow, long nextRefresh, long steps, long refreshes, long rowSwitches) {
    }

    State state() {
        return new State(nextIssue, rowStart, accessInRow, nextRefresh, steps, refreshes, rowSwitches);
    }

    /** Puts the stream in a state taken from a stream of the same spec. */
    void restore(State s) {
        nextIssue = s.nextIssue;
        rowStart = s.rowStart;
        accessInRow = s.accessInRow;
        nextRefresh = s.nextRefresh;
        steps = s.steps;
        refreshes = s.refreshes;
        rowSwitches = s.rowSwitches;
    }

    public long steps() {
        return steps;
    }

    public long refreshes() {
        return refreshes;
    }

    public long rowSwitches() {
        return rowSwitches;
    }
}
