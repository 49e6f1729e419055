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
 * @param servingClockFraction the clock a serving engine's continuous load holds the engines at, as a fraction of
 *                           the clock the per-op figures hold for (a microbenchmark's bursts); applied to serving runs
 *                           under a real framework profile only ({@link #servingLoadClockMHz}); a stated 1 is read as none
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
        KernelFigures kernel,
        OptionalDouble servingClockFraction) {

    public ProcessorSpec {
        macsPerCycle = Map.copyOf(macsPerCycle);
        vectorFlopsPerCycle = Map.copyOf(vectorFlopsPerCycle);
        kernel = kernel == null ? KernelFigures.none() : kernel;
        servingClockFraction = servingClockFraction == null ? OptionalDouble.empty() : servingClockFraction;
        if (servingClockFraction.isPresent() && !isServingClockFraction(servingClockFraction.getAsDouble())) {
            throw new IllegalArgumentException("serving_clock_fraction must be in (0, 1], got " + servingClockFraction.getAsDouble());
        }
        // a stated 1 is no fraction (an overlay's way to drop its preset's): no clock, no echo, the same estimates as without
        if (servingClockFraction.isPresent() && servingClockFraction.getAsDouble() == 1) {
            servingClockFraction = OptionalDouble.empty();
        }
    }

    /** Whether {@code f} can be a serving clock fraction: in (0, 1] (the spec reader names the key where it is not). */
    public static boolean isServingClockFraction(double f) {
        return f > 0 && f <= 1;
    }

    /** A processor with no serving clock fraction (a serving load runs it at the clock its per-op figures hold for). */
    public ProcessorSpec(String name, ProcessorKind kind, int engines, Map<DType, Double> macsPerCycle, double clockMHz,
            OptionalDouble maxClockMHz, OptionalDouble sustainedClockMHz, Map<DType, Double> vectorFlopsPerCycle, SramSpec sram,
            Optional<PimSpec> pim, KernelFigures kernel) {
        this(name, kind, engines, macsPerCycle, clockMHz, maxClockMHz, sustainedClockMHz, vectorFlopsPerCycle, sram, pim, kernel,
                OptionalDouble.empty());
    }

    /**
     * The engines' clock under a serving engine's continuous load: the clock the per-op figures hold for (the clock under
     * sustained load where the spec gives one, else the datasheet clock) times {@link #servingClockFraction}; empty where the
     * spec gives no fraction.
     */
    public OptionalDouble servingLoadClockMHz() {
        return servingClockFraction.isPresent()
                ? OptionalDouble.of(sustainedClockMHz.orElse(clockMHz) * servingClockFraction.getAsDouble())
                : OptionalDouble.empty();
    }

    public boolean supports(DType dtype) {
        return macsPerCycle.containsKey(dtype);
    }

    /** This processor with other kernel figures. */
    public ProcessorSpec withKernel(KernelFigures k) {
        return new ProcessorSpec(name, kind, engines, macsPerCycle, clockMHz, maxClockMHz, sustainedClockMHz, vectorFlopsPerCycle, sram, pim, k,
                servingClockFraction);
    }

    /** This processor with another clock under sustained load. */
    public ProcessorSpec withSustainedClock(OptionalDouble mhz) {
        return new ProcessorSpec(name, kind, engines, macsPerCycle, clockMHz, maxClockMHz, mhz, vectorFlopsPerCycle, sram, pim, kernel,
                servingClockFraction);
    }

    /** This processor with another serving clock fraction (empty: none). */
    public ProcessorSpec withServingClockFraction(OptionalDouble fraction) {
        return new ProcessorSpec(name, kind, engines, macsPerCycle, clockMHz, maxClockMHz, sustainedClockMHz, vectorFlopsPerCycle, sram, pim,
                kernel, fraction);
    }

    /**
     * This processor as a serving engine's continuous load runs it: its clock under sustained load set to {@link
     * #servingLoadClockMHz} (and no fraction left to apply again); itself where the spec gives no fraction.
     */
    public ProcessorSpec underServingLoad() {
        if (servingClockFraction.isEmpty()) {
            return this;
        }
        return withServingClockFraction(OptionalDouble.empty()).withSustainedClock(servingLoadClockMHz());
    }
}
