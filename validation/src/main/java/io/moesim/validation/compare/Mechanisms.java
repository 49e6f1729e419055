package io.moesim.validation.compare;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.KernelFigures;
import io.moesim.hw.ProcessorSpec;
import io.moesim.ir.DType;
import io.moesim.sim.kernel.engine.EngineContext;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.stream.Collectors;

/**
 * The calibratable mechanisms of the kernel model, as the spec's {@link KernelFigures} of a device's
 * primary processor; each is a physical figure with a meaning of its own, never a per-row factor:
 *
 * @param launchOverheadUs   fixed time per kernel call
 * @param tileOverheadCycles clocks per CTA tile outside the overlapped main loop (prologue, epilogue)
 * @param matrixEfficiency   fraction of the datasheet MACs per clock the main loop sustains, by dtype
 * @param hostCallIntervalUs the host's time per back-to-back library call, a floor on the time per
 *                           call (0: none)
 * @param memoryLatencyNs    load-to-use DRAM latency of an engine (0: the DRAM's own tRCD + tCL)
 * @param sustainedClockMHz  the engines' clock under sustained load when nothing fixes it (0: the spec's);
 *                           identifiable only beside rows measured at a fixed clock
 */
public record Mechanisms(double launchOverheadUs, double tileOverheadCycles, Map<DType, Double> matrixEfficiency, double hostCallIntervalUs,
        double memoryLatencyNs, double sustainedClockMHz) {

    public Mechanisms {
        matrixEfficiency = Map.copyOf(matrixEfficiency);
        if (!(launchOverheadUs > 0) || tileOverheadCycles < 0 || hostCallIntervalUs < 0 || memoryLatencyNs < 0 || sustainedClockMHz < 0
                || matrixEfficiency.values().stream().anyMatch(e -> !(e > 0) || e > 1)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "bad mechanisms: launch %s us, tile overhead %s clocks, efficiency %s, host interval %s us",
                    launchOverheadUs, tileOverheadCycles, matrixEfficiency, hostCallIntervalUs));
        }
    }

    public Mechanisms(double launchOverheadUs, double tileOverheadCycles, Map<DType, Double> matrixEfficiency) {
        this(launchOverheadUs, tileOverheadCycles, matrixEfficiency, 0, 0, 0);
    }

    /** What the kernel model uses for this device today: its spec's figures, else the model's defaults. */
    public static Mechanisms of(DeviceSpec device) {
        KernelFigures k = device.primary().kernel();
        return new Mechanisms(k.launchOverheadUs().orElse(EngineContext.DEFAULT_LAUNCH_SECONDS * 1e6), k.tileOverheadCycles().orElse(0),
                k.matrixEfficiency(), k.hostCallIntervalUs().orElse(0), k.memoryLatencyNs().orElse(0),
                device.primary().sustainedClockMHz().orElse(0));
    }

    public Mechanisms withLaunch(double us) {
        return new Mechanisms(us, tileOverheadCycles, matrixEfficiency, hostCallIntervalUs, memoryLatencyNs, sustainedClockMHz);
    }

    public Mechanisms withTileOverhead(double cycles) {
        return new Mechanisms(launchOverheadUs, cycles, matrixEfficiency, hostCallIntervalUs, memoryLatencyNs, sustainedClockMHz);
    }

    public Mechanisms withHostCallInterval(double us) {
        return new Mechanisms(launchOverheadUs, tileOverheadCycles, matrixEfficiency, us, memoryLatencyNs, sustainedClockMHz);
    }

    public Mechanisms withSustainedClock(double mhz) {
        return new Mechanisms(launchOverheadUs, tileOverheadCycles, matrixEfficiency, hostCallIntervalUs, memoryLatencyNs, mhz);
    }

    public Mechanisms withMemoryLatency(double ns) {
        return new Mechanisms(launchOverheadUs, tileOverheadCycles, matrixEfficiency, hostCallIntervalUs, ns, sustainedClockMHz);
    }

    public Mechanisms withEfficiency(DType dtype, double e) {
        Map<DType, Double> m = new EnumMap<>(DType.class);
        m.putAll(matrixEfficiency);
        m.put(dtype, e);
        return new Mechanisms(launchOverheadUs, tileOverheadCycles, m, hostCallIntervalUs, memoryLatencyNs, sustainedClockMHz);
    }

    /** The device at a clock a measurement fixed (its {@code env.sm_clock_MHz}): no clock mechanism applies to it. */
    public static DeviceSpec atClock(DeviceSpec d, double mhz) {
        return d.withPrimary(d.primary().withSustainedClock(OptionalDouble.of(mhz)));
    }

    public double efficiency(DType dtype) {
        return matrixEfficiency.getOrDefault(dtype, 1.0);
    }

    /** The device with its primary processor's kernel figures replaced by these. */
    public DeviceSpec applyTo(DeviceSpec d) {
        ProcessorSpec p = d.primary();
        KernelFigures k = new KernelFigures(OptionalDouble.of(launchOverheadUs),
                tileOverheadCycles > 0 ? OptionalDouble.of(tileOverheadCycles) : OptionalDouble.empty(), matrixEfficiency,
                hostCallIntervalUs > 0 ? OptionalDouble.of(hostCallIntervalUs) : OptionalDouble.empty(),
                memoryLatencyNs > 0 ? OptionalDouble.of(memoryLatencyNs) : OptionalDouble.empty());
        ProcessorSpec q = p.withKernel(k).withSustainedClock(sustainedClockMHz > 0 ? OptionalDouble.of(sustainedClockMHz) : p.sustainedClockMHz());
        return d.withPrimary(q);
    }

    public String describe() {
        String eff = matrixEfficiency.isEmpty() ? "1 (datasheet)" : new java.util.TreeMap<>(matrixEfficiency).entrySet().stream()
                .map(e -> e.getKey().text() + " " + String.format(Locale.ROOT, "%.2f", e.getValue())).collect(Collectors.joining(", "));
        String host = (hostCallIntervalUs > 0 ? String.format(Locale.ROOT, ", host call interval %.1f us", hostCallIntervalUs) : "")
                + (memoryLatencyNs > 0 ? String.format(Locale.ROOT, ", memory latency %.0f ns", memoryLatencyNs) : "")
                + (sustainedClockMHz > 0 ? String.format(Locale.ROOT, ", clock under load %.0f MHz", sustainedClockMHz) : "");
        return String.format(Locale.ROOT, "launch %.2f us, tile overhead %.0f clocks, matrix efficiency %s%s", launchOverheadUs, tileOverheadCycles,
                eff, host);
    }
}
