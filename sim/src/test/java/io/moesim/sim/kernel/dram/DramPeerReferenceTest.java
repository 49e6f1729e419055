package io.moesim.sim.kernel.dram;

import org.junit.jupiter.api.Tag;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DramTiming;
import io.moesim.hw.MemoryController;
import io.moesim.hw.MemorySpec;
import io.moesim.hw.Targets;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * moesim's pseudo-channel model against Ramulator 2.1, the open simulator whose JEDEC-derived HBM3
 * preset (HBM3_6400Mbps) moesim's HBM targets now follow, on the reference streams of
 * {@code shared/reference/dram-peers} (peer figures in {@code dram-peers/peer-results.csv}).
 *
 * <p>The streams are the reference's, generated here from the same description: per
 * pseudo-channel, 32 B bursts laid out with the {@code bg-interleave-32} mapping the reference
 * drew them with; {@code seq} sequential reads; {@code rand32}/{@code rand64} uniformly random 32
 * B / 64 B reads; {@code mix} random 32 B with one write in three; {@code triad} two sequential
 * read streams (at 0 and 20 KiB) and one sequential write stream (at 40 KiB), interleaved. (The
 * triad offsets are the ones for which moesim's pre-0.5 model reproduces its own reference row,
 * 16.72 GB/s with 36.8 k activations per million requests.)
 *
 * <p>Stack IDs: the reference draws bank group, bank, row and column from the mapping, not the stack
 * ID. Its random streams do reach both SIDs on two-SID sets (Ramulator 2.1's mix gains 11.5% from
 * stock to stock2sid), but its triad evidently stays in one: Ramulator 2.1's two-SID triad is its
 * one-SID triad scaled by the refresh time alone (16.80 / 17.19 = 0.978 where (1 - 350/3900) / (1 -
 * 260/3900) = 0.975; 14.42 / 14.44 = 0.999 at equal tRFC), while the same streams spread over both
 * SIDs by the mapping run 4.4% faster in moesim (fewer conflicts between the three streams). So the
 * sequential streams are laid in SID 0 here ({@link #run}); the spread triad is checked separately.
 *
 * <p>Timing sets: "equal timing" is moesim's former H100 figures written into the peer (one and
 * two stack IDs, write latency = read latency); "own preset" is Ramulator 2.1's HBM3_6400Mbps with
 * one stack ID (its HBM3_4Gb org: tRFC 260 ns) and with two (HBM3_16Gb_8hi: tRFC 350 ns).
 */
@Tag("slow")
class DramPeerReferenceTest {
    /** Requests per run: a few refresh intervals' worth of steady state, seconds in CI. */
    private static final long N = 200_000;
    private static final long SPAN = 1L << 29;
    private static final OptionalDouble NONE = OptionalDouble.empty();
    private static final Map<String, Double> PEER = new HashMap<>();

    @BeforeAll
    static void readPeers() throws IOException {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                DramPeerReferenceTest.class.getResourceAsStream("/dram-peers/peer-results.csv"), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("#") || line.startsWith("tool,")) {
                    continue;
                }
                String[] p = line.split(",");
                PEER.put(p[0] + "/" + p[1] + "/" + p[2], Double.parseDouble(p[4]));
            }
        }
    }

    /** Each row: moesim set, peer set of Ramulator 2.1, stream, tolerance (2%, as the issue asks). */
    @ParameterizedTest(name = "{0} vs Ramulator 2.1 {1}: {2}")
    @CsvSource({
        "equal-1sid, h100, seq, 0.02", "equal-1sid, h100, rand32, 0.02", "equal-1sid, h100, rand64, 0.02",
        "equal-1sid, h100, mix, 0.02", "equal-1sid, h100, triad, 0.02",
        "equal-2sid, h100sid2, seq, 0.02", "equal-2sid, h100sid2, rand32, 0.02", "equal-2sid, h100sid2, rand64, 0.02",
        "equal-2sid, h100sid2, mix, 0.02", "equal-2sid, h100sid2, triad, 0.02",
        "r21-1sid, stock, seq, 0.02", "r21-1sid, stock, rand32, 0.02", "r21-1sid, stock, rand64, 0.02",
        "r21-1sid, stock, mix, 0.02", "r21-1sid, stock, triad, 0.02",
        "r21-2sid, stock2sid, seq, 0.02", "r21-2sid, stock2sid, rand32, 0.02", "r21-2sid, stock2sid, rand64, 0.02",
        "r21-2sid, stock2sid, mix, 0.02", "r21-2sid, stock2sid, triad, 0.02",
        // per-bank refresh: moesim refreshes an idle bank of the round first; random reads agree
        "r21-1sid-pb, stock_pb, rand32, 0.02", "r21-1sid-pb, stock_pb, rand64, 0.02",
    })
    void withinToleranceOfRamulator21(String set, String peerSet, String stream, double tolerance) {
        compare(set, "ramulator2.1", peerSet, stream, tolerance);
    }

    /**
     * On the other peers' own presets, against that peer: Ramulator 2.0's HBM3_2Gbps (its generic
     * controller's read-to-write turnaround nCL + nBL + 2 - nCWL = 11 tCK) and DRAMsim3's HBM (HBM2:
     * 128-bit channels, 64 B bursts, read-to-write RL + BL/2 + tRTRS - WL = 13 tCK). DRAMsim3's
     * triad is left out: the reference does not say how its triad was laid out in 64 B bursts.
     */
    @ParameterizedTest(name = "{0} vs {1}: {2}")
    @CsvSource({
        "r20-preset, ramulator2.0, seq", "r20-preset, ramulator2.0, rand32", "r20-preset, ramulator2.0, rand64",
        "r20-preset, ramulator2.0, mix", "r20-preset, ramulator2.0, triad",
        "dsim3-preset, dramsim3, seq", "dsim3-preset, dramsim3, rand32", "dsim3-preset, dramsim3, rand64",
        "dsim3-preset, dramsim3, mix",
    })
    void withinTwoPercentOfEachPeerOnItsOwnPreset(String set, String peer, String stream) {
        compare(set, peer, "stock", stream, 0.02);
    }

    private static void compare(String set, String tool, String peerSet, String stream, double tolerance) {
        DramStats s = run(spec(set), stream);
        double peer = PEER.get(tool + "/" + peerSet + "/" + stream);
        double err = s.bandwidthGBps() / peer - 1;
        System.out.printf(Locale.ROOT, "dram-peers %-12s %-7s moesim %7.4f GB/s  %s %-9s %7.4f  %+.2f%%  (acts/req %.3f)%n",
                set, stream, s.bandwidthGBps(), tool, peerSet, peer, err * 100, (double) s.acts() / s.requests());
        assertTrue(Math.abs(err) <= tolerance, set + " " + stream + ": " + s.bandwidthGBps() + " vs " + peer);
    }

    @ParameterizedTest(name = "tFAW over the pseudo-channel: {0}")
    @CsvSource({"equal-1sid", "equal-2sid"})
    void activationWindowSpansBothStackIds(String set) {
        // JESD238 counts tFAW and tRRD per pseudo-channel: a second stack ID adds banks, not
        // activations. With the former per-SID rule the two-SID random rate nearly doubled
        // (7.49 GB/s where Ramulator 2.1 gives 3.86).
        double one = run(spec("equal-1sid"), "rand32").bandwidthGBps();
        double two = run(spec(set), "rand32").bandwidthGBps();
        // the bound: 4 activations of 32 B per tFAW (30 ns) = 4.27 GB/s, less refresh (8.97%)
        assertTrue(two <= 4 * 32 / 30.0 * 1.001);
        assertEquals(one, two, one * 0.01);
    }

    /** The H100 target as shipped: random 32 B reads sit under its own tFAW bound per pseudo-channel. */
    @org.junit.jupiter.api.Test
    void shippedH100RandomReadsAreBoundByItsTfaw() {
        MemorySpec m = Targets.load("h100").memory();
        PseudoChannelSim pc = new PseudoChannelSim(m, AddressMapping.parse(m.controller().addressMapping(), 32, 32, 4, 4, 2), PagePolicy.OPEN);
        DramStats s = pc.run(RequestSource.random(N, 1, 32, SPAN, 7));
        double tfaw = m.timing().tFAWns();
        double bound = 4 * 32 / tfaw * (1 - m.timing().tRFCns() / m.timing().tREFIns());
        System.out.printf(Locale.ROOT, "h100 shipped: random 32 B %.3f GB/s per PC (tFAW %.3f ns bound %.3f)%n", s.bandwidthGBps(), tfaw, bound);
        assertTrue(s.bandwidthGBps() <= bound * 1.001);
        assertTrue(s.bandwidthGBps() >= 0.9 * bound);
    }

    /** Runs a reference stream: random streams over every stack ID, sequential ones in SID 0 (see the class comment). */
    static DramStats run(MemorySpec m, String stream) {
        boolean sequential = stream.equals("seq") || stream.equals("triad");
        return run(m, stream, sequential ? 1 : m.ranks());
    }

    private static DramStats run(MemorySpec m, String stream, int sidsReached) {
        int burst = m.accessBytes();
        AddressMapping map = AddressMapping.parse("bg-interleave-32", burst, m.pageSizeB() / burst, 4, 4, sidsReached);
        return new PseudoChannelSim(m, map, PagePolicy.OPEN).run(stream(stream, burst));
    }

    /**
     * The triad spread over both stack IDs by the mapping (stream i's SID from its address) has twice
     * the banks for the same three streams, so fewer row conflicts between them: never slower than
     * the triad confined to one SID, and bounded by the data bus (peak less refresh).
     */
    @ParameterizedTest(name = "triad over both stack IDs: {0}")
    @CsvSource({"equal-2sid", "r21-2sid"})
    void triadSpreadOverBothStackIdsIsNoSlowerThanInOne(String set) {
        MemorySpec m = spec(set);
        DramStats spread = run(m, "triad", 2);
        DramStats one = run(m, "triad", 1);
        double peak = (double) m.accessBytes() / HbmTiming.of(m).tBurst() * 1000.0 * (1 - m.timing().tRFCns() / m.timing().tREFIns());
        System.out.printf(Locale.ROOT, "dram-peers %-12s triad over 2 SIDs %7.4f GB/s (acts/req %.3f), in SID 0 %7.4f (acts/req %.3f)%n", set,
                spread.bandwidthGBps(), (double) spread.acts() / spread.requests(), one.bandwidthGBps(), (double) one.acts() / one.requests());
        assertTrue(spread.bandwidthGBps() >= one.bandwidthGBps());
        assertTrue(spread.bandwidthGBps() <= peak, spread.bandwidthGBps() + " > " + peak);
    }

    /** The reference stream, in bursts of the set's access size (32 B for HBM3 pseudo-channels, 64 B for DRAMsim3's HBM2). */
    static RequestSource stream(String name, int burst) {
        return switch (name) {
            case "seq" -> RequestSource.sequential(N, burst);
            case "rand32" -> RequestSource.random(N, 1, burst, SPAN, 7);
            case "rand64" -> RequestSource.random(N / 2, 2, burst, SPAN, 7);
            case "mix" -> mix();
            case "triad" -> triad();
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** Random 32 B, each request a write with probability 1/3 (a seeded hash of its index). */
    private static RequestSource mix() {
        RequestSource r = RequestSource.random(N, 1, 32, SPAN, 5);
        return new RequestSource() {
            @Override public long size() { return N; }
            @Override public long address(long i) { return r.address(i); }
            @Override public boolean write(long i) {
                long z = (i + 5) * 0x9E3779B97F4A7C15L;
                z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L;
                return Long.remainderUnsigned(z ^ (z >>> 29), 3) == 0;
            }
        };
    }

    /** a[i] = b[i] + s c[i]: reads at 0 and 20 KiB, writes at 40 KiB, one burst of each in turn. */
    private static RequestSource triad() {
        return new RequestSource() {
            @Override public long size() { return N; }
            @Override public long address(long i) {
                int which = (int) (i % 3);
                return (which == 0 ? 0 : which == 1 ? 20 * 1024 : 40 * 1024) + (i / 3) * 32;
            }
            @Override public boolean write(long i) { return i % 3 == 2; }
        };
    }

    static MemorySpec spec(String set) {
        MemorySpec h = Targets.load("h100").memory();
        MemoryController allBank = new MemoryController(32, 32, 0.8, 0.2, MemoryController.Refresh.ALL_BANK, 0, "bg-interleave-32");
        MemoryController perBank = new MemoryController(32, 32, 0.8, 0.2, MemoryController.Refresh.PER_BANK, 0, "bg-interleave-32");
        return switch (set) {
            case "equal-1sid" -> with(h, 1, formerH100(), 5.2, allBank);
            case "equal-2sid" -> with(h, 2, formerH100(), 5.2, allBank);
            case "r21-1sid" -> with(h, 1, ramulator21(260), 6.4, allBank);
            case "r21-2sid" -> with(h, 2, ramulator21(350), 6.4, allBank);
            case "r21-1sid-pb" -> with(h, 1, ramulator21(260), 6.4, perBank);

            // Ramulator 2.0 HBM3_2Gbps: tCK 1 ns, nBL 4 (a 32 B burst per 4 ns), tRFC 350 ns
            case "r20-preset" -> with(h, 1, new DramTiming("Ramulator 2.0 HBM3_2Gbps", 1, 7, 7, 17, 19, 1, 2, 2, 3, 15, 8, 3, 350, 3900, 7,
                    4, o(7), o(2), o(3), o(4), o(7 + 4 + 2 - 2), NONE, NONE, NONE), 2.0, allBank);
            // DRAMsim3 HBM (configs/HBM_4Gb_x128): 128-bit channels, BL4 = 64 B per 2 ns, tRFC 260 ns
            case "dsim3-preset" -> new MemorySpec(h.generation(), 8, h.capacityGB(), h.capacityPerStackGB(), h.driverTotalMiB(), 8, 1, 1, 4, 4, 1024, 4, 2.0,
                    1024, 2048, new DramTiming("DRAMsim3 HBM", 1, 14, 14, 34, 48, 1, 2, 4, 6, 30, 16, 6, 260, 3900, 14, 2, o(14), o(4),
                    o(6), o(8), o(14 + 2 + 1 - 4), NONE, NONE, NONE), allBank);
            default -> throw new IllegalArgumentException(set);
        };
    }

    private static MemorySpec with(MemorySpec b, int sids, DramTiming t, double rate, MemoryController c) {
        return new MemorySpec(b.generation(), b.stacks(), b.capacityGB(), b.capacityPerStackGB(), b.driverTotalMiB(), b.channelsPerStack(),
                b.pseudoChannelsPerChannel(), sids, b.bankGroups(), b.banksPerGroup(), b.pageSizeB(), b.burstLength(), rate,
                b.busWidthBitsPerStack(), b.hbmBandwidthGBps(), t, c);
    }

    /** moesim's H100 figures before this change (the AttAcc-fork values the reference calls equal timing). */
    private static DramTiming formerH100() {
        return new DramTiming("former h100", 0.769, 14.615, 14.615, 34.615, 48.462, 1.538, 3.077, 1.538, 3.077, 30.0, 16.154, 6.154,
                350, 3900, 14.615, 1.538, NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE);
    }

    /** Ramulator 2.1's HBM3_6400Mbps preset, clock counts at tCK 0.625 ns. */
    private static DramTiming ramulator21(double tRFCns) {
        double k = 0.625;
        return new DramTiming("Ramulator 2.1 HBM3_6400Mbps", k, 31 * k, 26 * k, 45 * k, 72 * k, 2 * k, 4 * k, 4 * k, 5 * k, 24 * k,
                33 * k, 9 * k, tRFCns, 3900, 20 * k, 2 * k, o(15 * k), o(10 * k), o(7 * k), o(10 * k), o(20 * k), o(3 * k),
                o(320 * k), o(8 * k));
    }

    private static OptionalDouble o(double v) {
        return OptionalDouble.of(v);
    }
}
