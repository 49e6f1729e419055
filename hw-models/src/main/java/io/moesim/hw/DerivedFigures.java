package io.moesim.hw;

import io.moesim.ir.DType;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * Figures computed from a spec, never typed into it: peaks, bandwidths, ridge points.
 * Units: TFLOP/s = 10^12 FLOP/s, GB/s = 10^9 B/s, Gb/s = 10^9 bit/s.
 */
public final class DerivedFigures {
    private DerivedFigures() {
    }

    /** Dense matrix peak: engines × MACs/cycle × 2 FLOP/MAC × clock. Empty if the dtype is unsupported. */
    public static Optional<Double> peakTflops(ProcessorSpec p, DType dtype) {
        Double macs = p.macsPerCycle().get(dtype);
        if (macs == null) {
            return Optional.empty();
        }
        return Optional.of(p.engines() * macs * 2.0 * p.clockMHz() * 1e6 / 1e12);
    }

    /** Dense peak for every dtype the processor supports, in dtype order. */
    public static Map<DType, Double> peakTflops(ProcessorSpec p) {
        Map<DType, Double> out = new EnumMap<>(DType.class);
        for (DType d : DType.values()) {
            peakTflops(p, d).ifPresent(v -> out.put(d, v));
        }
        return out;
    }

    /** Non-matrix peak: engines × vector FLOPs/cycle × clock. */
    public static Optional<Double> vectorTflops(ProcessorSpec p, DType dtype) {
        Double f = p.vectorFlopsPerCycle().get(dtype);
        return f == null ? Optional.empty() : Optional.of(p.engines() * f * p.clockMHz() * 1e6 / 1e12);
    }

    /** One stack's external bandwidth from its pins: bus width × data rate ÷ 8. */
    public static double externalBandwidthPerStackGBps(MemorySpec m) {
        return m.busWidthBitsPerStack() * m.dataRateGbps() / 8.0;
    }

    /** The device's external bandwidth from its pins (compare with the declared figure). */
    public static double externalBandwidthFromPinsGBps(MemorySpec m) {
        return m.stacks() * externalBandwidthPerStackGBps(m);
    }

    /**
     * What a PIM processor's units can read from the DRAM arrays, all PIM stacks together:
     *
     * <pre>
     *   bits per bundle access × bundles read in parallel per pseudo-channel ÷ tCCD_L
     *     × pseudo-channels per stack × PIM stacks ÷ 8
     * </pre>
     *
     * Logic-PIM (duplex.yaml, HBM3 at 5.2 Gb/s, tCCD_L = 4 tCK = 3.077 ns): 512 b × 4 ÷ 3.077 ns
     * = 665.6 Gb/s = 83.2 GB/s per pseudo-channel; × 32 pseudo-channels = 2662 GB/s per stack;
     * × 5 stacks = 13.31 TB/s. A plain stack's pins give 1024 × 5.2 ÷ 8 = 665.6 GB/s, so the ratio
     * is 4.00× (3.97× against H100's declared 3.35 TB/s): the paper's "4× external".
     * Bank-PIM reads a burst (32 B) from every bank of a pseudo-channel at once: 32 banks × 256 b
     * ÷ 3.077 ns per pseudo-channel, 16× external.
     */
    public static double pimArrayBandwidthGBps(PimSpec pim, MemorySpec m) {
        double bitsPerNs = (double) pim.bitsPerBundleAccess() * pim.bundlesPerPseudoChannel() / m.timing().tCCDLns();
        return bitsPerNs * m.pseudoChannelsPerStack() * pim.stacks() / 8.0;
    }

    /** What the TSVs of the PIM stacks carry: the multiplier × a plain stack's external bandwidth. */
    public static Optional<Double> pimTsvBandwidthGBps(PimSpec pim, MemorySpec m) {
        if (pim.tsvMultiplier().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(pim.tsvMultiplier().getAsDouble() * externalBandwidthPerStackGBps(m) * pim.stacks());
    }

    /**
     * A PIM processor's internal bandwidth: the array bandwidth, capped by the TSVs where the units
     * sit on the logic die (units on the DRAM die need no TSV crossing).
     */
    public static double pimInternalBandwidthGBps(PimSpec pim, MemorySpec m) {
        double array = pimArrayBandwidthGBps(pim, m);
        return pimTsvBandwidthGBps(pim, m).map(t -> Math.min(t, array)).orElse(array);
    }

    /** The DRAM bandwidth a processor sees: external (declared) for gpu/xpu, internal for PIM. */
    public static double bandwidthSeenGBps(DeviceSpec d, ProcessorSpec p) {
        return p.pim().map(pim -> pimInternalBandwidthGBps(pim, d.memory()))
                .orElse(d.memory().hbmBandwidthGBps());
    }

    /** Ridge point, Op/B: peak ÷ the bandwidth the processor sees. */
    public static Optional<Double> ridgeOpPerByte(DeviceSpec d, ProcessorSpec p, DType dtype) {
        double bw = bandwidthSeenGBps(d, p);
        return peakTflops(p, dtype).map(t -> t * 1e12 / (bw * 1e9));
    }

    public static Map<DType, Double> ridgeOpPerByte(DeviceSpec d, ProcessorSpec p) {
        Map<DType, Double> out = new EnumMap<>(DType.class);
        for (DType t : DType.values()) {
            ridgeOpPerByte(d, p, t).ifPresent(v -> out.put(t, v));
        }
        return out;
    }

    /** Internal over external (pins) bandwidth of a PIM processor, per PIM stack. */
    public static double pimBandwidthRatio(PimSpec pim, MemorySpec m) {
        return pimInternalBandwidthGBps(pim, m) / (externalBandwidthPerStackGBps(m) * pim.stacks());
    }
}
