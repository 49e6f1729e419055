package io.moesim.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.DType;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class SystemsTest {

    static List<String> systemIds() {
        return Systems.ids();
    }

    @ParameterizedTest
    @MethodSource("systemIds")
    void everyListedSystemLoads(String id) {
        SystemSpec s = Systems.load(id);
        assertEquals(id, s.id());
        assertTrue(s.devices() >= 4);
        assertEquals(s.nodes() > 1, s.interNodeLink().isPresent());
    }

    @Test
    void expectedSystemsAreListed() {
        assertEquals(List.of("b200x8", "duplex-2x8", "duplex-x4", "duplex-x8", "h100x4", "h100x8", "h100x8-calibrated", "h200x8-calibrated", "h800x144", "h800x32", "h800x8", "mi300x8", "mi300x8-calibrated"), Systems.ids());
    }

    /** HGX B200: 8 GPUs on NVLink 5 switches, 18 links x 50 GB/s each way = 900 GB/s (1.8 TB/s both ways). */
    @Test
    void b200x8IsAnNvlink5Switch() {
        SystemSpec s = Systems.load("b200x8");
        assertEquals(8, s.devices());
        assertEquals("b200", s.device().id());
        assertEquals("nvlink5", s.intraNodeLink().id());
        assertEquals(Topology.SWITCH, s.intraNodeTopology());
        assertEquals(18 * 50, s.intraNodeLink().bandwidthPerDeviceGBps(), 1e-9);
        assertEquals(8 * 180, s.totalCapacityGB(), 1e-9);
        assertEquals("b200", Systems.load("b200x2").device().id());
    }

    @Test
    void h200x8IsBuiltOnRequest() {
        SystemSpec s = Systems.load("h200x8");
        assertEquals(8, s.devices());
        assertEquals(1, s.nodes());
        assertEquals("h200", s.device().id());
        assertEquals("nvlink4", s.intraNodeLink().id());
        assertEquals(Topology.SWITCH, s.intraNodeTopology());
        assertEquals(8 * 141, s.totalCapacityGB(), 1e-9);
        assertTrue(s.interNodeLink().isEmpty());
    }

    @Test
    void nameForms() {
        assertEquals("mi300x", Systems.load("mi300xx4").device().id());
        assertEquals(4, Systems.load("mi300xx4").devices());
        assertEquals(4, Systems.load("h200-x4").devices());
        SystemSpec big = Systems.load("duplex-x16");
        assertEquals(2, big.nodes());
        assertEquals("ib-ndr-400", big.interNodeLink().orElseThrow().id());
    }

    @Test
    void duplex2x8HasSixteenDevicesOverTwoNodesWithInfiniBand() {
        SystemSpec s = Systems.load("duplex-2x8");
        assertEquals(16, s.devices());
        assertEquals(2, s.nodes());
        assertEquals(8, s.devicesPerNode());
        LinkSpec ib = s.interNodeLink().orElseThrow();
        assertEquals(LinkKind.INFINIBAND, ib.kind());
        assertEquals(50, ib.bandwidthPerDeviceGBps(), 1e-9);
        assertEquals("duplex", s.device().id());
    }

    @Test
    void linkBandwidths() {
        assertEquals(450, Links.load("nvlink4").bandwidthPerDeviceGBps(), 1e-9);
        LinkSpec x = Links.load("xgmi-mi300x");
        assertEquals(7, x.linksPerDevice());
        assertEquals(64, x.bandwidthPerLinkGBps(), 1e-9);
        assertEquals(63.0, Links.load("pcie5-x16").bandwidthPerDeviceGBps(), 1e-9);
        // Full mesh of 8 MI300X: one 64 GB/s link to each peer; through NVSwitch any peer gets all 450.
        assertEquals(64, Systems.load("mi300x8").intraNodePeerBandwidthGBps(), 1e-9);
        assertEquals(450, Systems.load("h100x8").intraNodePeerBandwidthGBps(), 1e-9);
        assertEquals(150, Systems.load("h100x4").intraNodePeerBandwidthGBps(), 1e-9);
    }

    @Test
    void aggregatePeakAndDeviceOverrides() {
        SystemSpec s = Systems.load("h100x8", List.of("device.processors.gpu.clock_MHz=915"));
        assertEquals(8 * 989.4 / 2, s.aggregatePeakTflops(DType.BF16), 8 * 989.4 / 2 * 0.001);
        SystemSpec t = Systems.load("duplex-x4", List.of("devices_per_node=2"));
        assertEquals(2, t.devices());
    }
}
