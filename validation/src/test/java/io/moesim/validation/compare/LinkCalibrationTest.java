package io.moesim.validation.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.LinkSpec;
import io.moesim.hw.Links;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.validation.Validation;
import io.moesim.validation.trace.Measurement;
import io.moesim.validation.trace.Split;
import io.moesim.validation.trace.TraceReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Calibration of the collective model's link mechanisms on the published all-reduce rows. */
class LinkCalibrationTest {
    private static List<Measurement> cal;
    private static List<Measurement> test;
    private static LinkCalibrationResult nvlink;
    private static LinkCalibrationResult xgmi;

    @BeforeAll
    static void fit() {
        List<Measurement> all = TraceReader.read(Validation.publishedSet(Path.of("..").toAbsolutePath().normalize()));
        cal = all.stream().filter(m -> m.split() == Split.CALIBRATION).toList();
        test = all.stream().filter(m -> m.split() == Split.TEST).toList();
        nvlink = LinkCalibration.fit("nvlink4", cal, test);
        xgmi = LinkCalibration.fit("xgmi-mi300x", cal, test);
    }

    @Test
    void theFitNeverReadsATestRow() {
        assertFalse(LinkCalibration.rowsOn("nvlink4", test).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> LinkCalibration.fit("nvlink4", test, List.of()));
        List<Measurement> absurd = test.stream().map(m -> new Measurement(m.op(), m.gpu(), m.target(), m.system(), m.medianUs() * 100,
                m.p10Us(), m.p90Us(), m.reps(), m.reported(), m.conversion(), m.source(), m.note(), m.env(), m.where(), m.split())).toList();
        assertEquals(nvlink.after(), LinkCalibration.fit("nvlink4", cal, absurd).after());
        assertEquals(xgmi.after(), LinkCalibration.fit("xgmi-mi300x", cal, List.of()).after());
    }

    @Test
    void theFittedMechanismsArePlausibleAndImproveBothSplits() {
        // the NVLS all-reduce rows exceed what a ring can do on 450 GB/s (8 GiB at 479 GB/s busbw takes 31.4 ms; a ring at
        // the full line rate needs 1.75 x 8.59e9 B / 450 GB/s = 33.4 ms): the fit takes the in-switch reduction, and marks
        // the ring/tree choice infeasible
        assertTrue(nvlink.after().inSwitchReduction(), nvlink.after().describe());
        List<Measurement> onNvlink = LinkCalibration.rowsOn("nvlink4", cal);
        assertTrue(nvlink.candidates().stream().filter(c -> !c.mechanisms().inSwitchReduction())
                .noneMatch(c -> LinkCalibration.feasible(c, onNvlink)));
        // the switch's share (public NVLS peak ~0.69) and the links' share on the ring reduce-scatter rows (public ring ~0.82)
        assertTrue(nvlink.after().switchFraction() > 0.5 && nvlink.after().switchFraction() < 0.8, nvlink.after().describe());
        assertTrue(nvlink.after().fraction() > 0.7 && nvlink.after().fraction() < 0.9, nvlink.after().describe());
        assertFalse(xgmi.after().inSwitchReduction());
        assertTrue(xgmi.after().fraction() > 0.6 && xgmi.after().fraction() < 0.8, xgmi.after().describe());
        for (LinkCalibrationResult r : List.of(nvlink, xgmi)) {
            assertTrue(r.fittedRows() > 0);
            assertTrue(r.mape(Split.CALIBRATION, true) < r.mape(Split.CALIBRATION, false));
            assertTrue(r.mape(Split.TEST, true) < r.mape(Split.TEST, false));
        }
        assertEquals(List.of("h100", "h200"), List.copyOf(nvlink.mapeByTarget(Split.TEST, true).keySet()));
    }

    @Test
    void theOverlayLoadsThroughTheNormalLoaderAndReproducesTheFit(@TempDir Path dir) throws Exception {
        for (LinkCalibrationResult r : List.of(nvlink, xgmi)) {
            Path f = dir.resolve(r.overlayId() + ".yaml");
            Files.writeString(f, r.yaml());
            LinkSpec l = Links.load(f.toString());
            assertEquals(r.after(), LinkMechanisms.of(l));
            assertEquals(r.link().bandwidthPerLinkGBps(), l.bandwidthPerLinkGBps());
            assertEquals(r.link().latencyNs(), l.latencyNs());
        }
    }

    /** The committed overlays hold the figures this code fits on the committed rows (regenerate them when either changes). */
    @Test
    void theCommittedOverlaysAreCurrent() {
        assertEquals(nvlink.after(), LinkMechanisms.of(Links.load("nvlink4-calibrated")));
        assertEquals(xgmi.after(), LinkMechanisms.of(Links.load("xgmi-mi300x-calibrated")));
    }

    /** The calibrated systems use the calibrated links, and predicting on them gives the fit's test predictions. */
    @Test
    void theCalibratedSystemsPredictAsTheFit() {
        SystemSpec h = Systems.load("h100x8-calibrated");
        assertEquals("nvlink4-calibrated", h.intraNodeLink().id());
        assertEquals(Systems.load("h100x8").intraNodeTopology(), h.intraNodeTopology());
        assertEquals("xgmi-mi300x-calibrated", Systems.load("mi300x8-calibrated").intraNodeLink().id());
        for (LinkCalibrationResult r : List.of(nvlink, xgmi)) {
            for (ComparisonRow row : r.rows(Split.TEST, true)) {
                SystemSpec s = Systems.load(row.measured().system() + "-calibrated");
                assertEquals(row.prediction().us(), RooflinePredictor.collective(row.measured(), s).us(), 1e-9);
            }
        }
    }
}
