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

    /**
     * The per-call overhead is the system's (its collective library), the fractions the link's: the
     * H200 rows (NCCL 2.20.5) take 30.8 us at 64 KiB where the H100 rows (NCCL 2.18.5) take 42.2 us, so
     * h200x8 gets a smaller overhead of its own while both share one pair of fractions.
     */
    @Test
    void eachSystemGetsItsOwnPerCallOverhead() {
        assertEquals(List.of("h100x8", "h200x8"), List.copyOf(nvlink.overheadNsBySystem().keySet()));
        assertEquals(nvlink.after().overheadNs(), nvlink.overheadNsBySystem().get("h100x8"));
        assertTrue(nvlink.overheadNsBySystem().get("h200x8") < nvlink.overheadNsBySystem().get("h100x8"), nvlink.overheadNsBySystem().toString());
        assertEquals(List.of("nvlink4-h200x8-calibrated"), List.copyOf(nvlink.systemOverlays().keySet()));
        assertTrue(xgmi.systemOverlays().isEmpty());
        // H200 rows are predicted with their own overhead, H100 rows with the link overlay's
        for (ComparisonRow row : nvlink.rows(Split.TEST, true)) {
            double o = nvlink.overheadNsBySystem().get(row.measured().system());
            LinkMechanisms m = new LinkMechanisms(o, nvlink.after().fraction(), true, nvlink.after().switchFraction());
            assertEquals(LinkCalibration.predict(m, row.measured()).us(), row.prediction().us(), 1e-9);
        }
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
            // a system's overlay takes the link overlay as its preset (the committed one: see theCommittedOverlaysAreCurrent)
            for (var e : r.systemOverlays().entrySet()) {
                Path g = dir.resolve(e.getKey() + ".yaml");
                Files.writeString(g, e.getValue());
                LinkSpec s = Links.load(g.toString());
                String system = e.getKey().substring(r.linkId().length() + 1, e.getKey().length() - "-calibrated".length());
                assertEquals(r.overheadNsBySystem().get(system), s.perMessageOverheadNs());
                assertEquals(r.after().fraction(), s.bandwidthFraction());
            }
        }
    }

    /** The committed overlays hold the figures this code fits on the committed rows (regenerate them when either changes). */
    @Test
    void theCommittedOverlaysAreCurrent() {
        assertEquals(nvlink.after(), LinkMechanisms.of(Links.load("nvlink4-calibrated")));
        assertEquals(xgmi.after(), LinkMechanisms.of(Links.load("xgmi-mi300x-calibrated")));
        assertEquals(nvlink.overheadNsBySystem().get("h200x8"), Links.load("nvlink4-h200x8-calibrated").perMessageOverheadNs());
    }

    /** The calibrated systems use the calibrated links, and predicting on them gives the fit's test predictions. */
    @Test
    void theCalibratedSystemsPredictAsTheFit() {
        SystemSpec h = Systems.load("h100x8-calibrated");
        assertEquals("nvlink4-calibrated", h.intraNodeLink().id());
        assertEquals("nvlink4-h200x8-calibrated", Systems.load("h200x8-calibrated").intraNodeLink().id());
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
