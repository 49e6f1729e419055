package io.moesim.validation.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.Targets;
import io.moesim.validation.compare.KernelPredictor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The committed GPU measurements ({@code traces/measured}): each row carries what a reader needs to trust and
 * re-run it, the kernel-timed and eager rows pair up, and the kernel model predicts every one.
 */
class MeasuredSetTest {
    static Path folder() {
        Path p = Path.of("..", "traces", "measured");
        return Files.isDirectory(p) ? p : Path.of("traces", "measured");
    }

    @Test
    void everyRowNamesItsMachineScriptAndTiming() {
        List<Measurement> rows = TraceReader.read(folder());
        assertTrue(rows.size() >= 200, "rows: " + rows.size());
        for (Measurement m : rows) {
            String id = m.where() + " " + m.op();
            assertEquals("h200", m.target(), id);
            assertTrue(m.gpu().startsWith("NVIDIA H200"), id);
            assertFalse(m.env().driver().isBlank(), id + ": driver");
            assertFalse(m.env().cuda().isBlank(), id + ": cuda");
            assertTrue(m.env().date().matches("\\d{4}-\\d{2}-\\d{2}"), id + ": date");
            assertEquals(0.0, m.env().smClockMHz(), id + ": clocks were left as found, so no row claims a fixed clock");
            assertTrue(m.source().contains("measure_torch_ops.py"), id + ": the script that measured it");
            assertTrue(m.note().contains("kernels: "), id + ": the kernels the profiler saw");
            if (m.env().timing().isEmpty()) {
                assertTrue(m.hasSpread() && m.p10Us() <= m.medianUs() && m.medianUs() <= m.p90Us() && m.reps() > 0, id + ": spread");
            } else {
                assertEquals("torch-eager", m.env().timing(), id);
            }
        }
    }

    @Test
    void eachOpHasAKernelTimedRowAndAnEagerRow() {
        Map<String, int[]> pairs = new HashMap<>();
        for (Measurement m : TraceReader.read(folder())) {
            pairs.computeIfAbsent(m.op().toString(), k -> new int[2])[m.env().timing().isEmpty() ? 0 : 1]++;
        }
        pairs.forEach((op, n) -> {
            assertEquals(1, n[0], op + ": kernel-timed rows");
            assertEquals(1, n[1], op + ": eager rows");
        });
    }

    @Test
    void theKernelModelPredictsEveryRow() {
        KernelPredictor p = new KernelPredictor();
        for (Measurement m : TraceReader.read(folder())) {
            assertTrue(p.predict(m, Targets.load(m.target())).present(), m.op().toString());
        }
    }
}
