package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.Targets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code moesim op} times one op as a benchmark loop does: the spec's host interval per call is a floor. */
class BackToBackTest {
    private final KernelSimulator sim = new KernelSimulator();

    private OpEstimate op(String target, String... kv) {
        return sim.estimate(OpRequests.parse("matmul", List.of(kv)), Targets.load(target));
    }

    @Test
    void aSmallKernelTakesTheHostIntervalAndALargeOneItsOwnTime() {
        DeviceSpec cal = Targets.load("mi300x-calibrated");
        double floorUs = cal.primary().kernel().hostCallIntervalUs().orElseThrow();
        OpEstimate small = op("mi300x-calibrated", "m=1024", "n=1024", "k=1024", "dtype=fp8e4m3");
        assertEquals(floorUs, small.latencyUs(), 1e-9);
        assertEquals("host", small.bound());
        // achieved rates follow the time per call
        assertEquals(small.flops() / (floorUs * 1e-6) / 1e12, small.achievedTflops(), 1e-9);
        OpEstimate large = op("mi300x-calibrated", "m=8192", "n=8192", "k=8192", "dtype=fp8e4m3");
        assertTrue(large.latencyUs() > 10 * floorUs);
        assertNotEquals("host", large.bound());
        // the datasheet target has no floor: the same small GEMM takes its kernel time only
        assertTrue(op("mi300x", "m=1024", "n=1024", "k=1024", "dtype=fp8e4m3").latencyUs() < floorUs);
    }
}
