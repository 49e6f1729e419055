package io.moesim.validation.database;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.NcclModel;
import io.moesim.hw.NcclModel.Protocol;
import io.moesim.validation.trace.OpForm;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The NCCL fit recovers the figures rows were made from, and its least squares is right by hand. */
class NcclFitTest {
    /** The rows of nccl-tests' four collectives on 2, 4 and 8 GPUs of h100x8, 512 B to 512 MiB, timed by hand-chosen figures. */
    private static List<DbRow> rows(NcclModel truth) {
        List<DbRow> out = new ArrayList<>();
        for (String c : new String[] {"all-reduce", "all-gather", "reduce-scatter", "all-to-all"}) {
            for (int g : new int[] {2, 4, 8}) {
                for (long b = 512; b <= 1L << 29; b *= 4) {
                    OpForm f = OpForm.parse(c + " bytes=" + b + " group=" + g + " dtype=fp16");
                    DbRow probe = new DbRow(f, "h100", "h100", DbProtocol.NCCL, 1, "test", "nccl", DbSplit.CALIBRATION);
                    double us = NcclFit.Row.of(probe).call(truth).us();
                    out.add(probe.withUs(us));
                }
            }
        }
        return out;
    }

    /** NVLS with a base latency of its own (60 us, well above Simple's 24): the fit finds it, and where the rows change protocol. */
    @Test
    void recoversNvlsOwnLatency() {
        NcclModel truth = new NcclModel("nccl", "truth", new Protocol(6, 0.7, 0.3), new Protocol(24, 0.2, 0.7), 0.6, 4, new Protocol(15, 0, 0.62), 60,
                new Protocol(7.5, 0, 0.021));
        NcclFit.Result fit = NcclFit.fit("fit", rows(truth)).orElseThrow();
        NcclModel m = fit.model();
        assertEquals(60, m.nvlsBaseUs(), 0.6);
        assertEquals(7.5, m.p2pLl().baseUs(), 0.08, "grouped send/receive on LL, its own figures");
        assertEquals(0.021, m.p2pLl().bandwidthFraction(), 0.001);
        assertEquals(0.6, m.nvlsFraction(), 0.006);
        assertEquals(24, m.simple().baseUs(), 0.25);
        assertEquals(0.7, m.simple().bandwidthFraction(), 0.007);
        assertTrue(fit.calibrationMapePct() < 0.5, "exact rows: " + fit.calibrationMapePct());
    }

    @Test
    void recoversTheFiguresItsRowsWereMadeFrom() {
        NcclModel truth = new NcclModel("nccl", "truth", new Protocol(6, 0.7, 0.3), new Protocol(24, 0.2, 0.7), 0.6, 4, new Protocol(15, 0, 0.62));
        NcclFit.Result fit = NcclFit.fit("fit", rows(truth)).orElseThrow();
        NcclModel m = fit.model();
        assertEquals(3, m.nvlsMinGroup(), "NCCL's own rule (NVLS off on 2 GPUs or fewer), which runs 4 and 8 GPUs as the truth's 4 does");
        assertEquals(6, m.ll().baseUs(), 0.06);
        assertEquals(0.7, m.ll().stepUs(), 0.01);
        assertEquals(0.3, m.ll().bandwidthFraction(), 0.003);
        assertEquals(24, m.simple().baseUs(), 0.25);
        assertEquals(0.2, m.simple().stepUs(), 0.02);
        assertEquals(0.7, m.simple().bandwidthFraction(), 0.007);
        assertEquals(0.6, m.nvlsFraction(), 0.006);
        assertEquals(24 + 2 * 0.2, m.nvlsBaseUs(), 0.3, "NVLS on Simple's latencies, as the rows were made");
        assertEquals(15, m.p2p().baseUs(), 0.15);
        assertEquals(0.62, m.p2p().bandwidthFraction(), 0.007);
        assertEquals(6 + 0.7, m.p2pLl().baseUs(), 0.07, "p2p_ll on the ring LL's base and one step, as the rows were made");
        assertEquals(0.3, m.p2pLl().bandwidthFraction(), 0.003);
        assertTrue(fit.calibrationMapePct() < 0.5, "exact rows: " + fit.calibrationMapePct());
    }

    /**
     * Rows with no all-to-all of 16 KiB per peer or less identify no grouped send/receive on LL: the fit gives it the fitted
     * ring LL's base, one step and share (what a library file without p2p_ll has), and the written YAML leaves the key out
     * and reads back the same.
     */
    @Test
    void noSmallAllToAllRowsLeaveP2pLlToTheRingsFigures(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        NcclModel truth = new NcclModel("nccl", "truth", new Protocol(6, 0.7, 0.3), new Protocol(24, 0.2, 0.7), 0.6, 4, new Protocol(15, 0, 0.62), 60,
                new Protocol(7.5, 0, 0.021));
        List<DbRow> big = rows(truth).stream().filter(r -> !(r.op().kind().equals("all-to-all")
                && r.op().getLong("bytes") / r.op().getLong("group") <= NcclModel.P2P_LL_THRESHOLD_BYTES)).toList();
        assertTrue(big.size() < rows(truth).size(), "the filter took the small all-to-all rows out");
        DbFit.Result fit = DbProtocol.ncclFit(big);
        NcclModel m = fit.profile().collectives().orElseThrow();
        assertEquals(NcclModel.llForP2p(m.ll()), m.p2pLl());
        String yaml = DbReports.ncclYaml(fit, "test rows");
        assertTrue(!yaml.contains("p2p_ll"), yaml);
        java.nio.file.Path p = dir.resolve("nccl.yaml");
        java.nio.file.Files.writeString(p, yaml);
        assertEquals(m.p2pLl(), NcclModel.load(p.toString()).p2pLl());
    }

    /** The YAML --collectives-out writes reads back as the fitted library, figure for figure. */
    @Test
    void theWrittenLibraryReadsBack(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        NcclModel truth = new NcclModel("nccl", "truth", new Protocol(6, 0.7, 0.3), new Protocol(24, 0.2, 0.7), 0.6, 4, new Protocol(15, 0, 0.62));
        DbFit.Result fit = DbProtocol.ncclFit(rows(truth));
        java.nio.file.Path p = dir.resolve("nccl.yaml");
        java.nio.file.Files.writeString(p, DbReports.ncclYaml(fit, "test rows"));
        NcclModel back = NcclModel.load(p.toString());
        NcclModel fitted = fit.profile().collectives().orElseThrow();
        assertEquals(fitted.ll(), back.ll());
        assertEquals(fitted.simple(), back.simple());
        assertEquals(fitted.p2p(), back.p2p());
        assertEquals(fitted.p2pLl(), back.p2pLl());
        assertEquals(fitted.nvlsFraction(), back.nvlsFraction());
        assertEquals(fitted.nvlsMinGroup(), back.nvlsMinGroup());
        assertEquals(fitted.nvlsBaseUs(), back.nvlsBaseUs());
    }

    /**
     * The published scenario's predictor (a profile's kernel figures) times an nccl-tests row by the profile's library, as
     * by hand: 1 GiB all-reduce on 8 GPUs of h100x8 runs NVLS, its own latency plus 9/8 of the buffer at NVLS's share of
     * 450 GB/s; the kernel model alone (no profile) keeps the link model.
     */
    @Test
    void thePublishedScenarioTimesNcclTestsRowsByTheLibrary() {
        DbRow r = DbRow.of("all-reduce bytes=1073741824 group=8 dtype=fp16", "h100", "h100", DbProtocol.NCCL, 4007.0, "test");
        io.moesim.hw.FrameworkProfile kernels = io.moesim.hw.FrameworkProfiles.load("trtllm").kernelsOnly();
        NcclModel n = kernels.collectives().orElseThrow();
        double b = 1 << 30;
        double want = n.nvlsBaseUs() + 9.0 / 8 * b / (n.nvlsFraction() * 450e3);
        io.moesim.hw.DeviceSpec h100 = io.moesim.hw.Targets.load("h100");
        double got = new io.moesim.validation.compare.KernelPredictor().withProfile(kernels).predict(DbModel.measurement(r), h100).us();
        assertEquals(want, got, 1e-3);
        double link = new io.moesim.validation.compare.KernelPredictor().predict(DbModel.measurement(r), h100).us();
        assertTrue(Math.abs(link - want) > 1, "the link model is another figure: " + link);
    }

    @Test
    void noRowsNoFit() {
        assertTrue(NcclFit.fit("fit", List.of()).isEmpty());
    }

    /**
     * Rows t = 2 + 3x exactly: the relative least squares is exact (2, 3). Rows t = 10 - x (x = 1, 2): the unconstrained slope
     * is negative, so the slope is held at 0 and the base is the relative least squares of 9 and 8 alone: minimise
     * (b/9 - 1)^2 + (b/8 - 1)^2, b = (1/9 + 1/8) / (1/81 + 1/64) = 8.4690. An unknown no row has keeps its value, and an
     * inverse share stays at least 1.
     */
    @Test
    void nonNegativeRelativeLeastSquaresByHand() {
        double[] exact = NcclFit.solve(List.of(new double[] {1, 1, 5}, new double[] {1, 2, 8}, new double[] {1, 4, 14}), new double[] {0, 0},
                new boolean[] {false, false});
        assertArrayEquals(new double[] {2, 3}, exact, 1e-9);
        double[] held = NcclFit.solve(List.of(new double[] {1, 1, 9}, new double[] {1, 2, 8}), new double[] {0, 0}, new boolean[] {false, false});
        assertEquals((1 / 9.0 + 1 / 8.0) / (1 / 81.0 + 1 / 64.0), held[0], 1e-9);
        assertEquals(0, held[1]);
        double[] keep = NcclFit.solve(List.of(new double[] {1, 0, 4}), new double[] {0, 7}, new boolean[] {false, false});
        assertArrayEquals(new double[] {4, 7}, keep, 1e-9);
        // t = 2x: an inverse share of 2 (a share of 0.5) above its floor of 1, exactly
        double[] half = NcclFit.solve(List.of(new double[] {0, 10, 20}, new double[] {0, 30, 60}), new double[] {0, 1}, new boolean[] {false, true});
        assertEquals(2, half[1], 1e-9);
        // t = x / share with share 2 (faster than the link) is held at share 1: the inverse is at least 1
        double[] inv = NcclFit.solve(List.of(new double[] {0, 10, 5}, new double[] {0, 20, 10}), new double[] {0, 1}, new boolean[] {false, true});
        assertEquals(1, inv[1], 1e-12);
    }
}
