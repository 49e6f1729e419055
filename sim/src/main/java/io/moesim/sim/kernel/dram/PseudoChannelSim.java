package io.moesim.sim.kernel.dram;

import io.moesim.hw.MemoryController;
import io.moesim.hw.MemorySpec;
import io.moesim.sim.kernel.KernelException;
import java.util.Arrays;

/**
 * One HBM3 pseudo-channel, command by command in integer picoseconds: ACT, RD, WR, PRE (and the
 * auto-precharge of closed-page RDA/WRA) and refresh, all-bank (REFab) or per-bank (REFpb).
 *
 * <p><b>Controller</b> (as Ramulator 2's generic controller and DRAMsim3 build one): a read queue
 * and a write queue. The front end hands requests over in order and stalls while the next one's
 * queue is full. The scheduler serves reads until the write queue fills past its high watermark
 * (or no read waits), then drains writes until the write queue falls below its low watermark and
 * a read waits: writes go out in batches, so the bus turns around once per batch, not per write.
 *
 * <p><b>Scheduler</b>: FR-FCFS over the queue being served, in arrival order. Each step computes,
 * for every queued request, the next command it needs (RD/WR on a row hit, ACT on a closed bank,
 * PRE on a conflict) and the earliest time that command is legal; the earliest command issues,
 * ties going to column commands (row hits first), then to the oldest request. A PRE is never
 * issued while a queued request still hits the open row, and only the oldest request of a bank may
 * open or close its row. Row commands (ACT, PRE, REF) and column commands (RD, WR) use HBM3's
 * separate row and column command buses, one command per tCK each.
 *
 * <p><b>Constraints</b> (JESD238 scopes, as Ramulator 2.1 applies them): per bank tRCD (RD) /
 * tRCD_WR, tRAS, tRP, tRC, tRTP, write recovery tCWL + burst + tWR; per pseudo-channel, over all
 * its stack IDs, tRRD_S between any two ACTs and at most 4 ACTs per tFAW; tRRD_L between ACTs of
 * one bank group of one stack ID; tCCD_S between column commands of one stack ID, tCCD_R between
 * column commands of different stack IDs, tCCD_L within a bank group; read data at tCL + burst,
 * write data at tCWL + burst; a read waits tCWL + burst + tWTR_S after a write (tWTR_L in the
 * same bank group), a write waits tRTW after a read.
 *
 * <p><b>Refresh</b>: all-bank every tREFI (PREA, then tRFC with every bank blocked); the
 * controller may postpone up to {@link MemoryController#refreshPostponeMax()} of them while row
 * hits wait, and catches up before the next row command. Per-bank: one bank every tREFI / banks,
 * round robin, blocked for tRFC_pb, with tRREFD to the next ACT or REFpb of another bank.
 */
public final class PseudoChannelSim {
    private static final int RD = 0;
    private static final int WR = 1;
    private static final int ACT = 2;
    private static final int PRE = 3;

    private final HbmTiming t;
    private final AddressMapping map;
    private final PagePolicy policy;
    private final MemoryController ctrl;
    private final int bankGroups;
    private final int banksPerGroup;
    private final int banks;
    private final int burstBytes;
    /** A bank's stack ID and (stack-wide) bank group, by bank index: looked up per queued request per command. */
    private final int[] bankSid;
    private final int[] bankGroupOf;

    /** One controller queue: a ring of request slots in arrival order. */
    private static final class Queue {
        final int cap;
        final int[] bank;
        final long[] row;
        final boolean[] acted;
        final long[] arrive;
        int head;
        int count;

        Queue(int cap) {
            this.cap = cap;
            bank = new int[cap];
            row = new long[cap];
            acted = new boolean[cap];
            arrive = new long[cap];
        }

        int slot(int i) {
            int s = head + i;
            return s >= cap ? s - cap : s;
        }

        void add(int b, long r, long at) {
            int s = slot(count);
            bank[s] = b;
            row[s] = r;
            acted[s] = false;
            arrive[s] = at;
            count++;
        }

        /** Removes the i-th oldest entry, keeping age order. */
        void remove(int i) {
            for (int j = i; j > 0; j--) {
                int to = slot(j);
                int from = slot(j - 1);
                bank[to] = bank[from];
                row[to] = row[from];
                acted[to] = acted[from];
                arrive[to] = arrive[from];
            }
            head = slot(1);
            count--;
        }
    }

    public PseudoChannelSim(MemorySpec m, AddressMapping map, PagePolicy policy, MemoryController ctrl) {
        this.t = HbmTiming.of(m);
        this.map = map;
        this.policy = policy;
        this.ctrl = ctrl;
        this.bankGroups = m.bankGroups();
        this.banksPerGroup = m.banksPerGroup();
        this.banks = m.banksPerPseudoChannel();
        this.burstBytes = m.accessBytes();
        if (ctrl.refresh() == MemoryController.Refresh.PER_BANK) {
            if (banks > 64) {
                throw new KernelException("per-bank refresh is modelled for at most 64 banks per pseudo-channel, got " + banks);
            }
            if (t.tRFCpb() < 0 || t.tRREFD() < 0) {
                throw new KernelException("memory.controller.refresh per_bank needs memory.tRFC_pb_ns and memory.tRREFD_ns in the spec");
            }
        }
        this.bankSid = new int[banks];
        this.bankGroupOf = new int[banks];
        for (int b = 0; b < banks; b++) {
            bankSid[b] = b / (bankGroups * banksPerGroup);
            bankGroupOf[b] = b / banksPerGroup;
        }
    }

    /** The spec's own controller (queues, write drain, refresh mode). */
    public PseudoChannelSim(MemorySpec m, AddressMapping map, PagePolicy policy) {
        this(m, map, policy, m.controller());
    }

    public HbmTiming timing() {
        return t;
    }

    public int burstBytes() {
        return burstBytes;
    }

    public DramStats run(RequestSource src) {
        return run(src, src.size(), null);
    }

    /**
     * Runs the first {@code limit} requests of {@code src}. When {@code completion} is given, entry
     * i+1 receives the time the (i+1)-th request completed in order of completion (a prefix
     * maximum: the time by which i+1 requests were done); entry 0 is 0.
     */
    public DramStats run(RequestSource src, long limit, long[] completion) {
        final HbmTiming tm = t;
        final boolean perBank = ctrl.refresh() == MemoryController.Refresh.PER_BANK;
        final int highMark = ctrl.writeHighMark();
        final int lowMark = ctrl.writeLowMark();
        final int postponeMax = ctrl.refreshPostponeMax();
        long n = Math.min(limit, src.size());
        // bank state
        long[] openRow = new long[banks];
        Arrays.fill(openRow, -1);
        long[] nextAct = new long[banks];
        long[] nextPre = new long[banks];
        long[] nextRd = new long[banks];
        long[] nextWr = new long[banks];
        long[] actTime = new long[banks];
        int groups = banks / banksPerGroup;
        long[] nextActBg = new long[groups];
        long[] nextColBg = new long[groups];
        long[] nextRdBg = new long[groups];
        long[] faw = new long[4];
        Arrays.fill(faw, Long.MIN_VALUE / 4);
        int fawHead = 0;
        Queue reads = new Queue(ctrl.readQueue());
        Queue writes = new Queue(ctrl.writeQueue());
        boolean writeMode = false;
        boolean[] bankSeen = new boolean[banks];
        boolean[] hitPending = new boolean[banks];

        long rowBus = 0;
        long colBus = 0;
        long nextActAny = 0;
        int lastColSid = -1;
        long nextColSameSid = 0;
        long nextColOtherSid = 0;
        long nextRdAny = 0;
        long nextWrAny = 0;
        long refreshInterval = perBank ? Math.max(1, tm.tREFI() / banks) : tm.tREFI();
        long nextRefresh = refreshInterval;
        int owed = 0;
        long refreshedThisRound = 0;
        long lastRefPb = Long.MIN_VALUE / 4;
        long lastIssue = 0;
        long finish = 0;
        long fed = 0;
        long done = 0;
        long acts = 0, pres = 0, readsDone = 0, writesDone = 0, refs = 0, hits = 0, refreshPs = 0;

        while (done < n) {
            while (fed < n) {
                long a = src.address(fed);
                Queue to = src.write(fed) ? writes : reads;
                if (to.count == to.cap) {
                    break; // in-order front end: the next request waits for room in its queue
                }
                int sid = (int) map.field(a, AddressMapping.Field.RANK);
                int bg = (int) map.field(a, AddressMapping.Field.BANKGROUP);
                int bk = (int) map.field(a, AddressMapping.Field.BANK);
                to.add((sid * bankGroups + bg) * banksPerGroup + bk, map.field(a, AddressMapping.Field.ROW), lastIssue);
                fed++;
            }
            if (!writeMode) {
                writeMode = writes.count > highMark || (reads.count == 0 && writes.count > 0);
            } else if (writes.count == 0 || (writes.count < lowMark && reads.count > 0)) {
                writeMode = false;
            }
            Queue q = writeMode ? writes : reads;
            Queue other = writeMode ? reads : writes;
            boolean wr = writeMode;
            // which open rows still have queued hits (a PRE must not close them): the served
            // queue's, and those of the other queue's requests whose row was opened for them
            Arrays.fill(hitPending, false);
            for (int i = 0; i < q.count; i++) {
                int s = q.slot(i);
                if (openRow[q.bank[s]] == q.row[s]) {
                    hitPending[q.bank[s]] = true;
                }
            }
            for (int i = 0; i < other.count; i++) {
                int s = other.slot(i);
                if (other.acted[s] && openRow[other.bank[s]] == other.row[s]) {
                    hitPending[other.bank[s]] = true;
                }
            }
            Arrays.fill(bankSeen, false);
            long bestT = Long.MAX_VALUE;
            int bestI = -1;
            int bestCmd = -1;
            long fawT = faw[fawHead] + tm.tFAW();
            Queue bestQ = q;
            // requests of the other queue whose row was opened for them finish first (as
            // Ramulator's active buffer): a mode switch never strands an activation
            for (int i = 0; i < other.count; i++) {
                int s = other.slot(i);
                int b = other.bank[s];
                if (!other.acted[s] || openRow[b] != other.row[s]) {
                    continue;
                }
                int rbg = bankGroupOf[b];
                long ccd = bankSid[b] == lastColSid ? nextColSameSid : nextColOtherSid;
                long when = !wr ? max(other.arrive[s], colBus, nextWr[b], ccd, nextColBg[rbg], nextWrAny)
                        : Math.max(max(other.arrive[s], colBus, nextRd[b], ccd, nextColBg[rbg], nextRdAny), nextRdBg[rbg]);
                if (when < bestT) {
                    bestT = when;
                    bestI = i;
                    bestCmd = wr ? RD : WR;
                    bestQ = other;
                }
            }
            for (int i = 0; i < q.count; i++) {
                int s = q.slot(i);
                int b = q.bank[s];
                boolean oldestOfBank = !bankSeen[b];
                bankSeen[b] = true;
                int rbg = bankGroupOf[b];
                long when;
                int cmd;
                if (openRow[b] == q.row[s]) {
                    cmd = wr ? WR : RD;
                    long ccd = bankSid[b] == lastColSid ? nextColSameSid : nextColOtherSid;
                    when = wr ? max(q.arrive[s], colBus, nextWr[b], ccd, nextColBg[rbg], nextWrAny)
                            : Math.max(max(q.arrive[s], colBus, nextRd[b], ccd, nextColBg[rbg], nextRdAny), nextRdBg[rbg]);
                } else if (!oldestOfBank) {
                    continue;
                } else if (openRow[b] < 0) {
                    cmd = ACT;
                    when = max(q.arrive[s], rowBus, nextAct[b], nextActAny, nextActBg[rbg], fawT);
                } else {
                    if (hitPending[b]) {
                        continue;
                    }
                    cmd = PRE;
                    when = Math.max(Math.max(q.arrive[s], rowBus), nextPre[b]);
                }
                boolean column = cmd == RD || cmd == WR;
                boolean bestColumn = bestCmd == RD || bestCmd == WR;
                if (when < bestT || (when == bestT && column && !bestColumn)) {
                    bestT = when;
                    bestI = i;
                    bestCmd = cmd;
                    bestQ = q;
                }
            }
            if (bestI < 0) {
                throw new IllegalStateException("DRAM scheduler found no command for " + q.count + " queued requests");
            }
            while (nextRefresh <= bestT) {
                owed++;
                nextRefresh += refreshInterval;
            }
            boolean bestColumn = bestCmd == RD || bestCmd == WR;
            if (owed > 0 && (owed > postponeMax || !bestColumn)) {
                long due = nextRefresh - (long) owed * refreshInterval;
                long start = Math.max(lastIssue, due);
                if (perBank) {
                    // REFpb: JEDEC lets each bank be refreshed once per tREFI in any order, so the
                    // controller takes a bank of this round that no queued request needs (an idle
                    // one), else a closed one, else the lowest; it closes it if open and blocks it
                    // alone for tRFC_pb
                    int b = pickRefreshBank(refreshedThisRound, openRow, reads, writes, bankSeen);
                    refreshedThisRound |= 1L << b;
                    if (Long.bitCount(refreshedThisRound) == banks) {
                        refreshedThisRound = 0;
                    }
                    long refAt = Math.max(start, Math.max(rowBus, lastRefPb + tm.tRREFD()));
                    if (openRow[b] >= 0) {
                        long preAt = Math.max(refAt, nextPre[b]);
                        refAt = preAt + tm.tRP();
                        openRow[b] = -1;
                        pres++;
                    }
                    refAt = Math.max(refAt, nextAct[b]);
                    nextAct[b] = refAt + tm.tRFCpb();
                    nextActAny = Math.max(nextActAny, refAt + tm.tRREFD());
                    lastRefPb = refAt;
                    rowBus = refAt + tm.tCK();
                    refreshPs += tm.tRFCpb() / banks;
                    lastIssue = refAt;
                } else {
                    // REFab: close every bank, then block them all for tRFC
                    long preAt = start;
                    boolean anyOpen = false;
                    for (int b = 0; b < banks; b++) {
                        if (openRow[b] >= 0) {
                            anyOpen = true;
                            preAt = Math.max(preAt, nextPre[b]);
                        }
                    }
                    long refAt = anyOpen ? preAt + tm.tRP() : preAt;
                    for (int b = 0; b < banks; b++) {
                        refAt = Math.max(refAt, nextAct[b]);
                    }
                    refAt = Math.max(refAt, rowBus);
                    long free = refAt + tm.tRFC();
                    for (int b = 0; b < banks; b++) {
                        if (openRow[b] >= 0) {
                            pres++;
                        }
                        openRow[b] = -1;
                        nextAct[b] = free;
                    }
                    rowBus = refAt + tm.tCK();
                    refreshPs += tm.tRFC();
                    lastIssue = refAt;
                }
                refs++;
                owed--;
                continue;
            }
            q = bestQ;
            int s = q.slot(bestI);
            int b = q.bank[s];
            int rbg = bankGroupOf[b];
            long at = bestT;
            lastIssue = at;
            switch (bestCmd) {
                case ACT -> {
                    openRow[b] = q.row[s];
                    actTime[b] = at;
                    nextRd[b] = at + tm.tRCD();
                    nextWr[b] = at + tm.tRCDWR();
                    nextPre[b] = at + tm.tRAS();
                    nextAct[b] = at + tm.tRC();
                    nextActAny = Math.max(nextActAny, at + tm.tRRDS());
                    nextActBg[rbg] = at + tm.tRRDL();
                    faw[fawHead] = at;
                    fawHead = (fawHead + 1) & 3;
                    rowBus = at + tm.tCK();
                    q.acted[s] = true;
                    acts++;
                }
                case PRE -> {
                    openRow[b] = -1;
                    nextAct[b] = Math.max(nextAct[b], at + tm.tRP());
                    rowBus = at + tm.tCK();
                    pres++;
                }
                default -> {
                    long dataEnd;
                    colBus = at + tm.tCK();
                    lastColSid = bankSid[b];
                    nextColSameSid = at + tm.tCCDS();
                    nextColOtherSid = at + tm.tCCDR();
                    nextColBg[rbg] = at + tm.tCCDL();
                    if (bestCmd == WR) {
                        dataEnd = at + tm.tCWL() + tm.tBurst();
                        nextPre[b] = Math.max(nextPre[b], dataEnd + tm.tWR());
                        nextRdAny = Math.max(nextRdAny, dataEnd + tm.tWTRS());
                        nextRdBg[rbg] = Math.max(nextRdBg[rbg], dataEnd + tm.tWTRL());
                        writesDone++;
                    } else {
                        dataEnd = at + tm.tCL() + tm.tBurst();
                        nextPre[b] = Math.max(nextPre[b], at + tm.tRTP());
                        nextWrAny = Math.max(nextWrAny, at + tm.tRTW());
                        readsDone++;
                    }
                    if (!q.acted[s]) {
                        hits++;
                    }
                    if (policy == PagePolicy.CLOSED) {
                        long preAt = Math.max(nextPre[b], actTime[b] + tm.tRAS());
                        openRow[b] = -1;
                        nextAct[b] = Math.max(nextAct[b], preAt + tm.tRP());
                        pres++;
                    }
                    finish = Math.max(finish, dataEnd);
                    done++;
                    if (completion != null) {
                        completion[(int) done] = finish;
                    }
                    q.remove(bestI);
                }
            }
        }
        return new DramStats(n, (readsDone + writesDone) * burstBytes, finish, acts, pres, readsDone, writesDone, refs, hits,
                refreshPs);
    }

    /** The bank a per-bank refresh takes: not yet refreshed this round; idle, else closed, else the lowest. */
    private static int pickRefreshBank(long done, long[] openRow, Queue reads, Queue writes, boolean[] needed) {
        Arrays.fill(needed, false);
        for (int i = 0; i < reads.count; i++) {
            needed[reads.bank[reads.slot(i)]] = true;
        }
        for (int i = 0; i < writes.count; i++) {
            needed[writes.bank[writes.slot(i)]] = true;
        }
        int closed = -1;
        int any = -1;
        for (int b = 0; b < openRow.length; b++) {
            if ((done & (1L << b)) != 0) {
                continue;
            }
            if (any < 0) {
                any = b;
            }
            if (openRow[b] < 0) {
                if (!needed[b]) {
                    return b;
                }
                if (closed < 0) {
                    closed = b;
                }
            }
        }
        return closed >= 0 ? closed : any;
    }

    private static long max(long a, long b, long c, long d, long e, long f) {
        return Math.max(Math.max(Math.max(a, b), Math.max(c, d)), Math.max(e, f));
    }
}
