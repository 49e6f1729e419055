package io.moesim.hw;

import io.moesim.ir.DType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the CLI prints for targets: a deterministic map for {@code target show ID --json}, a table
 * row for {@code targets}, and a text description for {@code target show ID}. Derived figures are
 * rounded to 3 decimals so that output is stable and readable.
 */
public final class TargetViews {
    private TargetViews() {
    }

    /** Table header matching {@link #row(DeviceSpec)}. */
    public static List<String> header() {
        return List.of("id", "kind", "peak bf16/fp16 TFLOP/s", "HBM TB/s", "capacity GB", "ridge Op/B");
    }

    /**
     * One row: the primary processor's 16-bit dense peak (bf16, or fp16 for a PIM-only device),
     * declared HBM bandwidth, capacity, and the ridge point for that dtype.
     */
    public static List<String> row(DeviceSpec d) {
        ProcessorSpec p = d.primary();
        DType t = p.supports(DType.BF16) ? DType.BF16 : DType.FP16;
        String peak = DerivedFigures.peakTflops(p, t).map(v -> fmt(v, 1)).orElse("-");
        String ridge = DerivedFigures.ridgeOpPerByte(d, p, t).map(v -> fmt(v, 1)).orElse("-");
        return List.of(d.id(), d.kind(), peak, fmt(d.memory().hbmBandwidthGBps() / 1000.0, 2),
                fmt(d.memory().capacityGB(), 0), ridge);
    }

    /** The map behind {@code target show ID --json}; key order is fixed. */
    public static Map<String, Object> json(DeviceSpec d) {
        Map<String, Object> m = new LinkedHashMap<>();
        MemorySpec mem = d.memory();
        ProcessorSpec primary = d.primary();
        m.put("id", d.id());
        m.put("name", d.name());
        m.put("kind", d.kind());
        m.put("origin", d.origin());
        m.put("primary_processor", primary.name());
        m.put("peak_tflops", byDtype(DerivedFigures.peakTflops(primary)));
        m.put("hbm_bandwidth_GBps", r3(mem.hbmBandwidthGBps()));
        m.put("hbm_bandwidth_from_pins_GBps", r3(DerivedFigures.externalBandwidthFromPinsGBps(mem)));
        m.put("hbm_bandwidth_per_stack_GBps", r3(DerivedFigures.externalBandwidthPerStackGBps(mem)));
        m.put("hbm_capacity_GB", r3(mem.capacityGB()));
        m.put("hbm_reported_GB", r3(mem.reportedBytes() / 1e9));
        m.put("ridge_op_per_byte", byDtype(DerivedFigures.ridgeOpPerByte(d, primary)));
        Optional<ProcessorSpec> pim = d.pimProcessor();
        if (pim.isPresent()) {
            PimSpec ps = pim.get().pim().orElseThrow();
            m.put("pim_processor", pim.get().name());
            m.put("pim_internal_bandwidth_GBps", r3(DerivedFigures.pimInternalBandwidthGBps(ps, mem)));
            m.put("pim_bandwidth_ratio", r3(DerivedFigures.pimBandwidthRatio(ps, mem)));
            m.put("pim_peak_tflops", byDtype(DerivedFigures.peakTflops(pim.get())));
            m.put("pim_ridge_op_per_byte", byDtype(DerivedFigures.ridgeOpPerByte(d, pim.get())));
        }
        List<Object> procs = new ArrayList<>();
        for (ProcessorSpec p : d.processors().values()) {
            procs.add(processor(d, p));
        }
        m.put("processors", procs);
        m.put("memory", memory(mem));
        Map<String, Object> power = new LinkedHashMap<>();
        d.power().boardPowerW().ifPresent(v -> power.put("board_power_W", r3(v)));
        d.power().hbmAccessEnergyPjPerBit().ifPresent(v -> power.put("hbm_access_energy_pJ_per_bit", r3(v)));
        m.put("power", power);
        InterconnectSpec ic = d.interconnect();
        Map<String, Object> icm = new LinkedHashMap<>();
        icm.put("intra_node_link", ic.intraNodeLink());
        icm.put("intra_node_topology", ic.intraNodeTopology().text());
        icm.put("max_devices_per_node", ic.maxDevicesPerNode());
        icm.put("inter_node_link", ic.interNodeLink());
        icm.put("inter_node_topology", ic.interNodeTopology().text());
        icm.put("host_link", ic.hostLink());
        m.put("interconnect", icm);
        return m;
    }

    private static Map<String, Object> processor(DeviceSpec d, ProcessorSpec p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("kind", p.kind().text());
        m.put("engines", p.engines());
        m.put("clock_MHz", r3(p.clockMHz()));
        p.maxClockMHz().ifPresent(v -> m.put("max_clock_MHz", r3(v)));
        p.sustainedClockMHz().ifPresent(v -> m.put("sustained_clock_MHz", r3(v)));
        p.servingClockFraction().ifPresent(v -> m.put("serving_clock_fraction", r3(v)));
        p.kernel().launchOverheadUs().ifPresent(v -> m.put("launch_overhead_us", r3(v)));
        p.kernel().tileOverheadCycles().ifPresent(v -> m.put("tile_overhead_cycles", r3(v)));
        p.kernel().hostCallIntervalUs().ifPresent(v -> m.put("host_call_interval_us", r3(v)));
        p.kernel().memoryLatencyNs().ifPresent(v -> m.put("memory_latency_ns", r3(v)));
        if (!p.kernel().harnessOverheadUs().isEmpty()) {
            Map<String, Object> h = new LinkedHashMap<>();
            p.kernel().harnessOverheadUs().forEach((id, v) -> h.put(id, r3(v)));
            m.put("harness_overhead_us", h);
        }
        if (!p.kernel().matrixEfficiency().isEmpty()) {
            m.put("matrix_efficiency", byDtype(p.kernel().matrixEfficiency()));
        }
        m.put("macs_per_cycle", byDtype(p.macsPerCycle()));
        m.put("peak_tflops", byDtype(DerivedFigures.peakTflops(p)));
        Map<DType, Double> vec = new java.util.EnumMap<>(DType.class);
        for (DType t : DType.values()) {
            DerivedFigures.vectorTflops(p, t).ifPresent(v -> vec.put(t, v));
        }
        if (!vec.isEmpty()) {
            m.put("vector_tflops", byDtype(vec));
        }
        m.put("bandwidth_seen_GBps", r3(DerivedFigures.bandwidthSeenGBps(d, p)));
        m.put("ridge_op_per_byte", byDtype(DerivedFigures.ridgeOpPerByte(d, p)));
        Map<String, Object> sram = new LinkedHashMap<>();
        SramSpec s = p.sram();
        s.sharedMemoryPerEngineKB().ifPresent(v -> sram.put("shared_memory_per_engine_KB", r3(v)));
        s.l2CacheMB().ifPresent(v -> sram.put("l2_cache_MB", r3(v)));
        s.lastLevelCacheMB().ifPresent(v -> sram.put("last_level_cache_MB", r3(v)));
        s.bufferPerEngineKB().ifPresent(v -> sram.put("buffer_per_engine_KB", r3(v)));
        s.globalBuffers().ifPresent(v -> sram.put("global_buffers", v));
        s.globalBufferMB().ifPresent(v -> sram.put("global_buffer_MB", r3(v)));
        m.put("sram", sram);
        p.pim().ifPresent(ps -> {
            Map<String, Object> pm = new LinkedHashMap<>();
            pm.put("placement", ps.placement().text());
            pm.put("stacks", ps.stacks());
            pm.put("engines_per_stack", ps.enginesPerStack());
            pm.put("banks_per_bundle", ps.banksPerBundle());
            pm.put("bundles_per_pseudo_channel", ps.bundlesPerPseudoChannel());
            pm.put("bits_per_bundle_access", ps.bitsPerBundleAccess());
            ps.tsvMultiplier().ifPresent(v -> pm.put("tsv_multiplier", r3(v)));
            pm.put("array_bandwidth_GBps", r3(DerivedFigures.pimArrayBandwidthGBps(ps, d.memory())));
            DerivedFigures.pimTsvBandwidthGBps(ps, d.memory()).ifPresent(v -> pm.put("tsv_bandwidth_GBps", r3(v)));
            pm.put("internal_bandwidth_GBps", r3(DerivedFigures.pimInternalBandwidthGBps(ps, d.memory())));
            m.put("pim", pm);
        });
        return m;
    }

    private static Map<String, Object> memory(MemorySpec mem) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("generation", mem.generation());
        m.put("stacks", mem.stacks());
        m.put("capacity_GB", r3(mem.capacityGB()));
        mem.capacityPerStackGB().ifPresent(v -> m.put("capacity_per_stack_GB", r3(v)));
        mem.driverTotalMiB().ifPresent(v -> m.put("driver_total_MiB", r3(v)));
        m.put("channels_per_stack", mem.channelsPerStack());
        m.put("pseudo_channels_per_channel", mem.pseudoChannelsPerChannel());
        m.put("ranks", mem.ranks());
        m.put("bank_groups", mem.bankGroups());
        m.put("banks_per_group", mem.banksPerGroup());
        m.put("page_size_B", mem.pageSizeB());
        m.put("burst_length", mem.burstLength());
        m.put("data_rate_Gbps", r3(mem.dataRateGbps()));
        m.put("bus_width_bits_per_stack", mem.busWidthBitsPerStack());
        DramTiming t = mem.timing();
        Map<String, Object> tm = new LinkedHashMap<>();
        tm.put("preset", t.preset());
        tm.put("tCK_ns", r3(t.tCKns()));
        tm.put("tRCD_ns", r3(t.tRCDns()));
        tm.put("tRP_ns", r3(t.tRPns()));
        tm.put("tRAS_ns", r3(t.tRASns()));
        tm.put("tRC_ns", r3(t.tRCns()));
        tm.put("tCCD_S_ns", r3(t.tCCDSns()));
        tm.put("tCCD_L_ns", r3(t.tCCDLns()));
        tm.put("tRRD_S_ns", r3(t.tRRDSns()));
        tm.put("tRRD_L_ns", r3(t.tRRDLns()));
        tm.put("tFAW_ns", r3(t.tFAWns()));
        tm.put("tWR_ns", r3(t.tWRns()));
        tm.put("tRTP_ns", r3(t.tRTPns()));
        tm.put("tRFC_ns", r3(t.tRFCns()));
        tm.put("tREFI_ns", r3(t.tREFIns()));
        tm.put("tCL_ns", r3(t.tCLns()));
        tm.put("tBL_ns", r3(t.tBLns()));
        t.tRCDWRns().ifPresent(v -> tm.put("tRCD_WR_ns", r3(v)));
        t.tCWLns().ifPresent(v -> tm.put("tCWL_ns", r3(v)));
        t.tWTRSns().ifPresent(v -> tm.put("tWTR_S_ns", r3(v)));
        t.tWTRLns().ifPresent(v -> tm.put("tWTR_L_ns", r3(v)));
        t.tRTWns().ifPresent(v -> tm.put("tRTW_ns", r3(v)));
        t.tCCDRns().ifPresent(v -> tm.put("tCCD_R_ns", r3(v)));
        t.tRFCpbns().ifPresent(v -> tm.put("tRFC_pb_ns", r3(v)));
        t.tRREFDns().ifPresent(v -> tm.put("tRREFD_ns", r3(v)));
        m.put("timing", tm);
        MemoryController c = mem.controller();
        Map<String, Object> cm = new LinkedHashMap<>();
        cm.put("read_queue", c.readQueue());
        cm.put("write_queue", c.writeQueue());
        cm.put("write_high_watermark", c.writeHighWatermark());
        cm.put("write_low_watermark", c.writeLowWatermark());
        cm.put("refresh", c.refresh().text());
        cm.put("refresh_postpone_max", c.refreshPostponeMax());
        cm.put("address_mapping", c.addressMapping());
        m.put("controller", cm);
        return m;
    }

    /** Multi-line text for {@code target show ID}. */
    public static String describe(DeviceSpec d) {
        StringBuilder b = new StringBuilder();
        MemorySpec mem = d.memory();
        b.append(d.id()).append(": ").append(d.name()).append(" [").append(d.kind()).append("]\n");
        b.append("  from ").append(d.origin()).append('\n');
        for (ProcessorSpec p : d.processors().values()) {
            b.append("  processor ").append(p.name()).append(" (").append(p.kind().text()).append("): ")
                    .append(p.engines()).append(" engines at ").append(fmt(p.clockMHz(), 0)).append(" MHz");
            p.maxClockMHz().ifPresent(v -> b.append(" (max ").append(fmt(v, 0)).append(" MHz)"));
            p.sustainedClockMHz().ifPresent(v -> b.append(", ").append(fmt(v, 0)).append(" MHz under load"));
            p.servingClockFraction().ifPresent(v -> b.append(", ").append(fmt(v, 3)).append(" of it under a serving engine's load (")
                    .append(fmt(p.servingLoadClockMHz().getAsDouble(), 0)).append(" MHz)"));
            b.append('\n');
            KernelFigures k = p.kernel();
            if (!k.isEmpty()) {
                b.append("    kernel figures:");
                k.launchOverheadUs().ifPresent(v -> b.append(" launch ").append(fmt(v, 2)).append(" us;"));
                k.tileOverheadCycles().ifPresent(v -> b.append(" per-tile overhead ").append(fmt(v, 0)).append(" clocks;"));
                k.memoryLatencyNs().ifPresent(v -> b.append(" memory latency ").append(fmt(v, 0)).append(" ns;"));
                k.hostCallIntervalUs().ifPresent(v -> b.append(" host call interval ").append(fmt(v, 2)).append(" us;"));
                k.harnessOverheadUs().forEach((id, v) -> b.append(" harness ").append(id).append(" +").append(fmt(v, 2)).append(" us;"));
                new java.util.TreeMap<>(k.matrixEfficiency()).forEach((t, v) -> b.append(" ").append(t.text()).append(" efficiency ")
                        .append(fmt(v, 2)).append(';'));
                b.setLength(b.length() - 1);
                b.append('\n');
            }
            b.append("    dense peak:");
            DerivedFigures.peakTflops(p).forEach((t, v) -> b.append(' ').append(t.text()).append(' ').append(fmt(v, 1)));
            b.append(" TFLOP/s\n");
            b.append("    sees ").append(fmt(DerivedFigures.bandwidthSeenGBps(d, p), 1)).append(" GB/s; ridge:");
            DerivedFigures.ridgeOpPerByte(d, p).forEach((t, v) -> b.append(' ').append(t.text()).append(' ').append(fmt(v, 1)));
            b.append(" Op/B\n");
            p.pim().ifPresent(ps -> b.append("    PIM on ").append(ps.placement().text()).append(", ").append(ps.stacks())
                    .append(" stacks x ").append(ps.enginesPerStack()).append(" engines; ")
                    .append(ps.bundlesPerPseudoChannel()).append(" bundles of ").append(ps.banksPerBundle())
                    .append(" banks per pseudo-channel, ").append(ps.bitsPerBundleAccess()).append(" b per access")
                    .append(ps.tsvMultiplier().isPresent() ? ", TSV x" + fmt(ps.tsvMultiplier().getAsDouble(), 0) : "")
                    .append("; internal ").append(fmt(DerivedFigures.pimInternalBandwidthGBps(ps, mem), 1))
                    .append(" GB/s (").append(fmt(DerivedFigures.pimBandwidthRatio(ps, mem), 2)).append("x external)\n"));
        }
        b.append("  memory: ").append(mem.generation()).append(", ").append(mem.stacks()).append(" stacks, ")
                .append(fmt(mem.capacityGB(), 0)).append(" GB")
                .append(mem.driverTotalMiB().isPresent() ? " (the driver reports " + fmt(mem.driverTotalMiB().getAsDouble(), 0) + " MiB = "
                        + fmt(mem.reportedBytes() / 1e9, 2) + " GB)" : "")
                .append(", ").append(fmt(mem.hbmBandwidthGBps(), 0))
                .append(" GB/s declared (").append(fmt(DerivedFigures.externalBandwidthFromPinsGBps(mem), 1))
                .append(" GB/s from ").append(fmt(mem.dataRateGbps(), 2)).append(" Gb/s x ")
                .append(mem.busWidthBitsPerStack()).append(" pins per stack)\n");
        DramTiming t = mem.timing();
        b.append("  timing (").append(t.preset()).append("): tRCD ").append(fmt(t.tRCDns(), 3)).append(" ns, tRP ")
                .append(fmt(t.tRPns(), 3)).append(", tRAS ").append(fmt(t.tRASns(), 3)).append(", tCCD_S ")
                .append(fmt(t.tCCDSns(), 3)).append(", tCCD_L ").append(fmt(t.tCCDLns(), 3)).append(", tFAW ")
                .append(fmt(t.tFAWns(), 3)).append(", tRFC ").append(fmt(t.tRFCns(), 3)).append(", tREFI ")
                .append(fmt(t.tREFIns(), 3));
        t.tCWLns().ifPresent(v -> b.append(", tCWL ").append(fmt(v, 3)));
        t.tRTWns().ifPresent(v -> b.append(", tRTW ").append(fmt(v, 3)));
        t.tCCDRns().ifPresent(v -> b.append(", tCCD_R ").append(fmt(v, 3)));
        b.append('\n');
        MemoryController c = mem.controller();
        b.append("  controller: ").append(c.refresh().text()).append(" refresh")
                .append(c.refreshPostponeMax() > 0 ? " (up to " + c.refreshPostponeMax() + " postponed)" : "")
                .append(", queues ").append(c.readQueue()).append(" read / ").append(c.writeQueue()).append(" write, writes drain at ")
                .append(fmt(c.writeHighWatermark(), 2)).append(" .. ").append(fmt(c.writeLowWatermark(), 2))
                .append(", mapping ").append(c.addressMapping()).append('\n');
        d.power().boardPowerW().ifPresent(v -> b.append("  board power: ").append(fmt(v, 0)).append(" W\n"));
        InterconnectSpec ic = d.interconnect();
        b.append("  links: ").append(ic.intraNodeLink()).append(" (").append(ic.intraNodeTopology().text())
                .append(", up to ").append(ic.maxDevicesPerNode()).append(" per node), ").append(ic.interNodeLink())
                .append(" between nodes, host ").append(ic.hostLink()).append('\n');
        return b.toString();
    }

    static Map<String, Object> byDtype(Map<DType, Double> values) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (DType t : DType.values()) {
            Double v = values.get(t);
            if (v != null) {
                m.put(t.text(), r3(v));
            }
        }
        return m;
    }

    static double r3(double v) {
        return Math.round(v * 1000.0) / 1000.0;
    }

    static String fmt(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}
