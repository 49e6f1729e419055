package io.moesim.sim.kernel.engine;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.ProcessorSpec;
import io.moesim.ir.DType;
import io.moesim.sim.kernel.dram.AccessPattern;
import io.moesim.sim.kernel.dram.HbmModel;
import io.moesim.sim.kernel.dram.Transfer;

/**
 * What the GPU/xPU kernel models share: the processor, its effective clock, its engines seen as
 * MAC arrays, launch overhead, and the device's HBM model.
 *
 * <p><b>Clock under load</b>: the spec's {@code sustained_clock_MHz} where it gives one, else its
 * datasheet clock. <b>Launch</b>: the spec's {@code launch_overhead_us} per kernel, else
 * {@link #DEFAULT_LAUNCH_SECONDS}. <b>Per tile</b>: the spec's {@code tile_overhead_cycles} per CTA
 * tile, else none. <b>Matrix efficiency</b>: the spec's {@code matrix_efficiency} for the dtype,
 * else 1 (the datasheet rate). The defaults are uncalibrated: the {@code *-calibrated} targets carry
 * fitted figures. <b>Feed per engine</b>: an engine moves at most
 * {@link #FEED_BYTES_PER_CLOCK} bytes per clock between L2 and its shared memory, which caps both
 * the operand feed of small tiles and the DRAM bandwidth a kernel with few busy engines can pull
 * (an assumption, a calibration candidate: at 64 B/clock about 26 H100 SMs saturate HBM).
 */
public record EngineContext(DeviceSpec device, ProcessorSpec processor, HbmModel hbm) {

    /** Launch cost where the spec has no {@code launch_overhead_us}: an uncalibrated default. */
    public static final double DEFAULT_LAUNCH_SECONDS = 2.0e-6;
    public static final double FEED_BYTES_PER_CLOCK = 64;

    public double clockMHz() {
        return processor.sustainedClockMHz().orElse(processor.clockMHz());
    }

    public double launchSeconds() {
        return processor.kernel().launchOverheadUs().isPresent() ? processor.kernel().launchOverheadUs().getAsDouble() * 1e-6
                : DEFAULT_LAUNCH_SECONDS;
    }

    /** Clocks a CTA tile spends outside its overlapped main loop (0 where the spec gives none). */
    public long tileOverheadCycles() {
        return Math.round(processor.kernel().tileOverheadCycles().orElse(0));
    }

    /** Fraction of the datasheet MAC rate the matrix engines sustain for the dtype (1 where the spec gives none). */
    public double matrixEfficiency(DType dtype) {
        return processor.kernel().matrixEfficiency(dtype).orElse(1.0);
    }

    public double cycleSeconds() {
        return 1e-6 / clockMHz();
    }

    public int engines() {
        return processor.engines();
    }

    /** MACs per clock per engine for the dtype (fp16's, then bf16's when the dtype has none); 0 if none. */
    public int macs(DType dtype) {
        Double m = processor.macsPerCycle().get(dtype);
        if (m == null) {
            m = processor.macsPerCycle().get(DType.FP16);
        }
        if (m == null) {
            m = processor.macsPerCycle().get(DType.BF16);
        }
        return m == null ? 0 : (int) Math.round(m);
    }

    /** Non-matrix FLOPs per clock per engine (fp32 vector units), falling back to the MACs / 8. */
    public double vectorFlops() {
        Double f = processor.vectorFlopsPerCycle().get(DType.FP32);
        if (f == null && !processor.vectorFlopsPerCycle().isEmpty()) {
            f = processor.vectorFlopsPerCycle().values().iterator().next();
        }
        return f != null ? f : Math.max(1, macs(DType.FP16) / 8.0);
    }

    /** Seconds of {@code flops} non-matrix FLOPs spread over every engine's vector units at the clock under load. */
    public double vectorSeconds(double flops) {
        return flops / (Math.max(1, engines()) * vectorFlops() * clockMHz() * 1e6);
    }

    public double sharedMemoryBytes() {
        return processor.sram().sharedMemoryPerEngineKB().orElse(0) * 1024;
    }

    public double l2Bytes() {
        return processor.sram().l2Bytes();
    }

    /** DRAM time of {@code bytes} with the pattern when {@code busyEngines} engines issue it. */
    public Transfer transfer(AccessPattern pattern, long bytes, long busyEngines) {
        Transfer t = hbm.transfer(pattern, bytes);
        double feedSeconds = bytes / (busyEngines * FEED_BYTES_PER_CLOCK * clockMHz() * 1e6);
        if (busyEngines <= 0 || feedSeconds <= t.seconds()) {
            return t;
        }
        return new Transfer(t.bytes(), feedSeconds, t.rowHitRate(), t.refreshShare());
    }

    /**
     * First-access latency: the spec's {@code memory_latency_ns} (load-to-use through the on-chip
     * network and L2) where it gives one, else the DRAM's own: activate, read, one burst.
     */
    public double dramLatencySeconds() {
        if (processor.kernel().memoryLatencyNs().isPresent()) {
            return processor.kernel().memoryLatencyNs().getAsDouble() * 1e-9;
        }
        var tm = device.memory().timing();
        return (tm.tRCDps() + tm.tCLps() + tm.tBLps()) * 1e-12;
    }

    public double sustainedGBps() {
        return hbm.sustainedGBps(AccessPattern.SEQUENTIAL);
    }
}
