package io.moesim.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.NcclModel.Collective;
import io.moesim.hw.NcclModel.Protocol;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** NCCL's protocols by hand: least time over LL and Simple (or NVLS); all-to-all on LL or Simple by the bytes per peer. */
class NcclModelTest {
    @TempDir
    Path dir;

    /** LL 5 us + 0.5 us per step at a quarter of the link; Simple 20 us at 0.8; NVLS at 0.6 from 4 GPUs; p2p 15 us at 0.6. */
    private static final NcclModel M = new NcclModel("nccl", "test", new Protocol(5, 0.5, 0.25), new Protocol(20, 0, 0.8), 0.6, 4,
            new Protocol(15, 0, 0.6));

    /** 450 GB/s per direction is 450e3 bytes per us. */
    private static final double LINK = 450;

    @Test
    void smallMessagesRunLlLargeOnesSimple() {
        // all-gather of 64 KiB on 8 GPUs: L = 7/8 x 64 KiB = 57344 B; LL 5 + 7 x 0.5 + 57344 / (0.25 x 450e3) = 9.0098 us,
        // Simple 20 + 57344 / (0.8 x 450e3) = 20.159 us
        NcclModel.Call small = M.call(Collective.ALL_GATHER, 57344, 65536, 8, LINK);
        assertEquals("ll", small.protocol());
        assertEquals(5 + 3.5 + 57344 / 112500.0, small.us(), 1e-9);
        // 64 MiB: L = 7/8 x 2^26 = 58720256 B; Simple 20 + 58720256 / 360000 = 183.11 us, LL far slower
        NcclModel.Call big = M.call(Collective.ALL_GATHER, 58720256, 1 << 26, 8, LINK);
        assertEquals("simple", big.protocol());
        assertEquals(20 + 58720256 / 360000.0, big.us(), 1e-9);
        // a reduce-scatter is the same ring: g - 1 steps
        assertEquals(big.us(), M.call(Collective.REDUCE_SCATTER, 58720256, 1 << 26, 8, LINK).us(), 1e-12);
    }

    @Test
    void allReduceRunsNvlsFromItsGroupAndARingBelow() {
        double t = 1 << 26;
        // 2 GPUs: ring, L = 2 x 1/2 x T, 2 steps: Simple 20 + 2^26 / 360000
        NcclModel.Call two = M.call(Collective.ALL_REDUCE, t, t, 2, LINK);
        assertEquals("simple", two.protocol());
        assertEquals(20 + t / 360000, two.us(), 1e-9);
        // 8 GPUs: NVLS moves 9/8 T at 0.6 of the link after Simple's latencies
        NcclModel.Call eight = M.call(Collective.ALL_REDUCE, 2 * 7.0 / 8 * t, t, 8, LINK);
        assertEquals("nvls", eight.protocol());
        assertEquals(20 + 9.0 / 8 * t / (0.6 * 450e3), eight.us(), 1e-9);
        // a small all-reduce on 8 GPUs: LL with 2 x 7 steps: 5 + 7 + L / 112500
        NcclModel.Call tiny = M.call(Collective.ALL_REDUCE, 1792, 1024, 8, LINK);
        assertEquals("ll", tiny.protocol());
        assertEquals(12 + 1792 / 112500.0, tiny.us(), 1e-9);
        assertEquals(0, M.call(Collective.ALL_REDUCE, t, t, 1, LINK).us());
    }

    /**
     * NVLS with a base latency of its own (70 us, as NCCL's tuner keeps one per algorithm): on 8 GPUs the ring (Simple 20 us,
     * 2 x 7/8 T at 0.8 of 450 GB/s) is quicker up to where 20 + 1.75 T / 360000 = 70 + 1.125 T / 270000, T = 50 / (1.75 / 360000
     * - 1.125 / 270000) = 72.0 MB; above it NVLS. A model built without the figure keeps Simple's base and two steps (20 us).
     */
    @Test
    void nvlsWithItsOwnLatencyRunsOnlyWhereQuickerThanTheRing() {
        NcclModel m = new NcclModel("nccl", "test", M.ll(), M.simple(), 0.6, 4, M.p2p(), 70);
        assertEquals(20, M.nvlsBaseUs(), 1e-12);
        double cross = 50 / (1.75 / 360000 - 1.125 / 270000);
        assertEquals(72.0e6, cross, 0.1e6);
        double below = 64e6;
        NcclModel.Call ring = m.call(Collective.ALL_REDUCE, 1.75 * below, below, 8, LINK);
        assertEquals("simple", ring.protocol());
        assertEquals(20 + 1.75 * below / 360000, ring.us(), 1e-9);
        double above = 96e6;
        NcclModel.Call nvls = m.call(Collective.ALL_REDUCE, 1.75 * above, above, 8, LINK);
        assertEquals("nvls", nvls.protocol());
        assertEquals(70 + 1.125 * above / 270000, nvls.us(), 1e-9);
        assertEquals(m, m.withNvlsMinGroup(4), "the group change keeps the latency");
        assertThrows(IllegalArgumentException.class, () -> new NcclModel("nccl", "t", M.ll(), M.simple(), 0.6, 4, M.p2p(), -1));
    }

    /**
     * An all-to-all's protocol is chosen by the bytes each peer gets (T / g), not by time: at most 16 KiB runs LL, more runs
     * Simple. By hand with M (no p2p_ll figures: the ring LL's 5 + 0.5 us at 0.25 of 450 GB/s, on one peer's bytes):
     * 128 KiB on 8 GPUs is 16 KiB per peer, LL 5.5 + 16384 / 112500 = 5.6456 us; one byte more per peer runs Simple,
     * 15 + L / (0.6 x 450e3) with L = 7/8 of the buffer, though LL would still be far quicker there (5.65 us).
     */
    @Test
    void allToAllRunsLlUpToSixteenKibPerPeerAndSimpleAbove() {
        double t = 8 * 16384;
        NcclModel.Call small = M.call(Collective.ALL_TO_ALL, 7.0 / 8 * t, t, 8, LINK);
        assertEquals("p2p-ll", small.protocol());
        assertEquals(5.5 + 16384 / 112500.0, small.us(), 1e-9);
        double t2 = 8 * 16385;
        NcclModel.Call above = M.call(Collective.ALL_TO_ALL, 7.0 / 8 * t2, t2, 8, LINK);
        assertEquals("p2p", above.protocol());
        assertEquals(15 + 7.0 / 8 * t2 / 270000, above.us(), 1e-9);
        // the same 16 KiB per peer on 2 GPUs takes as long: each peer's send runs on its own channel
        assertEquals(small.us(), M.call(Collective.ALL_TO_ALL, 16384, 2 * 16384, 2, LINK).us(), 1e-12);
        // a library's own p2p_ll figures replace the ring LL's
        NcclModel own = new NcclModel("nccl", "t", M.ll(), M.simple(), 0.6, 4, M.p2p(), M.nvlsBaseUs(), new Protocol(7, 0, 0.02));
        assertEquals(7 + 16384 / 9000.0, own.call(Collective.ALL_TO_ALL, 7.0 / 8 * t, t, 8, LINK).us(), 1e-9);
        assertEquals(own, own.withNvlsMinGroup(4), "the group change keeps p2p_ll");
    }

    @Test
    void theBuiltInLibraryLoadsAndTheFrameworksCallIt() {
        NcclModel n = NcclModel.load("nccl");
        assertTrue(n.ll().bandwidthFraction() < n.simple().bandwidthFraction(), "LL carries half its lines as flags");
        assertTrue(n.ll().baseUs() < n.simple().baseUs());
        for (String fw : new String[] {"trtllm", "vllm", "sglang"}) {
            assertEquals(n, FrameworkProfiles.load(fw).collectives().orElseThrow(), fw);
        }
        assertTrue(FrameworkProfiles.load("ideal").collectives().isEmpty());
        // the kernel figures alone (plain timing loops, the published sets) keep the library: nccl-tests times NCCL alone
        assertEquals(n, FrameworkProfiles.load("trtllm").kernelsOnly().collectives().orElseThrow());
    }

    /**
     * A framework's own all-reduce that hands messages above nccl_above_bytes to the library: by hand, 16 MiB on 8 GPUs through
     * the switch runs NVLS at the library's figures (Simple's base and two steps, 9/8 of the buffer at NVLS's share of 450 GB/s);
     * below it the framework's own two-shot kernel. Without a library such a regime has no time; without collectives the key
     * alone is a one-line error.
     */
    @Test
    void theFrameworksAllReduceHandsLargeMessagesToTheLibrary() throws IOException {
        Path fw = dir.resolve("car.yaml");
        String car = "custom_all_reduce:\n  call_overhead_us: {value: 3, source: t}\n  bandwidth_fraction: {value: 0.7, source: t}\n"
                + "  one_shot_max_bytes: {value: 1048576, source: t}\n  nccl_above_bytes: {value: 8388608, source: t}\n";
        Files.writeString(fw, "name: x\ncollectives: nccl\n" + car);
        FrameworkProfile p = FrameworkProfiles.load(fw.toString());
        FrameworkProfile.CustomAllReduce a = p.customAllReduce().orElseThrow();
        NcclModel n = NcclModel.load("nccl");
        double b = 16 << 20;
        double ringUs = n.simple().baseUs() + 2 * 7 * n.simple().stepUs() + 2 * 7.0 / 8 * b / (n.simple().bandwidthFraction() * 450e3);
        double nvlsUs = n.nvlsBaseUs() + 9.0 / 8 * b / (n.nvlsFraction() * 450e3);
        assertTrue(n.nvlsMinGroup() > 0 && n.nvlsMinGroup() <= 8, "the built-in library may run NVLS on 8 GPUs");
        assertEquals(Math.min(ringUs, nvlsUs) * 1e-6, a.seconds(b, 8, 450, p.collectives()), 1e-12);
        assertEquals(ringUs < nvlsUs ? "nccl-simple" : "nccl-nvls", a.regime(b, 8, p.collectives(), 450));
        assertEquals(ringUs < nvlsUs ? 2 * 7.0 / 8 * b : 9.0 / 8 * b, a.movedBytes(b, 8, p.collectives(), 450), 1e-6);
        // 1 GiB: the switch's reduction pays for its latency (NVLS moves 9/8 of the buffer, the ring 14/8)
        double gib = 1 << 30;
        assertEquals("nccl-nvls", a.regime(gib, 8, p.collectives(), 450));
        // 4 MiB: the framework's own two-shot kernel, two phases of 3 us and 2 x 7/8 of the buffer at 0.7 of the link
        double small = 4 << 20;
        assertEquals(6e-6 + 2 * 7.0 / 8 * small / (0.7 * 450e9), a.seconds(small, 8, 450, p.collectives()), 1e-12);
        assertThrows(IllegalStateException.class, () -> a.seconds(b, 8, 450));
        Files.writeString(fw, "name: x\n" + car);
        SpecException e = assertThrows(SpecException.class, () -> FrameworkProfiles.load(fw.toString()));
        assertTrue(e.getMessage().contains("custom_all_reduce.nccl_above_bytes") && e.getMessage().contains("collectives"), e.getMessage());
        // the built-in profiles hand their large messages to the library
        for (String id : new String[] {"trtllm", "vllm", "sglang"}) {
            FrameworkProfile.CustomAllReduce c = FrameworkProfiles.load(id).customAllReduce().orElseThrow();
            assertTrue(c.hasNccl() && !c.hasOwnNcclFigures(), id);
        }
    }

    private SpecException error(String yaml) throws IOException {
        Path p = dir.resolve("lib.yaml");
        Files.writeString(p, yaml);
        return assertThrows(SpecException.class, () -> NcclModel.load(p.toString()));
    }

    private static final String OK = "name: x\nll: {base_us: {value: 5, source: t}, bandwidth_fraction: {value: 0.3, source: t}}\n"
            + "simple: {base_us: {value: 20, source: t}, bandwidth_fraction: {value: 0.7, source: t}}\n"
            + "nvls: {bandwidth_fraction: {value: 0.6, source: t}}\n"
            + "p2p: {base_us: {value: 15, source: t}, bandwidth_fraction: {value: 0.6, source: t}}\n";

    @Test
    void badLibrariesSayWhere() throws IOException {
        Path p = dir.resolve("ok.yaml");
        Files.writeString(p, OK);
        NcclModel ok = NcclModel.load(p.toString());
        assertEquals(0, ok.ll().stepUs(), "an absent step_us is no step latency");
        assertEquals(0, ok.nvlsMinGroup(), "an absent min_group is never NVLS");
        assertEquals(20, ok.nvlsBaseUs(), 1e-12, "an absent nvls.base_us is Simple's base and two of its (absent) steps");
        assertEquals(new Protocol(5, 0, 0.3), ok.p2pLl(), "an absent p2p_ll is the ring LL's base, one (absent) step and share");
        Files.writeString(p, OK + "p2p_ll: {base_us: {value: 7.5, source: t}, bandwidth_fraction: {value: 0.021, source: t}}\n");
        assertEquals(new Protocol(7.5, 0, 0.021), NcclModel.load(p.toString()).p2pLl());
        SpecException badLl = error(OK + "p2p_ll: {base_us: {value: 7.5, source: t}}\n");
        assertTrue(badLl.getMessage().contains("p2p_ll.bandwidth_fraction") && badLl.getMessage().contains("missing"), badLl.getMessage());
        Files.writeString(p, OK.replace("nvls: {", "nvls: {base_us: {value: 65, source: t}, "));
        assertEquals(65, NcclModel.load(p.toString()).nvlsBaseUs(), 1e-12);
        SpecException neg = error(OK.replace("nvls: {", "nvls: {base_us: {value: -3, source: t}, "));
        assertTrue(neg.getMessage().contains("nvls.base_us"), neg.getMessage());
        SpecException e = error(OK.replace("value: 0.7", "value: 1.5"));
        assertTrue(e.getMessage().contains("simple.bandwidth_fraction") && e.getMessage().contains("(0, 1]"), e.getMessage());
        e = error(OK.replace("p2p:", "p2q:"));
        assertTrue(e.getMessage().contains("p2p") && e.getMessage().contains("missing"), e.getMessage());
        e = error(OK + "tree: {value: 1, source: t}\n");
        assertTrue(e.getMessage().contains("tree") && e.getMessage().contains("unknown key"), e.getMessage());
        // a profile may name a library file beside it (one written by validate --database --collectives-out)
        Files.writeString(dir.resolve("mine.yaml"), OK);
        Path withFile = dir.resolve("withfile.yaml");
        Files.writeString(withFile, "name: x\ncollectives: mine.yaml\n");
        assertEquals(ok.simple(), FrameworkProfiles.load(withFile.toString()).collectives().orElseThrow().simple());
        Files.writeString(withFile, "name: x\ncollectives: absent.yaml\n");
        e = assertThrows(SpecException.class, () -> FrameworkProfiles.load(withFile.toString()));
        assertTrue(e.getMessage().contains("collectives") && e.getMessage().contains("absent.yaml"), e.getMessage());
        Path fw = dir.resolve("fw.yaml");
        Files.writeString(fw, "name: x\ncollectives: mpi\n");
        e = assertThrows(SpecException.class, () -> FrameworkProfiles.load(fw.toString()));
        assertTrue(e.getMessage().contains("collectives") && e.getMessage().contains("nccl"), e.getMessage());
    }
}
