package io.moesim.sim.kernel;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.moesim.hw.KernelFigures;
import io.moesim.sim.kernel.engine.WorkBreakdown;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The kernel-level estimate of one op on one processor: what {@code moesim op} prints.
 *
 * @param kind          what was estimated (the op mnemonic, or "memcpy")
 * @param latencyUs     simulated latency
 * @param flops         the op's FLOPs
 * @param bytes         the op's minimum DRAM traffic (the denominator of Op/B)
 * @param opPerByte     flops / bytes
 * @param achievedTflops flops / latency
 * @param achievedGBps  bytes / latency
 * @param rooflineUs    the analytic bound max(flops/peak, bytes/bandwidth); latency is never below it
 * @param bound         "compute" or "memory": which side dominated the simulated time ("host" for a
 *                      back-to-back call bound by the host's interval per call)
 * @param processor     the processor's name in the spec
 * @param breakdown     where the time went
 */
public record OpEstimate(String kind, double latencyUs, long flops, long bytes, double opPerByte, double achievedTflops,
        double achievedGBps, double rooflineUs, String bound, String processor, Breakdown breakdown) {

    /**
     * @param computeUs   engines busy computing (wave quantised, fill/drain of the arrays included)
     * @param memoryUs    DRAM time of the traffic actually moved at the achieved bandwidth
     * @param launchUs    launch / command-issue overhead
     * @param fillDrainUs pipeline fill and drain outside the overlapped part
     * @param dramBytes   bytes actually moved (re-reads, partial sums, padding)
     * @param waves       waves over the engines (PIM: module calls per engine)
     * @param tiles       tiles or CTAs (PIM: calls over all engines)
     * @param tile        the tile shape chosen
     * @param rowHitRate  DRAM column commands that found their row open
     * @param refreshShare DRAM time lost to refresh
     * @param clockMHz    the engines' clock under load
     * @param extrapolated whether part of the run was extrapolated from a steady-state window
     */
    public record Breakdown(double computeUs, double memoryUs, double launchUs, double fillDrainUs, long dramBytes, long waves,
            long tiles, String tile, double rowHitRate, double refreshShare, double clockMHz, boolean extrapolated) {

        static Breakdown of(WorkBreakdown w) {
            return new Breakdown(w.computeSeconds() * 1e6, w.memorySeconds() * 1e6, w.launchSeconds() * 1e6, w.fillDrainSeconds() * 1e6,
                    w.dramBytes(), w.waves(), w.tiles(), w.tile(), w.rowHitRate(), w.refreshShare(), w.clockMHz(), w.extrapolated());
        }
    }

    static OpEstimate of(String kind, WorkBreakdown w, long flops, long bytes, double rooflineSeconds, String processor) {
        double s = Math.max(w.totalSeconds(), rooflineSeconds);
        double opb = bytes == 0 ? 0 : (double) flops / bytes;
        String bound = w.computeSeconds() >= w.memorySeconds() ? "compute" : "memory";
        return new OpEstimate(kind, s * 1e6, flops, bytes, opb, s == 0 ? 0 : flops / s / 1e12, s == 0 ? 0 : bytes / s / 1e9,
                rooflineSeconds * 1e6, bound, processor, Breakdown.of(w));
    }

    public double seconds() {
        return latencyUs * 1e-6;
    }

    /**
     * This estimate as a loop calling the kernel back to back sees it: the host's interval per call
     * ({@link KernelFigures#hostCallIntervalUs}) is a floor; where it binds, {@code bound} is "host".
     */
    public OpEstimate backToBack(KernelFigures k) {
        double s = k.backToBackSeconds(seconds());
        if (s <= seconds()) {
            return this;
        }
        return new OpEstimate(kind, s * 1e6, flops, bytes, opPerByte, flops / s / 1e12, bytes / s / 1e9, rooflineUs, "host", processor,
                breakdown);
    }

    /** The JSON keys of {@code moesim op --json}, in a fixed order. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("kind", kind);
        m.put("latency_us", latencyUs);
        m.put("flops", flops);
        m.put("bytes", bytes);
        m.put("op_per_byte", opPerByte);
        m.put("achieved_tflops", achievedTflops);
        m.put("achieved_GBps", achievedGBps);
        m.put("roofline_us", rooflineUs);
        m.put("bound", bound);
        m.put("processor", processor);
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("compute_us", breakdown.computeUs());
        b.put("memory_us", breakdown.memoryUs());
        b.put("launch_us", breakdown.launchUs());
        b.put("fill_drain_us", breakdown.fillDrainUs());
        b.put("dram_bytes", breakdown.dramBytes());
        b.put("waves", breakdown.waves());
        b.put("tiles", breakdown.tiles());
        b.put("tile", breakdown.tile());
        b.put("dram_row_hit_rate", breakdown.rowHitRate());
        b.put("refresh_share", breakdown.refreshShare());
        b.put("clock_MHz", breakdown.clockMHz());
        b.put("extrapolated", breakdown.extrapolated());
        m.put("breakdown", b);
        return m;
    }

    /** Pretty JSON, byte-identical for equal estimates. */
    public String toJson() {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(toMap());
        } catch (JsonProcessingException e) {
            throw new KernelException("cannot write estimate as JSON: " + e.getOriginalMessage());
        }
    }
}
