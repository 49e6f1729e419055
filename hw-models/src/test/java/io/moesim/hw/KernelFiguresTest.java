package io.moesim.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The optional kernel figures of a processor (launch, per-tile overhead, matrix efficiency) and the calibrated overlays. */
class KernelFiguresTest {
    @TempDir
    Path dir;

    private DeviceSpec load(String yaml) throws IOException {
        Path p = dir.resolve("t.yaml");
        Files.writeString(p, yaml);
        return Targets.load(p.toString());
    }

    private SpecException error(String yaml) throws IOException {
        Path p = dir.resolve("bad.yaml");
        Files.writeString(p, yaml);
        return assertThrows(SpecException.class, () -> Targets.load(p.toString()));
    }

    @Test
    void datasheetTargetsCarryNoKernelFigures() {
        for (String id : List.of("h100", "h200", "mi300x", "b200")) {
            assertTrue(Targets.load(id).primary().kernel().isEmpty(), id);
        }
    }

    @Test
    void figuresAreReadFromTheProcessor() throws IOException {
        DeviceSpec d = load("preset: h100\nprocessors:\n  gpu:\n"
                + "    launch_overhead_us: {value: 4.5, source: t}\n"
                + "    tile_overhead_cycles: {value: 1200, source: t}\n"
                + "    memory_latency_ns: {value: 450, source: t}\n"
                + "    matrix_efficiency:\n      fp8e4m3: {value: 0.7, source: t}\n      bf16: {value: 1, source: t}\n");
        KernelFigures k = d.primary().kernel();
        assertEquals(4.5, k.launchOverheadUs().getAsDouble());
        assertEquals(1200, k.tileOverheadCycles().getAsDouble());
        assertEquals(450, k.memoryLatencyNs().getAsDouble());
        assertEquals(0.7, k.matrixEfficiency(DType.FP8_E4M3).orElseThrow());
        assertEquals(1.0, k.matrixEfficiency(DType.BF16).orElseThrow());
        assertTrue(k.matrixEfficiency(DType.FP16).isEmpty());
        // the datasheet figures are untouched
        assertEquals(Targets.load("h100").primary().macsPerCycle(), d.primary().macsPerCycle());
        assertTrue(TargetViews.json(d).toString().contains("launch_overhead_us=4.5"), TargetViews.json(d).toString());
    }

    /** The host's interval per call is a floor on a back-to-back call's time, never an addition to it. */
    @Test
    void aHostCallIntervalIsAFloorPerCall() throws IOException {
        KernelFigures k = load("preset: mi300x\nprocessors:\n  gpu:\n    host_call_interval_us: {value: 40, source: t}\n").primary().kernel();
        assertEquals(40e-6, k.backToBackSeconds(3e-6), 1e-15);
        assertEquals(40e-6, k.backToBackSeconds(40e-6), 1e-15);
        assertEquals(900e-6, k.backToBackSeconds(900e-6), 1e-15);
        // without the figure nothing changes
        assertEquals(3e-6, KernelFigures.none().backToBackSeconds(3e-6), 1e-15);
        SpecException e = error("preset: mi300x\nprocessors:\n  gpu:\n    host_call_interval_us: {value: -4, source: t}\n");
        assertTrue(e.getMessage().contains("processors.gpu.host_call_interval_us"), e.getMessage());
    }

    /** A timing harness's per-call cost is kept by harness id; an id that is not lower-case letters, digits and '-' is refused. */
    @Test
    void harnessOverheadsAreKeptByHarness() throws IOException {
        KernelFigures k = load("preset: h100\nprocessors:\n  gpu:\n    harness_overhead_us:\n      torch-eager: {value: 2.5, source: t}\n")
                .primary().kernel();
        assertEquals(java.util.Map.of("torch-eager", 2.5), k.harnessOverheadUs());
        assertFalse(k.isEmpty());
        SpecException e = error("preset: h100\nprocessors:\n  gpu:\n    harness_overhead_us:\n      Torch_Eager: {value: 2.5, source: t}\n");
        assertTrue(e.getMessage().contains("processors.gpu.harness_overhead_us.Torch_Eager"), e.getMessage());
    }

    @Test
    void anEfficiencyAboveOneIsRejected() throws IOException {
        SpecException e = error("preset: h100\nprocessors:\n  gpu:\n    matrix_efficiency:\n      fp8e4m3: {value: 1.2, source: t}\n");
        assertTrue(e.getMessage().contains("processors.gpu.matrix_efficiency.fp8e4m3"), e.getMessage());
        assertTrue(e.getMessage().contains("<= 1"), e.getMessage());
    }

    @Test
    void anEfficiencyForADtypeWithoutMacsIsRejected() throws IOException {
        SpecException e = error("preset: h100\nprocessors:\n  gpu:\n    matrix_efficiency:\n      fp32: {value: 0.5, source: t}\n");
        assertTrue(e.getMessage().contains("processors.gpu.matrix_efficiency.fp32"), e.getMessage());
    }

    @Test
    void zeroNegativeAndSourcelessFiguresAreRejected() throws IOException {
        assertTrue(error("preset: h100\nprocessors:\n  gpu:\n    launch_overhead_us: {value: 0, source: t}\n").getMessage()
                .contains("processors.gpu.launch_overhead_us: must be > 0"));
        assertTrue(error("preset: h100\nprocessors:\n  gpu:\n    tile_overhead_cycles: {value: -5, source: t}\n").getMessage()
                .contains("processors.gpu.tile_overhead_cycles: must be > 0"));
        assertTrue(error("preset: h100\nprocessors:\n  gpu:\n    launch_overhead_us: 3\n").getMessage()
                .contains("every figure needs a source"));
    }

    @Test
    void calibratedOverlaysLoadThroughTheNormalLoaderWithTheirProvenance() {
        for (String base : List.of("h100", "h200", "mi300x")) {
            DeviceSpec plain = Targets.load(base);
            DeviceSpec cal = Targets.load(base + "-calibrated");
            KernelFigures k = cal.primary().kernel();
            assertFalse(k.isEmpty(), base);
            assertTrue(k.launchOverheadUs().isPresent(), base);
            double e = k.matrixEfficiency(DType.FP8_E4M3).orElseThrow();
            assertTrue(e > 0 && e <= 1, base + " " + e);
            // an overlay changes only the kernel figures: datasheet, memory and links come from the preset
            assertEquals(plain.primary().macsPerCycle(), cal.primary().macsPerCycle(), base);
            assertEquals(plain.primary().clockMHz(), cal.primary().clockMHz(), base);
            assertEquals(plain.memory(), cal.memory(), base);
        }
    }

    @Test
    void overlaySourcesSayHowTheyWereFitted() throws IOException {
        for (String id : List.of("h100-calibrated", "h200-calibrated", "mi300x-calibrated")) {
            String text = new String(KernelFiguresTest.class.getResourceAsStream("/targets/" + id + ".yaml").readAllBytes(),
                    java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(text.contains("fitted by moesim validate --calibrate on traces/published calibration split"), id);
            assertTrue(text.contains("MAPE"), id);
            assertTrue(text.contains("plausibility:"), id);
        }
    }
}
