package io.moesim.validation.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.moesim.ir.DType;
import io.moesim.ir.MoesimException;
import org.junit.jupiter.api.Test;

/** The path a machine without a GPU takes (this one, and CI): one clean exception, one line. */
class NoGpuTest {

    @Test
    void withoutAGpuTheRunnerThrowsNoGpuExceptionWithOneLine() {
        assumeFalse(GpuValidation.available(), "a GPU is present: this test covers the no-GPU path");
        NoGpuException e = assertThrows(NoGpuException.class, () -> GpuValidation.run(GpuRunOptions.defaults("h100", null)));
        assertTrue(e.getMessage().startsWith("no GPU: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e instanceof MoesimException);
    }

    @Test
    void oneLineKeepsTheFirstLineOfAMessage() {
        assertEquals("first", CudaSession.oneLine(new UnsatisfiedLinkError("first\nsecond")));
        assertEquals("NoClassDefFoundError", CudaSession.oneLine(new NoClassDefFoundError()));
    }

    @Test
    void kernelSourceIsSelfContainedAndNamesEveryKernel() {
        for (DType d : new DType[] {DType.BF16, DType.FP16}) {
            String src = Kernels.source(d);
            assertFalse(src.contains("#include"), "NVRTC source must not need CUDA headers");
            for (String k : new String[] {Kernels.RMS_NORM, Kernels.ROUTER_TOPK, Kernels.ATTENTION, Kernels.SILU_MUL, Kernels.GATHER_ROWS,
                    Kernels.COMBINE, Kernels.ADD, Kernels.TO_FLOAT}) {
                assertTrue(src.contains("void " + k + "("), k);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Kernels.source(DType.FP32));
    }

    @Test
    void timingStatsTakeMedianAndPercentiles() {
        TimingStats t = TimingStats.of(new double[] {5, 1, 4, 2, 3, 100, 6, 7, 8, 9, 10});
        assertEquals(6, t.medianUs(), 1e-12);
        assertEquals(2, t.p10Us(), 1e-12);
        assertEquals(10, t.p90Us(), 1e-12);
        assertEquals(1, t.minUs(), 1e-12);
        assertEquals(11, t.reps());
        assertEquals(2.5, TimingStats.of(new double[] {2, 3}).medianUs(), 1e-12);
    }

    @Test
    void defaultOpSetCoversTheIssuesKinds() {
        var kinds = GpuRunOptions.defaultOps().stream().map(o -> o.kind()).distinct().toList();
        for (String k : new String[] {"matmul", "grouped-matmul", "attention", "rms-norm", "router", "moe-layer", "block"}) {
            assertTrue(kinds.contains(k), k);
        }
    }
}
