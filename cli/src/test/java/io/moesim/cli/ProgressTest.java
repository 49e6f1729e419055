package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** Progress when stderr is not a terminal: quiet for 2 s, then a plain line every 10 s and a last line (issue 15). */
class ProgressTest {
    @Test
    void redirectedRunsGetPlainLines() {
        StringWriter w = new StringWriter();
        Progress p = new Progress(new PrintWriter(w), "simulate h100x4", false, true);
        long t0 = System.nanoTime();
        p.update(1, 100, 0.1, t0 + 1_000_000_000L);       // 1 s: quiet
        assertEquals("", w.toString());
        p.update(30, 100, 3.0, t0 + 3_000_000_000L);      // 3 s: first line
        p.update(40, 100, 4.0, t0 + 6_000_000_000L);      // 3 s after it: not yet
        p.update(80, 100, 8.0, t0 + 14_000_000_000L);     // 11 s after it: second line
        p.close();
        String[] lines = w.toString().split("\n");
        assertEquals(3, lines.length, w.toString());
        assertTrue(lines[0].startsWith("[progress] simulate h100x4: 30/100 requests (30%), 3.0 s simulated"), lines[0]);
        assertTrue(lines[1].startsWith("[progress] simulate h100x4: 80/100 requests (80%)"), lines[1]);
        assertTrue(lines[2].startsWith("[progress] simulate h100x4: done, 80/100 requests"), lines[2]);
        assertTrue(!w.toString().contains("\r"));
    }

    @Test
    void workWithoutCountsGetsTheSameCadence() {
        StringWriter w = new StringWriter();
        Progress p = new Progress(new PrintWriter(w), "validate --calibrate", false, true);
        p.stageForTest("fitting calibration overlays");
        long t0 = System.nanoTime();
        p.tick(t0 + 1_000_000_000L);   // 1 s: quiet
        assertEquals("", w.toString());
        p.tick(t0 + 2_500_000_000L);   // 2.5 s: first line
        p.tick(t0 + 6_000_000_000L);   // 3.5 s after it: not yet
        p.tick(t0 + 13_000_000_000L);  // 10.5 s after it: second line
        p.close();
        String[] lines = w.toString().split("\n");
        assertEquals(3, lines.length, w.toString());
        assertTrue(lines[0].startsWith("[progress] validate --calibrate: fitting calibration overlays, "), lines[0]);
        assertTrue(lines[1].startsWith("[progress] validate --calibrate: fitting calibration overlays, 13 s so far"), lines[1]);
        assertTrue(lines[2].startsWith("[progress] validate --calibrate: done in "), lines[2]);
    }

    @Test
    void shortRunsAndDisabledProgressPrintNothing() {
        StringWriter w = new StringWriter();
        Progress p = new Progress(new PrintWriter(w), "x", false, true);
        p.update(100, 100, 1, System.nanoTime());
        p.close();
        Progress off = new Progress(new PrintWriter(w), "x", false, false);
        off.update(50, 100, 1, System.nanoTime() + 60_000_000_000L);
        off.close();
        assertEquals("", w.toString());
    }
}
