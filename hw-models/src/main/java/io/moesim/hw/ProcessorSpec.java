package io.moesim.hw;

import io.moesim.ir.DType;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * One processor of a device: its matrix engines (SMs, CUs, GEMM modules), their dense MACs per
 * cycle per dtype, and its clocks. Peak figures are never stored: see {@link DerivedFigures}.
 *
 * @param engines            engines of the whole device (SMs, CUs, or GEMM modules over all PIM stacks)
 * @param macsPerCycle       dense MACs per cycle per engine, by dtype (dtype order)
 * @param clockMHz           the clock datasheet peaks are computed at
 * @param maxClockMHz        maximum boost clock, when it differs from the datasheet clock
 * @param sustainedClockMHz  clock under sustained load, where a source gives one
 * @param vectorFlopsPerCycle non-matrix FLOPs per cycle per engine, by dtype
 * @param kernel             launch, per-tile and matrix-efficiency figures (calibration; optional)
 */
public record ProcessorSpec(
        String name,
        ProcessorKind kind,
        int engines,
        Map<DType, Double> macsPerCycle,
        double clockMHz,
        OptionalDouble maxClockMHz,
        OptionalDouble sustainedClockMHz,
        Map<DType, Double> vectorFlopsPerCycle,
        SramSpec sram,
        Optional<PimSpec> pim,
        KernelFigures kernel) {

    public ProcessorSpec {
        macsPerCycle = Map.copyOf(macsPerCycle);
        vectorFlopsPerCycle = Map.copyOf(vectorFlopsPerCycle);
        kernel = kernel == null ? KernelFigures.none() : kernel;
    }

    public boolean supports(DType dtype) {
        return macsPerCycle.containsKey(dtype);
    }

    /** This processor with other kernel figures. */
    public ProcessorSpec withKernel(KernelFigures k) {
        return new ProcessorSpec(name, kind, engines, macsPerCycle, clockMHz, maxClockMHz, sustainedClockMHz, vectorFlopsPerCycle, sram, pim, k);
    }

    /** This processor with another clock under sustained load. */
    public ProcessorSpec withSustainedClock(OptionalDouble mhz) {
        return new ProcessorSpec(name, kind, engines, macsPerCycle, clockMHz, maxClockMHz, mhz, vectorFlopsPerCycle, sram, pim, kernel);
    }
}
