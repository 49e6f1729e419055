package io.moesim.hw;

import io.moesim.ir.DType;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Figures of a processor that are not on its datasheet but decide how close a real kernel gets
 * to it: each is one mechanism, set from a measurement or fitted by {@code moesim validate
 * --calibrate}, never a per-op factor. All are optional; a kernel model uses its own documented
 * defaults where a spec leaves them out.
 *
 * @param launchOverheadUs   fixed time per kernel call: launch, argument setup, the host-side
 *                           cost a timing loop sees between back-to-back calls
 * @param tileOverheadCycles clocks a CTA (one output tile) spends outside its main loop that no
 *                           other work hides: the first operand stage arriving, the epilogue
 *                           writing the tile; makes short-K tiles less efficient
 * @param matrixEfficiency   fraction of the datasheet MACs per clock the matrix engines sustain in a
 *                           kernel's main loop, by dtype (0 < e ≤ 1); e.g. fp8 on Hopper loses
 *                           issue slots to promoting partial sums and runs into the power limit
 * @param hostCallIntervalUs the host's own time per library call (argument checks, heuristics,
 *                           the launch itself) when calls are issued back to back, as a benchmark
 *                           loop or an eager framework does: the GPU cannot finish calls faster
 *                           than the host issues them, so this is a floor on the time per call, not
 *                           an addition to it (graph-captured launches do not pay it)
 * @param memoryLatencyNs    load-to-use latency of a DRAM access seen by an engine (through the
 *                           on-chip network and L2, not only the DRAM's own tRCD + tCL): what a
 *                           kernel waits before its first operands arrive, and what a short decode
 *                           CTA waits again for each dependent load; absent means the DRAM's own
 * @param harnessOverheadUs  what a timing harness adds per call on top of the launch, by harness id
 *                           (e.g. {@code torch-eager}: PyTorch's eager dispatch between the timing
 *                           events): a figure of how a measurement was taken, not of the hardware;
 *                           only rows that name their harness ({@code env.timing}) pay it
 */
public record KernelFigures(OptionalDouble launchOverheadUs, OptionalDouble tileOverheadCycles, Map<DType, Double> matrixEfficiency,
        OptionalDouble hostCallIntervalUs, OptionalDouble memoryLatencyNs, Map<String, Double> harnessOverheadUs) {

    public KernelFigures {
        matrixEfficiency = Map.copyOf(matrixEfficiency);
        harnessOverheadUs = java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(harnessOverheadUs));
    }

    public KernelFigures(OptionalDouble launchOverheadUs, OptionalDouble tileOverheadCycles, Map<DType, Double> matrixEfficiency) {
        this(launchOverheadUs, tileOverheadCycles, matrixEfficiency, OptionalDouble.empty(), OptionalDouble.empty(), Map.of());
    }

    public KernelFigures(OptionalDouble launchOverheadUs, OptionalDouble tileOverheadCycles, Map<DType, Double> matrixEfficiency,
            OptionalDouble hostCallIntervalUs, OptionalDouble memoryLatencyNs) {
        this(launchOverheadUs, tileOverheadCycles, matrixEfficiency, hostCallIntervalUs, memoryLatencyNs, Map.of());
    }

    public static KernelFigures none() {
        return new KernelFigures(OptionalDouble.empty(), OptionalDouble.empty(), Map.of());
    }

    /**
     * The time per call a back-to-back loop of one kernel sees: the kernel's own time, or the
     * host's interval per call where that is longer (the GPU then idles between kernels).
     */
    public double backToBackSeconds(double kernelSeconds) {
        return hostCallIntervalUs.isPresent() ? Math.max(kernelSeconds, hostCallIntervalUs.getAsDouble() * 1e-6) : kernelSeconds;
    }

    /** The efficiency for a dtype, where the spec gives one. */
    public Optional<Double> matrixEfficiency(DType dtype) {
        return Optional.ofNullable(matrixEfficiency.get(dtype));
    }

    public boolean isEmpty() {
        return launchOverheadUs.isEmpty() && tileOverheadCycles.isEmpty() && matrixEfficiency.isEmpty() && hostCallIntervalUs.isEmpty()
                && memoryLatencyNs.isEmpty() && harnessOverheadUs.isEmpty();
    }
}
