package io.moesim.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A processor's serving clock fraction: read from the spec, checked, and the clock a serving load then runs it at. */
class ServingClockFractionTest {
    @TempDir
    Path dir;

    private Path write(String yaml) throws IOException {
        Path p = dir.resolve("t.yaml");
        Files.writeString(p, yaml);
        return p;
    }

    @Test
    void theFractionScalesTheClockThePerOpFiguresHoldFor() throws IOException {
        DeviceSpec d = Targets.load(write("preset: h100\nprocessors:\n  gpu:\n    serving_clock_fraction: {value: 0.8, source: t}\n").toString());
        ProcessorSpec p = d.primary();
        assertEquals(0.8, p.servingClockFraction().getAsDouble());
        // 1830 MHz (the datasheet clock, no sustained clock given) x 0.8
        assertEquals(1464.0, p.servingLoadClockMHz().getAsDouble(), 1e-9);
        ProcessorSpec loaded = p.underServingLoad();
        assertEquals(1464.0, loaded.sustainedClockMHz().getAsDouble(), 1e-9);
        assertTrue(loaded.servingClockFraction().isEmpty(), "applied once, not again");
        assertEquals(p.clockMHz(), loaded.clockMHz(), "the datasheet clock (the peaks' clock) is kept");
        // where the spec gives a clock under sustained load, the fraction is of that one: 1430 x 0.5
        ProcessorSpec sustained = p.withSustainedClock(OptionalDouble.of(1430)).withServingClockFraction(OptionalDouble.of(0.5));
        assertEquals(715.0, sustained.servingLoadClockMHz().getAsDouble(), 1e-9);
        assertEquals(1464.0, d.underServingLoad().primary().sustainedClockMHz().getAsDouble(), 1e-9);
        assertTrue(TargetViews.json(d).toString().contains("serving_clock_fraction=0.8"), TargetViews.json(d).toString());
        assertTrue(TargetViews.describe(d).contains("0.800 of it under a serving engine's load (1464 MHz)"), TargetViews.describe(d));
    }

    @Test
    void aProcessorWithoutOneIsItselfUnderLoad() {
        DeviceSpec d = Targets.load("mi300x");
        assertTrue(d.primary().servingClockFraction().isEmpty());
        assertSame(d.primary(), d.primary().underServingLoad());
        assertSame(d, d.underServingLoad());
        assertTrue(d.primary().servingLoadClockMHz().isEmpty());
    }

    @Test
    void aFractionOutsideZeroToOneNamesTheKey() throws IOException {
        for (String bad : List.of("0", "1.2", "-0.5")) {
            Path p = write("preset: h100\nprocessors:\n  gpu:\n    serving_clock_fraction: {value: " + bad + ", source: t}\n");
            SpecException e = assertThrows(SpecException.class, () -> Targets.load(p.toString()));
            assertTrue(e.getMessage().contains("processors.gpu.serving_clock_fraction: ") && e.getMessage().contains("must be"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Targets.load("h100").primary().withServingClockFraction(OptionalDouble.of(1.5)));
    }

    /**
     * B200 (datasheet figures only, nothing fitted on it) and the calibrated overlays state a fraction of 1 rather than inherit
     * H100's fitted fraction: read as none, so a serving load leaves them as they are (the same spec, no clock to echo).
     */
    @Test
    void aStatedOneIsNoFraction() {
        assertTrue(Targets.load("h100").primary().servingClockFraction().isPresent(), "the preset they override has one");
        for (String id : List.of("b200", "h100-calibrated", "h200-calibrated")) {
            DeviceSpec d = Targets.load(id);
            assertTrue(d.primary().servingClockFraction().isEmpty(), id);
            assertSame(d, d.underServingLoad(), id);
            assertTrue(d.primary().servingLoadClockMHz().isEmpty(), id);
            assertTrue(!TargetViews.json(d).toString().contains("serving_clock_fraction"), id);
        }
    }

    /** --set reaches it through a system, as any processor key. */
    @Test
    void setReachesItThroughASystem() {
        SystemSpec s = Systems.load("h100x8", List.of("processors.gpu.serving_clock_fraction=0.9"));
        assertEquals(0.9, s.device().primary().servingClockFraction().getAsDouble());
        assertEquals(0.75, s.withDevice(s.device().withServingClockFraction(0.75)).device().primary().servingClockFraction().getAsDouble());
    }
}
