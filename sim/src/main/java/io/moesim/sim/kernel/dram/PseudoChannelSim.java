package io.moesim.sim.kernel.dram;

import io.moesim.hw.MemorySpec;
import java.util.Arrays;

/**
 * One HBM3 pseudo-channel, command by command in integer picoseconds: ACT, RD, WR, PRE (and the
 * auto-precharge of closed-page RDA/WRA), and all-bank REF every tREFI (PREA, then tRFC with every
 * bank blocked).
 *
 * <p><b>Scheduler</b>: FR-FCFS over a window of {@code queueDepth} requests taken in arrival order.
 * Each step computes, for every queued request, the next command it needs (RD/WR on a row hit,
 * ACT on a closed bank, PRE on a conflict) and the earliest time that command is legal; the
 * earliest command issues, ties going to column commands (row hits first), then to the oldest
 * request. A PRE is never issued while a queued request still hits the open row, and only the
 * oldest request of a bank may open or close its row. Row commands (ACT, PRE, REF) and column
 * commands (RD, WR) use HBM3's separate row and column command buses, one command per tCK each.
 *
 * <p><b>Constraints</b>: tRCD, tRAS, tRP, tRC, tRTP, tWR per bank; tRRD_S between ACTs of a rank,
 * tRRD_L within a bank group, at most 4 ACTs per tFAW per rank; tCCD_S between column commands of
 * the pseudo-channel, tCCD_L within a bank group; read data at tCL + burst; write/read turnaround
 * per {@link HbmTiming}. Ranks share the data bus (no rank-switch penalty is modelled).
 */
public final class PseudoChannelSim {
    private static final int RD = 0;
    private static final int WR = 1;
    private static final int ACT = 2;
    private static final int PRE = 3;

    private final HbmTiming t;
    private final AddressMapping map;
    private final PagePolicy policy;
    private final int queueDepth;
    private final int bankGroups;
    private final int banksPerGroup;
    private final int ranks;
    private final int banks;
    private final int burstBytes;
    /** A bank's rank and (rank-wide) bank group, by bank index: looked up per queued request per command. */
    private final int[] bankRank;
    private final int[] bankGroupOf;

    public PseudoChannelSim(MemorySpec m, AddressMapping map, PagePolicy policy, int queueDepth) {
        this.t = HbmTiming.of(m);
        this.map = map;
        this.policy = policy;
        this.queueDepth = queueDepth;
        this.bankGroups = m.bankGroups();
        this.banksPerGroup = m.banksPerGroup();
        this.ranks = m.ranks();
        this.banks = m.banksPerPseudoChannel();
        this.burstBytes = m.accessBytes();
        this.bankRank = new int[banks];
        this.bankGroupOf = new int[banks];
        for (int b = 0; b < banks; b++) {
            bankRank[b] = b / (bankGroups * banksPerGroup);
            bankGroupOf[b] = b / banksPerGroup;
        }
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
        long n = Math.min(limit, src.size());
        // bank state
        long[] openRow = new long[banks];
        Arrays.fill(openRow, -1);
        long[] nextAct = new long[banks];
        long[] nextPre = new long[banks];
        long[] nextCol = new long[banks];
        long[] actTime = new long[banks];
        long[] nextActRank = new long[ranks];
        long[] nextActBg = new long[ranks * bankGroups];
        long[] nextColBg = new long[ranks * bankGroups];
        long[] faw = new long[ranks * 4];
        Arrays.fill(faw, Long.MIN_VALUE / 4);
        int[] fawHead = new int[ranks];
        // queue (ring of request slots)
        int q = queueDepth;
        int[] qBank = new int[q];
        long[] qRow = new long[q];
        boolean[] qWrite = new boolean[q];
        boolean[] qActed = new boolean[q];
        long[] qArrive = new long[q];
        int qHead = 0;
        int qCount = 0;
        boolean[] bankSeen = new boolean[banks];
        boolean[] hitPending = new boolean[banks];

        long rowBus = 0;
        long colBus = 0;
        long nextColAny = 0;
        long nextRdAny = 0;
        long nextWrAny = 0;
        long nextRefresh = tm.tREFI();
        long lastIssue = 0;
        long finish = 0;
        long fed = 0;
        long done = 0;
        long acts = 0, pres = 0, reads = 0, writes = 0, refs = 0, hits = 0, refreshPs = 0;

        while (done < n) {
            while (qCount < q && fed < n) {
                int slot = (qHead + qCount) % q;
                long a = src.address(fed);
                int rank = (int) map.field(a, AddressMapping.Field.RANK);
                int bg = (int) map.field(a, AddressMapping.Field.BANKGROUP);
                int bk = (int) map.field(a, AddressMapping.Field.BANK);
                qBank[slot] = (rank * bankGroups + bg) * banksPerGroup + bk;
                qRow[slot] = map.field(a, AddressMapping.Field.ROW);
                qWrite[slot] = src.write(fed);
                qActed[slot] = false;
                qArrive[slot] = lastIssue;
                qCount++;
                fed++;
            }
            // which open rows still have queued hits (a PRE must not close them)
            Arrays.fill(hitPending, false);
            for (int i = 0; i < qCount; i++) {
                int s = (qHead + i) % q;
                if (openRow[qBank[s]] == qRow[s]) {
                    hitPending[qBank[s]] = true;
                }
            }
            Arrays.fill(bankSeen, false);
            long bestT = Long.MAX_VALUE;
            int bestI = -1;
            int bestCmd = -1;
            for (int i = 0; i < qCount; i++) {
                int s = (qHead + i) % q;
                int b = qBank[s];
                boolean oldestOfBank = !bankSeen[b];
                bankSeen[b] = true;
                int rank = bankRank[b];
                int rbg = bankGroupOf[b];
                long when;
                int cmd;
                if (openRow[b] == qRow[s]) {
                    cmd = qWrite[s] ? WR : RD;
                    when = max(qArrive[s], colBus, nextCol[b], nextColAny, nextColBg[rbg], qWrite[s] ? nextWrAny : nextRdAny);
                } else if (!oldestOfBank) {
                    continue;
                } else if (openRow[b] < 0) {
                    cmd = ACT;
                    long fawT = faw[rank * 4 + fawHead[rank]] + tm.tFAW();
                    when = max(qArrive[s], rowBus, nextAct[b], nextActRank[rank], nextActBg[rbg], fawT);
                } else {
                    if (hitPending[b]) {
                        continue;
                    }
                    cmd = PRE;
                    when = Math.max(Math.max(qArrive[s], rowBus), nextPre[b]);
                }
                boolean column = cmd == RD || cmd == WR;
                boolean bestColumn = bestCmd == RD || bestCmd == WR;
                if (when < bestT || (when == bestT && column && !bestColumn)) {
                    bestT = when;
                    bestI = i;
                    bestCmd = cmd;
                }
            }
            if (bestT >= nextRefresh) {
                // all-bank refresh: close every bank, then block them all for tRFC
                long start = Math.max(lastIssue, nextRefresh);
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
                refs++;
                refreshPs += tm.tRFC();
                nextRefresh += tm.tREFI();
                lastIssue = refAt;
                continue;
            }
            int s = (qHead + bestI) % q;
            int b = qBank[s];
            int rank = bankRank[b];
            int rbg = bankGroupOf[b];
            long at = bestT;
            lastIssue = at;
            switch (bestCmd) {
                case ACT -> {
                    openRow[b] = qRow[s];
                    actTime[b] = at;
                    nextCol[b] = at + tm.tRCD();
                    nextPre[b] = at + tm.tRAS();
                    nextAct[b] = at + tm.tRC();
                    nextActRank[rank] = at + tm.tRRDS();
                    nextActBg[rbg] = at + tm.tRRDL();
                    faw[rank * 4 + fawHead[rank]] = at;
                    fawHead[rank] = (fawHead[rank] + 1) & 3;
                    rowBus = at + tm.tCK();
                    qActed[s] = true;
                    acts++;
                }
                case PRE -> {
                    openRow[b] = -1;
                    nextAct[b] = Math.max(nextAct[b], at + tm.tRP());
                    rowBus = at + tm.tCK();
                    pres++;
                }
                default -> {
                    boolean wr = bestCmd == WR;
                    long dataEnd;
                    colBus = at + tm.tCK();
                    nextColAny = at + tm.tCCDS();
                    nextColBg[rbg] = at + tm.tCCDL();
                    if (wr) {
                        dataEnd = at + tm.tCWL() + tm.tBurst();
                        nextPre[b] = Math.max(nextPre[b], dataEnd + tm.tWR());
                        nextRdAny = Math.max(nextRdAny, dataEnd + tm.tWTR());
                        writes++;
                    } else {
                        dataEnd = at + tm.tCL() + tm.tBurst();
                        nextPre[b] = Math.max(nextPre[b], at + tm.tRTP());
                        nextWrAny = Math.max(nextWrAny, at + tm.tRTW());
                        reads++;
                    }
                    if (!qActed[s]) {
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
                    // remove slot s from the ring, keeping age order
                    for (int j = bestI; j > 0; j--) {
                        int to = (qHead + j) % q;
                        int from = (qHead + j - 1) % q;
                        qBank[to] = qBank[from];
                        qRow[to] = qRow[from];
                        qWrite[to] = qWrite[from];
                        qActed[to] = qActed[from];
                        qArrive[to] = qArrive[from];
                    }
                    qHead = (qHead + 1) % q;
                    qCount--;
                }
            }
        }
        return new DramStats(n, (reads + writes) * burstBytes, finish, acts, pres, reads, writes, refs, hits, refreshPs);
    }

    private static long max(long a, long b, long c, long d, long e, long f) {
        return Math.max(Math.max(Math.max(a, b), Math.max(c, d)), Math.max(e, f));
    }
}
