package io.moesim.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OverridesTest {
    @TempDir
    Path dir;

    @Test
    void setChangesAFigureAndItsDerivedValues() {
        DeviceSpec d = Targets.load("h100", List.of("memory.hbm_bandwidth_GBps=3400"));
        assertEquals(3400, d.memory().hbmBandwidthGBps(), 1e-9);
        assertEquals(989.43e12 / 3400e9, DerivedFigures.ridgeOpPerByte(d, d.primary(), DType.BF16).orElseThrow(), 0.01);
        // The cached built-in is untouched.
        assertEquals(3350, Targets.load("h100").memory().hbmBandwidthGBps(), 1e-9);
    }

    @Test
    void processorShorthandAndFullPathAgree() {
        DeviceSpec a = Targets.load("duplex", List.of("processors.xpu.clock_MHz=1500"));
        DeviceSpec b = Targets.load("duplex", List.of("xpu.clock_MHz=1500"));
        assertEquals(1500, a.primary().clockMHz(), 1e-9);
        assertEquals(a, b);
    }

    @Test
    void tsvMultiplierCapsOnlyWhenBelowTheArrayBandwidth() {
        MemorySpec m = Targets.load("duplex").memory();
        PimSpec two = Targets.load("duplex", List.of("logic_pim.tsv_multiplier=2")).pimProcessor().orElseThrow().pim().orElseThrow();
        assertEquals(2.0, DerivedFigures.pimBandwidthRatio(two, m), 1e-9);
        PimSpec eight = Targets.load("duplex", List.of("logic_pim.tsv_multiplier=8")).pimProcessor().orElseThrow().pim().orElseThrow();
        // More TSVs do not help unless the banks deliver more: the array limit (4x) holds.
        assertEquals(4.0, DerivedFigures.pimBandwidthRatio(eight, m), 0.01);
        PimSpec moreBits = Targets.load("duplex", List.of("logic_pim.tsv_multiplier=8", "logic_pim.bits_per_bundle_access=1024"))
                .pimProcessor().orElseThrow().pim().orElseThrow();
        assertEquals(8.0, DerivedFigures.pimBandwidthRatio(moreBits, m), 0.01);
    }

    @Test
    void pimKeysReadAsTheJsonShowsThem() {
        // `target show duplex --json` lists the organisation under processors[i].pim
        assertEquals(Targets.load("duplex", List.of("logic_pim.tsv_multiplier=2")),
                Targets.load("duplex", List.of("processors.logic_pim.pim.tsv_multiplier=2")));
        assertEquals(Targets.load("duplex", List.of("logic_pim.tsv_multiplier=2")),
                Targets.load("duplex", List.of("logic_pim.pim.tsv_multiplier=2")));
    }

    @Test
    void aSystemsSetReachesItsDeviceWithOrWithoutTheDevicePrefix() {
        SystemSpec bare = Systems.load("h100x8", List.of("memory.tRFC_ns=300"));
        SystemSpec prefixed = Systems.load("h100x8", List.of("device.memory.tRFC_ns=300"));
        assertEquals(300, bare.device().memory().timing().tRFCns(), 1e-9);
        assertEquals(prefixed, bare);
        // a key of the system itself stays the system's
        assertEquals(4, Systems.load("h100x8", List.of("devices_per_node=4")).devicesPerNode());
    }

    @Test
    void aDataRateSetOnTheCommandLineNoLongerClaimsThePresetsClocks() {
        String file = Targets.load("h100").memory().timing().preset();
        String changed = Targets.load("h100", List.of("memory.data_rate_Gbps=6.4", "memory.hbm_bandwidth_GBps=4096")).memory().timing().preset();
        assertTrue(changed.startsWith(file) && changed.contains("changed by --set"), changed);
        String named = Targets.load("h100", List.of("memory.data_rate_Gbps=6.4", "memory.hbm_bandwidth_GBps=4096",
                "memory.timing_preset=mine")).memory().timing().preset();
        assertEquals("mine", named);
    }

    @Test
    void stringKeysCanBeSet() {
        assertEquals("hbm3e", Targets.load("h100", List.of("memory.generation=hbm3e")).memory().generation());
    }

    @Test
    void presetOverridesMergeDeeply() {
        DeviceSpec h200 = Targets.load("h200");
        DeviceSpec h100 = Targets.load("h100");
        // Untouched memory keys come from the preset, overridden ones replace it.
        assertEquals(h100.memory().bankGroups(), h200.memory().bankGroups());
        assertEquals(450.56, h200.memory().timing().tRFCns(), 1e-9);
        assertEquals(h100.power(), h200.power());
        assertEquals(h100.interconnect(), h200.interconnect());
    }

    @Test
    void userFileWithPresetAndNullRemoval() throws IOException {
        Path f = dir.resolve("my-gpu.yaml");
        Files.writeString(f, "preset: duplex\nname: my device\nprocessors:\n  xpu: null\n"
                + "memory:\n  hbm_bandwidth_GBps: {value: 3328, source: \"my measurement\"}\n");
        DeviceSpec d = Targets.load(f.toString());
        assertEquals("my-gpu", d.id());
        assertEquals("logic-pim", d.kind());
        assertEquals(3328, d.memory().hbmBandwidthGBps(), 1e-9);
        assertTrue(d.origin().endsWith("my-gpu.yaml"));
    }

    @Test
    void userSystemFileWithRelativeDevice() throws IOException {
        Files.writeString(dir.resolve("dev.yaml"), "preset: h100\nname: tuned\n");
        Path s = dir.resolve("sys.yaml");
        Files.writeString(s, "name: mine\ndevice: dev.yaml\ndevices_per_node: {value: 2, source: x}\n"
                + "nodes: {value: 1, source: x}\nintra_node: {link: nvlink4, topology: switch}\n");
        SystemSpec sys = Systems.load(s.toString());
        assertEquals("dev", sys.device().id());
        assertEquals(2, sys.devices());
    }

    @Test
    void setParsing() {
        SetOverride o = SetOverride.parse("memory.hbm_bandwidth_GBps = 4000");
        assertEquals("memory.hbm_bandwidth_GBps", o.path());
        assertEquals("4000", o.value());
        assertEquals(List.of("memory", "hbm_bandwidth_GBps"), o.segments());
    }
}
