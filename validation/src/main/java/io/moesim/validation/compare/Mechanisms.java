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
 * @param harnessOverheadUs  what a timing harness adds per call, by harness id (rows naming it in {@code env.timing})
 */
public record Mechanisms(double launchOverheadUs, double tileOverheadCycles, Map<DType, Double> matrixEfficiency, double hostCallIntervalUs,
        double memoryLatencyNs, double sustainedClockMHz, Map<String, Double> harnessOverheadUs) {

    public Mechanisms {
        matrixEfficiency = Map.copyOf(matrixEfficiency);
        // a harness at 0 adds nothing: kept out, so a fit and the overlay it writes compare equal
        Map<String, Double> h = new java.util.TreeMap<>(harnessOverheadUs);
        h.values().removeIf(v -> v == 0);
        harnessOverheadUs = java.util.Collections.unmodifiableMap(h);
        if (!(launchOverheadUs > 0) || tileOverheadCycles < 0 || hostCallIntervalUs < 0 || memoryLatencyNs < 0 || sustainedClockMHz < 0
                || harnessOverheadUs.values().stream().anyMatch(v -> !(v >= 0))
                || matrixEfficiency.values().stream().anyMatch(e -> !(e > 0) || e > 1)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "bad mechanisms: launch %s us, tile overhead %s clocks, efficiency %s, host interval %s us",
                    launchOverheadUs, tileOverheadCycles, matrixEfficiency, hostCallIntervalUs));
        }
    }

    public Mechanisms(double launchOverheadUs, double tileOverheadCycles, Map<DType, Double> matrixEfficiency) {
        this(launchOverheadUs, tileOverheadCycles, matrixEfficiency, 0, 0, 0, Map.of());
    }

    /** What the kernel model uses for this device today: its spec's figures, else the model's defaults. */
    public static Mechanisms of(DeviceSpec device) {
        KernelFigures k = device.primary().kernel();
        return new Mechanisms(k.launchOverheadUs().orElse(EngineContext.DEFAULT_LAUNCH_SECONDS * 1e6), k.tileOverheadCycles().orElse(0),
                k.matrixEfficiency(), k.hostCallIntervalUs().orElse(0), k.memoryLatencyNs().orElse(0),
                device.primary().sustainedClockMHz().orElse(0), k.harnessOverheadUs());
    }

    public Mechanisms withLaunch(double us) {
        return new Mechanisms(us, tileOverheadCycles, matrixEfficiency, hostCallIntervalUs, memoryLatencyNs, sustainedClockMHz, harnessOverheadUs);
    }

    public Mechanisms withTileOverhead(double cycles) {
        return new Mechanisms(launchOverheadUs, cycles, matrixEfficiency, hostCallIntervalUs, memoryLatencyNs, sustainedClockMHz, harnessOverheadUs);
    }

    public Mechanisms withHostCallInterval(double us) {
        return new Mechanisms(launchOverheadUs, tileOverheadCycles, matrixEfficiency, us, memoryLatencyNs, sustainedClockMHz, harnessOverheadUs);
    }

    /** The launch at {@code us}, each harness's overhead moved so that launch + harness stays as it was (never below 0). */
    public Mechanisms withLaunchKeepingHarnessTotals(double us) {
        Map<String, Double> h = new java.util.TreeMap<>();
        harnessOverheadUs.forEach((k, v) -> h.put(k, Math.max(0, Math.round((launchOverheadUs + v - us) * 1e6) / 1e6)));
        return new Mechanisms(us, tileOverheadCycles, matrixEfficiency, hostCallIntervalUs, memoryLatencyNs, sustainedClockMHz, h);
    }

    public Mechanisms withHarnessOverhead(String harness, double us) {
        Map<String, Double> h = new java.util.TreeMap<>(harnessOverheadUs);
        h.put(harness, us);
        return new Mechanisms(launchOverheadUs, tileOverheadCycles, matrixEfficiency, hostCallIntervalUs, memoryLatencyNs, sustainedClockMHz, h);
    }

    /** What the row's timing harness adds per call (0 for a plain launch loop or a harness not fitted). */
    public double harnessOverheadUs(String harness) {
        return harnessOverheadUs.getOrDefault(harness, 0.0);
    }

    public Mechanisms withSustainedClock(double mhz) {
        return new Mechanisms(launchOverheadUs, tileOverheadCycles, matrixEfficiency, hostCallIntervalUs, memoryLatencyNs, mhz, harnessOverheadUs);
    }

    public Mechanisms withMemoryLatency(double ns) {
        return new Mechanisms(launchOverheadUs, tileOverheadCycles, matrixEfficiency, hostCallIntervalUs, ns, sustainedClockMHz, harnessOverheadUs);
    }

    public Mechanisms withEfficiency(DType dtype, double e) {
        Map<DType, Double> m = new EnumMap<>(DType.class);
        m.putAll(matrixEfficiency);
        m.put(dtype, e);
        return new Mechanisms(launchOverheadUs, tileOverheadCycles, m, hostCallIntervalUs, memoryLatencyNs, sustainedClockMHz, harnessOverheadUs);
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
                memoryLatencyNs > 0 ? OptionalDouble.of(memoryLatencyNs) : OptionalDouble.empty(), harnessOverheadUs);
        ProcessorSpec q = p.withKernel(k).withSustainedClock(sustainedClockMHz > 0 ? OptionalDouble.of(sustainedClockMHz) : p.sustainedClockMHz());
        return d.withPrimary(q);
    }

    public String describe() {
        String eff = matrixEfficiency.isEmpty() ? "1 (datasheet)" : new java.util.TreeMap<>(matrixEfficiency).entrySet().stream()
                .map(e -> e.getKey().text() + " " + String.format(Locale.ROOT, "%.2f", e.getValue())).collect(Collectors.joining(", "));
        String host = (hostCallIntervalUs > 0 ? String.format(Locale.ROOT, ", host call interval %.1f us", hostCallIntervalUs) : "")
                + (memoryLatencyNs > 0 ? String.format(Locale.ROOT, ", memory latency %.0f ns", memoryLatencyNs) : "")
                + (sustainedClockMHz > 0 ? String.format(Locale.ROOT, ", clock under load %.0f MHz", sustainedClockMHz) : "")
                + harnessOverheadUs.entrySet().stream().map(e -> String.format(Locale.ROOT, ", harness %s +%.2f us", e.getKey(), e.getValue()))
                        .collect(Collectors.joining());
        return String.format(Locale.ROOT, "launch %.2f us, tile overhead %.0f clocks, matrix efficiency %s%s", launchOverheadUs, tileOverheadCycles,
                eff, host);
    }
}
