package io.moesim.sim.kernel.dram;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.MemoryController;
import io.moesim.hw.MemorySpec;
import io.moesim.hw.Targets;
import io.moesim.sim.kernel.KernelException;
import org.junit.jupiter.api.Test;

/**
 * One rule at a time, on the shipped H100 timing (whole 0.769 ns clocks at 5.2 Gb/s): tRCD 20.000,
 * tRCD_WR 10.000, tCL 13.077, tCWL 6.923, tCCD_S 1.538 (the 1.539 ns burst), tCCD_R 2.308 ns;
 * expected times are sums of those figures, in picoseconds.
 */
@Tag("slow")
class DramTimingRulesTest {
    private static final MemorySpec H100 = Targets.load("h100").memory();

    private static MemorySpec withController(MemoryController c) {
        MemorySpec b = H100;
        return new MemorySpec(b.generation(), b.stacks(), b.capacityGB(), b.capacityPerStackGB(), b.driverTotalMiB(), b.channelsPerStack(),
                b.pseudoChannelsPerChannel(), b.ranks(), b.bankGroups(), b.banksPerGroup(), b.pageSizeB(), b.burstLength(),
                b.dataRateGbps(), b.busWidthBitsPerStack(), b.hbmBandwidthGBps(), b.timing(), c);
    }

    private static MemoryController controller(MemoryController.Refresh refresh, int postpone, double hi, double lo, String mapping) {
        return new MemoryController(32, 32, hi, lo, refresh, postpone, mapping);
    }

    private static DramStats run(MemorySpec m, RequestSource src) {
        AddressMapping map = AddressMapping.parse(m.controller().addressMapping(), 32, 32, 4, 4, m.ranks());
        return new PseudoChannelSim(m, map, PagePolicy.OPEN).run(src);
    }

    private static RequestSource one(boolean write) {
        return new RequestSource() {
            @Override public long size() { return 1; }
            @Override public long address(long i) { return 0; }
            @Override public boolean write(long i) { return write; }
        };
    }

    @Test
    void aWriteLandsAtTrcdWrPlusWriteLatencyNotReadLatency() {
        // ACT at 0; WR at tRCD_WR = 10.000 ns; data ends tCWL + burst later: 10000 + 6923 + 1539 ps
        assertEquals(10_000 + 6_923 + 1_539, run(H100, one(true)).finishPs());
        // a read: ACT at 0, RD at tRCD = 20.000 ns, data ends tCL + burst later
        assertEquals(20_000 + 13_077 + 1_539, run(H100, one(false)).finishPs());
    }

    @Test
    void switchingStackIdsSpacesColumnsByTccdR() {
        // the same row bursts of one bank group set, once all in SID 0 and once alternating SIDs
        // (bg-interleave-32 puts SID 1 16 KiB above SID 0): in open rows the column bus runs at
        // tCCD_S = one burst (1.539 ns) within a SID and at tCCD_R = 2.308 ns across SIDs. A queue
        // of one request keeps the order (FR-FCFS would group a deeper queue by SID and hide it).
        MemorySpec m = withController(new MemoryController(1, 32, 0.8, 0.2, MemoryController.Refresh.ALL_BANK, 0, "bg-interleave-32"));
        int n = 128 * 200; // passes over 128 bursts (4 bank groups x 32 columns of one row each): opening rows amortised
        RequestSource sameSid = src(n, i -> (i % 128) * 32L);
        RequestSource alternating = src(n, i -> (i % 2) * 16384L + ((i / 2) % 128) * 32L);
        double same = run(m, sameSid).bandwidthGBps();
        double alt = run(m, alternating).bandwidthGBps();
        System.out.printf("open rows: same SID %.2f GB/s, alternating SIDs %.2f GB/s%n", same, alt);
        // the alternating stream also reopens twice the rows after each refresh (one queued
        // request: no overlap), about 2% of its time; hence the tolerance
        assertEquals(1.539 / 2.308, alt / same, 0.03);
    }

    @Test
    void writesDrainInBatchesAboveTheHighWatermark() {
        // triad-like: two read streams and one write stream in open rows; draining writes in
        // batches turns the bus around once per batch, so it beats switching at every write
        RequestSource triad = src(60_000, i -> (i % 3 == 0 ? 0 : i % 3 == 1 ? 20480L : 40960L) + (i / 3) * 32, i -> i % 3 == 2);
        double batched = run(withController(MemoryController.DEFAULTS), triad).bandwidthGBps();
        double eager = run(withController(controller(MemoryController.Refresh.ALL_BANK, 0, 1.0 / 32, 0.01, "bg-interleave-64")), triad)
                .bandwidthGBps();
        System.out.printf("triad: batched writes %.2f GB/s, eager writes %.2f GB/s%n", batched, eager);
        assertTrue(batched > 1.05 * eager, batched + " vs " + eager);
    }

    @Test
    void postponedRefreshesAreAllStillIssued() {
        RequestSource seq = RequestSource.sequential(200_000, 32);
        DramStats now = run(withController(MemoryController.DEFAULTS), seq);
        DramStats later = run(withController(controller(MemoryController.Refresh.ALL_BANK, 8, 0.8, 0.2, "bg-interleave-64")), seq);
        // one refresh per tREFI of run time either way (owed ones are caught up), and deferring
        // them while row hits wait never costs bandwidth
        assertEquals(later.finishPs() / 3_900_000.0, later.refreshes(), 8.0);
        assertTrue(later.bandwidthGBps() >= now.bandwidthGBps() * 0.999);
    }

    @Test
    void perBankRefreshIssuesOneRefreshPerBankPerTrefi() {
        MemorySpec m = withController(controller(MemoryController.Refresh.PER_BANK, 0, 0.8, 0.2, "bg-interleave-64"));
        DramStats s = run(m, RequestSource.sequential(200_000, 32));
        // 32 banks (2 SIDs x 16): one REFpb every 3900 / 32 = 121.875 ns
        assertEquals(s.finishPs() / 121_875.0, s.refreshes(), 2.0);
        // a refreshing bank blocks only itself: the stream keeps most of its all-bank bandwidth
        assertTrue(s.bandwidthGBps() > 0.8 * run(H100, RequestSource.sequential(200_000, 32)).bandwidthGBps());
    }

    @Test
    void a64ByteAccessIsOneActivationUnderTheDefaultMapping() {
        RequestSource rand64 = RequestSource.random(20_000, 2, 32, 1L << 29, 3);
        DramStats oneRow = run(H100, rand64);
        DramStats split = run(withController(controller(MemoryController.Refresh.ALL_BANK, 0, 0.8, 0.2, "bg-interleave-32")), rand64);
        assertEquals(0.5, (double) oneRow.acts() / oneRow.requests(), 0.01);
        assertEquals(1.0, (double) split.acts() / split.requests(), 0.01);
        assertTrue(oneRow.bandwidthGBps() > 1.6 * split.bandwidthGBps());
    }

    @Test
    void namedMappingsAndTheLowColumnDigit() {
        AddressMapping m = AddressMapping.parse("bg-interleave-64", 32, 32, 4, 4, 2);
        assertEquals("row:rank:bank:column:bankgroup:column/2", m.text());
        // bursts 0 and 1 share bank group 0 and row 0; burst 2 moves to bank group 1
        assertEquals(0, m.field(32, AddressMapping.Field.BANKGROUP));
        assertEquals(1, m.field(32, AddressMapping.Field.COLUMN));
        assertEquals(1, m.field(64, AddressMapping.Field.BANKGROUP));
        assertEquals(0, m.field(64, AddressMapping.Field.COLUMN));
        // after 4 bank groups x 2 bursts, the column advances by 2
        assertEquals(2, m.field(256, AddressMapping.Field.COLUMN));
        assertThrows(KernelException.class, () -> AddressMapping.parse("row:rank:bank:column:bankgroup:column/3", 32, 32, 4, 4, 2));
    }

    private static RequestSource src(long n, java.util.function.LongUnaryOperator address) {
        return src(n, address, i -> false);
    }

    private static RequestSource src(long n, java.util.function.LongUnaryOperator address, java.util.function.LongPredicate write) {
        return new RequestSource() {
            @Override public long size() { return n; }
            @Override public long address(long i) { return address.applyAsLong(i); }
            @Override public boolean write(long i) { return write.test(i); }
        };
    }
}
