package io.moesim.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The optional collective figures of a link spec: achievable bandwidth fraction and in-switch reduction. */
class LinkCollectiveFiguresTest {

    @Test
    void absentFiguresKeepTheLineRate() {
        LinkSpec l = Links.load("nvlink4");
        assertTrue(l.achievableBandwidthFraction().isEmpty());
        assertEquals(1.0, l.bandwidthFraction());
        assertFalse(l.inSwitchReduction());
    }

    @Test
    void calibratedOverlaysLoadThroughTheirPreset() {
        LinkSpec base = Links.load("nvlink4");
        LinkSpec c = Links.load("nvlink4-calibrated");
        assertEquals(base.bandwidthPerDeviceGBps(), c.bandwidthPerDeviceGBps());
        assertTrue(c.bandwidthFraction() > 0 && c.bandwidthFraction() < 1);
        assertTrue(c.inSwitchReduction());
        assertTrue(c.inSwitchFraction() > 0 && c.inSwitchFraction() < 1);
        assertEquals(base.bandwidthFraction(), base.inSwitchFraction(), "without its own figure the switch runs at the links' fraction");
        assertFalse(Links.load("xgmi-mi300x-calibrated").inSwitchReduction());
        LinkSpec h200 = Systems.load("h200x8-calibrated").intraNodeLink();
        assertEquals("nvlink4-h200x8-calibrated", h200.id());
        // the H200 system's own link overlay changes only the per-call overhead
        assertEquals(c.bandwidthFraction(), h200.bandwidthFraction());
        assertEquals(c.inSwitchFraction(), h200.inSwitchFraction());
        assertTrue(h200.perMessageOverheadNs() != c.perMessageOverheadNs());
        assertEquals("h200", Systems.load("h200x8-calibrated").device().id());
        assertEquals("nvlink4-calibrated", Systems.load("h100x8-calibrated").intraNodeLink().id());
    }

    @Test
    void aFractionAboveOneAndAFlagWithoutSourceAreRejected(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("fast.yaml");
        Files.writeString(f, "preset: nvlink4\nachievable_bandwidth_fraction: {value: 1.2, source: \"x\"}\n");
        SpecException e = assertThrows(SpecException.class, () -> Links.load(f.toString()));
        assertTrue(e.getMessage().contains("achievable_bandwidth_fraction"), e.getMessage());
        assertTrue(e.getMessage().contains("<= 1"), e.getMessage());
        Path g = dir.resolve("flag.yaml");
        Files.writeString(g, "preset: nvlink4\nin_switch_reduction: {value: yes please}\n");
        SpecException e2 = assertThrows(SpecException.class, () -> Links.load(g.toString()));
        assertTrue(e2.getMessage().contains("in_switch_reduction.source"), e2.getMessage());
        assertTrue(e2.getMessage().contains("in_switch_reduction.value"), e2.getMessage());
        Path h = dir.resolve("switchless.yaml");
        Files.writeString(h, "preset: xgmi-mi300x\nin_switch_bandwidth_fraction: {value: 0.6, source: \"x\"}\n");
        SpecException e3 = assertThrows(SpecException.class, () -> Links.load(h.toString()));
        assertTrue(e3.getMessage().contains("in_switch_bandwidth_fraction"), e3.getMessage());
    }
}
