package io.moesim.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.MoesimException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed specs: each must fail with one SpecException whose one-line message names the file
 * and the exact key path. Most cases are a user file that takes a built-in preset and breaks one key.
 */
class SpecErrorsTest {
    @TempDir
    Path dir;

    private String write(String name, String yaml) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, yaml);
        return p.toString();
    }

    private SpecException targetError(String yaml, List<String> sets) throws IOException {
        String file = write("bad.yaml", yaml);
        return assertThrows(SpecException.class, () -> Targets.load(file, sets));
    }

    private SpecException targetError(String yaml) throws IOException {
        return targetError(yaml, List.of());
    }

    private static void assertOneLine(SpecException e) {
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertTrue(e instanceof MoesimException);
    }

    private static void assertMentions(SpecException e, String... parts) {
        assertOneLine(e);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' in: " + e.getMessage());
        }
    }

    @Test
    void missingKey() throws IOException {
        SpecException e = targetError("preset: h100\nmemory:\n  stacks: null\n");
        assertMentions(e, "bad.yaml", "memory.stacks: missing key");
    }

    @Test
    void missingKeysOfAWholeFileAreAllReported() throws IOException {
        SpecException e = targetError("name: empty device\nprocessors: {}\n");
        assertMentions(e, "bad.yaml: memory: missing key", "interconnect: missing key", "processors: needs at least one processor");
        assertEquals(3, e.problems().size());
    }

    @Test
    void unknownKey() throws IOException {
        SpecException e = targetError("preset: h100\nmemory:\n  colour: blue\n");
        assertMentions(e, "bad.yaml: memory.colour: unknown key");
    }

    @Test
    void wrongUnitSuffix() throws IOException {
        SpecException e = targetError("preset: h100\nmemory:\n  hbm_bandwidth_TBps: {value: 3.35, source: x}\n");
        assertMentions(e, "bad.yaml: memory.hbm_bandwidth_TBps: unknown key (did you mean hbm_bandwidth_GBps?)");
    }

    @Test
    void wrongClockUnit() throws IOException {
        SpecException e = targetError("preset: h100\nprocessors:\n  gpu:\n    clock_GHz: {value: 1.83, source: x}\n");
        assertMentions(e, "bad.yaml: processors.gpu.clock_GHz: unknown key (did you mean clock_MHz?)");
    }

    @Test
    void stringInsteadOfNumber() throws IOException {
        SpecException e = targetError("preset: h100\nmemory:\n  stacks: {value: five, source: x}\n");
        assertMentions(e, "bad.yaml: memory.stacks: expected a number, got string 'five'");
    }

    @Test
    void bareNumberWithoutSource() throws IOException {
        SpecException e = targetError("preset: h100\nmemory:\n  stacks: 5\n");
        assertMentions(e, "bad.yaml: memory.stacks: expected {value: 5, source:");
    }

    @Test
    void missingSource() throws IOException {
        SpecException e = targetError("preset: h100\nmemory:\n  stacks: {value: 5}\n");
        assertMentions(e, "bad.yaml: memory.stacks.source: missing key");
    }

    @Test
    void negativeFigure() throws IOException {
        SpecException e = targetError("preset: h100\nmemory:\n  tRCD_ns: {value: -3, source: x}\n");
        assertMentions(e, "bad.yaml: memory.tRCD_ns: must be > 0, got -3");
    }

    @Test
    void zeroFigure() throws IOException {
        SpecException e = targetError("preset: h100\nprocessors:\n  gpu:\n    engines: {value: 0, source: x}\n");
        assertMentions(e, "bad.yaml: processors.gpu.engines: must be > 0, got 0");
    }

    @Test
    void fractionalCount() throws IOException {
        SpecException e = targetError("preset: h100\nmemory:\n  ranks: {value: 2.5, source: x}\n");
        assertMentions(e, "bad.yaml: memory.ranks: must be a whole number, got 2.5");
    }

    @Test
    void inconsistentBandwidth() throws IOException {
        SpecException e = targetError("preset: h100\nmemory:\n  hbm_bandwidth_GBps: {value: 4000, source: x}\n");
        assertMentions(e, "bad.yaml: memory.hbm_bandwidth_GBps: declared 4000 GB/s is 20.2% away", "3328.0 GB/s");
    }

    @Test
    void inconsistentCapacity() throws IOException {
        SpecException e = targetError("preset: h100\nmemory:\n  capacity_GB: {value: 96, source: x}\n");
        assertMentions(e, "bad.yaml: memory.capacity_GB: declared 96 GB does not fit", "5 x 16 = 80 GB");
    }

    /** A driver total outside the part's capacity read as 10^9 and as 2^30 bytes is refused by name. */
    @Test
    void driverTotalOfAnotherPart() throws IOException {
        // the H100 96GB's stacks given the H100 80GB's total: 81,559 MiB = 85.52e9 bytes, below 96e9 (96 GiB = 103.08e9)
        SpecException e = targetError("preset: h100\nmemory:\n  stacks: {value: 6, source: x}\n  hbm_bandwidth_GBps: {value: 3994, source: x}\n"
                + "  capacity_GB: {value: 96, source: x}\n  driver_total_MiB: {value: 81559, source: x}\n");
        assertMentions(e, "bad.yaml: memory.driver_total_MiB: 81559 MiB = 85.52 GB is not between capacity_GB = 96",
                "(96 to 103.08 GB)", "or leave driver_total_MiB out to allocate capacity_GB");
        // above the stacks read as GiB: 80 GiB = 81,920 MiB
        SpecException above = targetError("preset: h100\nmemory:\n  driver_total_MiB: {value: 81921, source: x}\n");
        assertMentions(above, "bad.yaml: memory.driver_total_MiB: 81921 MiB", "(80 to 85.90 GB)");
        SpecException set = targetError("preset: h100\n", List.of("memory.driver_total_MiB=70000"));
        assertMentions(set, "[from --set memory.driver_total_MiB=70000]");
    }

    /**
     * A part that changes its capacity over a preset, or by --set, without a total of its own allocates its capacity: it does
     * not keep another part's driver total (the H100's 85.52e9 bytes).
     */
    @Test
    void aNewCapacityDropsTheInheritedDriverTotal() throws IOException {
        String file = write("h100-96.yaml", "preset: h100\nmemory:\n  stacks: {value: 6, source: x}\n  hbm_bandwidth_GBps: {value: 3994, source: x}\n"
                + "  capacity_GB: {value: 96, source: x}\n");
        assertEquals(96e9, Targets.load(file).memory().reportedBytes(), 0);
        assertTrue(Targets.load(file).memory().driverTotalMiB().isEmpty());
        assertEquals(79e9, Targets.load("h100", List.of("memory.capacity_GB=79")).memory().reportedBytes(), 0);
        // both set: the new total stands
        assertEquals(81000.0 * (1 << 20), Targets.load("h100", List.of("memory.capacity_GB=80", "memory.driver_total_MiB=81000")).memory()
                .reportedBytes(), 0);
        // a preset that keeps the capacity keeps the total (h800 over h100)
        assertEquals(Targets.load("h100").memory().reportedBytes(), Targets.load("h800").memory().reportedBytes(), 0);
    }

    @Test
    void inconsistentBundles() throws IOException {
        SpecException e = targetError("preset: duplex\nprocessors:\n  logic_pim:\n    bundles_per_pseudo_channel: {value: 2, source: x}\n");
        assertMentions(e, "bad.yaml: processors.logic_pim.bundles_per_pseudo_channel: banks_per_bundle x bundles_per_pseudo_channel = 8 x 2");
    }

    @Test
    void unknownPreset() throws IOException {
        SpecException e = targetError("preset: h1000\nname: x\n");
        assertMentions(e, "bad.yaml: preset: unknown preset 'h1000' (did you mean h100?)");
    }

    @Test
    void presetCycle() throws IOException {
        write("a.yaml", "preset: b.yaml\nname: a\n");
        write("b.yaml", "preset: a.yaml\nname: b\n");
        String a = dir.resolve("a.yaml").toString();
        SpecException e = assertThrows(SpecException.class, () -> Targets.load(a));
        assertMentions(e, "b.yaml: preset: preset cycle:", "a.yaml -> ", "b.yaml -> ");
    }

    @Test
    void malformedYamlHasLine() throws IOException {
        SpecException e = targetError("name: x\nmemory:\n  stacks: {value: 5, source: x\n  ranks: 2\n");
        assertMentions(e, "bad.yaml: malformed YAML at line ");
    }

    @Test
    void duplicateKeyIsMalformed() throws IOException {
        SpecException e = targetError("name: x\nname: y\n");
        assertMentions(e, "bad.yaml: malformed YAML at line 2", "name");
    }

    @Test
    void unknownKind() throws IOException {
        SpecException e = targetError("preset: h100\nprocessors:\n  gpu:\n    kind: tpu\n");
        assertMentions(e, "bad.yaml: processors.gpu.kind: unknown value 'tpu'", "gpu, xpu, logic-pim, bank-pim, bankgroup-pim");
    }

    @Test
    void unknownDtype() throws IOException {
        SpecException e = targetError("preset: h100\nprocessors:\n  gpu:\n    macs_per_cycle:\n      bf17: {value: 1, source: x}\n");
        assertMentions(e, "bad.yaml: processors.gpu.macs_per_cycle.bf17: unknown dtype 'bf17' (did you mean bf16?)");
    }

    @Test
    void wrongPlacementForKind() throws IOException {
        SpecException e = targetError("preset: duplex\nprocessors:\n  logic_pim:\n    placement: bank\n");
        assertMentions(e, "bad.yaml: processors.logic_pim.placement: a logic-pim processor sits at logic_die, got bank");
    }

    @Test
    void unknownLink() throws IOException {
        SpecException e = targetError("preset: h100\ninterconnect:\n  intra_node_link: nvlink6\n");
        assertMentions(e, "bad.yaml: interconnect.intra_node_link: unknown link 'nvlink6' (did you mean nvlink4?)");
    }

    @Test
    void manyProblemsInOneMessage() throws IOException {
        SpecException e = targetError("preset: h100\nmemory:\n  tRCD_ns: {value: -3, source: x}\n  tRP_ns: {value: 0, source: x}\n  colour: red\n");
        assertEquals(3, e.problems().size());
        assertMentions(e, "memory.tRCD_ns", "memory.tRP_ns", "memory.colour", "(and 2 more:");
    }

    @Test
    void builtInFileNameInMessages() {
        SpecException e = assertThrows(SpecException.class,
                () -> Targets.load("h100", List.of("memory.tRCD_ns=-3")));
        assertMentions(e, "targets/h100.yaml: memory.tRCD_ns: must be > 0, got -3", "[from --set memory.tRCD_ns=-3]");
    }

    @Test
    void badSetPath() {
        SpecException e = assertThrows(SpecException.class,
                () -> Targets.load("h100", List.of("memory.hbm_bandwidth_TBps=4")));
        assertMentions(e, "targets/h100.yaml: memory.hbm_bandwidth_TBps: unknown key (did you mean hbm_bandwidth_GBps?)",
                "--set memory.hbm_bandwidth_TBps=4");
    }

    @Test
    void badSetValue() {
        SpecException e = assertThrows(SpecException.class,
                () -> Targets.load("h100", List.of("memory.stacks=many")));
        assertMentions(e, "targets/h100.yaml: --set memory.stacks=many: memory.stacks: expected a number, got 'many'");
    }

    @Test
    void setWithoutEquals() {
        SpecException e = assertThrows(SpecException.class, () -> Targets.load("h100", List.of("memory.stacks")));
        assertMentions(e, "--set: memory.stacks: expected KEY.PATH=VALUE");
    }

    @Test
    void setThroughAValue() {
        SpecException e = assertThrows(SpecException.class, () -> Targets.load("h100", List.of("memory.stacks.x=1")));
        assertMentions(e, "targets/h100.yaml: --set memory.stacks.x=1: memory.stacks.x: 'memory.stacks' is a value, not a section");
    }

    @Test
    void unknownTarget() {
        SpecException e = assertThrows(SpecException.class, () -> Targets.load("h1OO"));
        assertMentions(e, "targets: unknown target 'h1OO'", "known: b200, bank-pim");
    }

    @Test
    void missingFile() {
        SpecException e = assertThrows(SpecException.class, () -> Targets.load(dir.resolve("nope.yaml").toString()));
        assertMentions(e, "nope.yaml: no such file");
    }

    @Test
    void unknownSystemDevice() throws IOException {
        String f = write("sys.yaml", "name: s\ndevice: h1000\ndevices_per_node: {value: 4, source: x}\n"
                + "nodes: {value: 1, source: x}\nintra_node: {link: nvlink4, topology: switch}\n");
        SpecException e = assertThrows(SpecException.class, () -> Systems.load(f));
        assertMentions(e, "sys.yaml: device: unknown target 'h1000' (did you mean h100?)");
    }

    @Test
    void multiNodeSystemNeedsInterNodeLink() throws IOException {
        String f = write("sys.yaml", "name: s\ndevice: h100\ndevices_per_node: {value: 8, source: x}\n"
                + "nodes: {value: 2, source: x}\nintra_node: {link: nvlink4, topology: switch}\n");
        SpecException e = assertThrows(SpecException.class, () -> Systems.load(f));
        assertMentions(e, "sys.yaml: inter_node: missing key");
    }

    @Test
    void systemErrorsInTheDeviceNameTheDeviceFile() {
        SpecException e = assertThrows(SpecException.class,
                () -> Systems.load("h100x8", List.of("device.memory.tRP_ns=-1")));
        assertMentions(e, "targets/h100.yaml: memory.tRP_ns: must be > 0, got -1");
    }

    @Test
    void badDeviceCountName() {
        SpecException e = assertThrows(SpecException.class, () -> Systems.load("h100x0"));
        assertMentions(e, "systems/h100x0 (built on request): devices: device count must be at least 1, got 0");
        SpecException e2 = assertThrows(SpecException.class, () -> Systems.load("h100x12"));
        assertMentions(e2, "must be a whole number of 8-device nodes, got 12");
        SpecException e3 = assertThrows(SpecException.class, () -> Systems.load("tpu-x4"));
        assertMentions(e3, "systems: unknown system 'tpu-x4'", "DEVICExN");
    }

    @Test
    void tooManyDevicesPerNode() throws IOException {
        String f = write("sys.yaml", "name: s\ndevice: h100\ndevices_per_node: {value: 16, source: x}\n"
                + "nodes: {value: 1, source: x}\nintra_node: {link: nvlink4, topology: switch}\n");
        SpecException e = assertThrows(SpecException.class, () -> Systems.load(f));
        assertMentions(e, "sys.yaml: devices_per_node: exceeds h100's max_devices_per_node 8, got 16");
    }
}
