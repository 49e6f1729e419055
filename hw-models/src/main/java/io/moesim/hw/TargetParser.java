package io.moesim.hw;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.moesim.ir.DType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/** Builds a {@link DeviceSpec} from a merged target tree, then checks that its figures agree. */
final class TargetParser {
    /** Declared HBM bandwidth may differ this much from pins × data rate (datasheets round). */
    static final double BANDWIDTH_TOLERANCE = 0.05;
    /**
     * Usable capacity may be this much below stacks × per-stack capacity (reserved space), never above.
     * HGX B200 reserves the most of the built-in targets: 180 of 192 GB usable, 6.25% less.
     */
    static final double CAPACITY_TOLERANCE = 0.07;

    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
    private static final List<String> KINDS = Arrays.stream(ProcessorKind.values()).map(ProcessorKind::text).toList();
    private static final List<String> PLACEMENTS = Arrays.stream(PimPlacement.values()).map(PimPlacement::text).toList();
    private static final List<String> TOPOLOGIES = Arrays.stream(Topology.values()).map(Topology::text).toList();
    private static final List<String> REFRESH_MODES = Arrays.stream(MemoryController.Refresh.values())
            .map(MemoryController.Refresh::text).toList();
    private static final List<String> GENERATIONS = List.of("hbm2", "hbm2e", "hbm3", "hbm3e");

    private TargetParser() {
    }

    static DeviceSpec parse(String id, String file, ObjectNode tree, List<SpecProblem> problems) {
        SpecReader r = SpecReader.root(file, tree, problems);
        String name = r.text("name");
        r.optText("notes");
        MemorySpec memory = memory(r.section("memory"));
        Map<String, ProcessorSpec> processors = new LinkedHashMap<>();
        SpecReader ps = r.section("processors");
        Map<String, SpecReader> named = ps.namedSections();
        if (named.isEmpty() && r.has("processors")) {
            ps.problem("", "needs at least one processor");
        }
        named.forEach((pname, pr) -> {
            if (!NAME.matcher(pname).matches()) {
                pr.problem("", "processor names are lower case letters, digits and '_'");
            }
            processor(pname, pr, memory).ifPresent(p -> processors.put(pname, p));
        });
        PowerSpec power = r.optSection("power").map(TargetParser::power).orElse(PowerSpec.none());
        InterconnectSpec ic = interconnect(r.section("interconnect"));
        r.finish();
        DeviceSpec d = new DeviceSpec(id, name, file, processors, memory, power, ic);
        if (problems.isEmpty()) {
            check(d, file, problems);
        }
        return d;
    }

    private static MemorySpec memory(SpecReader m) {
        String gen = m.choice("generation", s -> GENERATIONS.contains(s) ? Optional.of(s) : Optional.empty(), GENERATIONS).orElse("");
        MemorySpec spec = new MemorySpec(
                gen,
                m.count("stacks"),
                m.number("capacity_GB"),
                m.optNumber("capacity_per_stack_GB"),
                m.optNumber("driver_total_MiB"),
                m.count("channels_per_stack"),
                m.count("pseudo_channels_per_channel"),
                m.count("ranks"),
                m.count("bank_groups"),
                m.count("banks_per_group"),
                m.count("page_size_B"),
                m.count("burst_length"),
                m.number("data_rate_Gbps"),
                m.count("bus_width_bits_per_stack"),
                m.number("hbm_bandwidth_GBps"),
                new DramTiming(
                        m.text("timing_preset"),
                        m.number("tCK_ns"),
                        m.number("tRCD_ns"),
                        m.number("tRP_ns"),
                        m.number("tRAS_ns"),
                        m.number("tRC_ns"),
                        m.number("tCCD_S_ns"),
                        m.number("tCCD_L_ns"),
                        m.number("tRRD_S_ns"),
                        m.number("tRRD_L_ns"),
                        m.number("tFAW_ns"),
                        m.number("tWR_ns"),
                        m.number("tRTP_ns"),
                        m.number("tRFC_ns"),
                        m.number("tREFI_ns"),
                        m.number("tCL_ns"),
                        m.number("tBL_ns"),
                        m.optNumber("tRCD_WR_ns"),
                        m.optNumber("tCWL_ns"),
                        m.optNumber("tWTR_S_ns"),
                        m.optNumber("tWTR_L_ns"),
                        m.optNumber("tRTW_ns"),
                        m.optNumber("tCCD_R_ns"),
                        m.optNumber("tRFC_pb_ns"),
                        m.optNumber("tRREFD_ns")),
                m.optSection("controller").map(TargetParser::controller).orElse(MemoryController.DEFAULTS));
        m.finish();
        return spec;
    }

    private static MemoryController controller(SpecReader c) {
        MemoryController d = MemoryController.DEFAULTS;
        int rq = c.optCount("read_queue").orElse(d.readQueue());
        int wq = c.optCount("write_queue").orElse(d.writeQueue());
        double hi = c.optNumber("write_high_watermark").orElse(d.writeHighWatermark());
        double lo = c.optNumber("write_low_watermark").orElse(d.writeLowWatermark());
        if (hi > 1) {
            c.problem("write_high_watermark", "is a share of the write queue: must be <= 1, got " + Suggest.num(hi));
        }
        if (lo >= hi) {
            c.problem("write_low_watermark", "must be below write_high_watermark " + Suggest.num(hi) + ", got " + Suggest.num(lo));
        }
        MemoryController.Refresh refresh = c.has("refresh")
                ? c.choice("refresh", MemoryController.Refresh::parse, REFRESH_MODES).orElse(d.refresh())
                : d.refresh();
        int postpone = c.optCount("refresh_postpone_max").orElse(d.refreshPostponeMax());
        if (postpone > 8) {
            c.problem("refresh_postpone_max", "JEDEC lets a controller postpone at most 8 refreshes, got " + postpone);
        }
        String mapping = c.optText("address_mapping").orElse(d.addressMapping());
        String fields = MemoryController.fieldsOf(mapping);
        if (!fields.matches("[a-z]+(/[0-9]+)?(:[a-z]+(/[0-9]+)?)*")) {
            c.problem("address_mapping", "unknown mapping '" + mapping + "'" + Suggest.didYouMean(mapping, MemoryController.mappingNames())
                    + " (a name: " + String.join(", ", MemoryController.mappingNames()) + "; or fields most significant first, e.g. "
                    + MemoryController.MAPPINGS.get(0).get(1) + ")");
        }
        c.finish();
        return new MemoryController(rq, wq, hi, lo, refresh, postpone, mapping);
    }

    private static Optional<ProcessorSpec> processor(String name, SpecReader p, MemorySpec mem) {
        Optional<ProcessorKind> kindOpt = p.choice("kind", ProcessorKind::parse, KINDS);
        if (kindOpt.isEmpty()) {
            return Optional.empty();
        }
        ProcessorKind kind = kindOpt.get();
        Optional<PimSpec> pim = Optional.empty();
        int engines;
        if (kind.isPim()) {
            int stacks = p.count("stacks");
            int perStack = p.count("engines_per_stack");
            engines = stacks * perStack;
            pim = pim(kind, p, mem, stacks, perStack);
        } else {
            engines = p.count("engines");
        }
        Map<DType, Double> macs = p.dtypeMap("macs_per_cycle", true);
        double clock = p.number("clock_MHz");
        OptionalDouble max = p.optNumber("max_clock_MHz");
        OptionalDouble sustained = p.optNumber("sustained_clock_MHz");
        Map<DType, Double> vector = p.dtypeMap("vector_flops_per_cycle", false);
        SramSpec sram = p.optSection("sram").map(TargetParser::sram).orElse(SramSpec.none());
        KernelFigures kernel = new KernelFigures(p.optNumber("launch_overhead_us"), p.optNumber("tile_overhead_cycles"),
                p.dtypeMap("matrix_efficiency", false), p.optNumber("host_call_interval_us"), p.optNumber("memory_latency_ns"),
                p.namedMap("harness_overhead_us"));
        OptionalDouble serving = p.optNumber("serving_clock_fraction");
        if (serving.isPresent() && !ProcessorSpec.isServingClockFraction(serving.getAsDouble())) {
            p.problem("serving_clock_fraction", "is a fraction of the clock the per-op figures hold for: must be in (0, 1], got "
                    + Suggest.num(serving.getAsDouble()));
            serving = OptionalDouble.empty();
        }
        p.finish();
        return Optional.of(new ProcessorSpec(name, kind, engines, macs, clock, max, sustained, vector, sram, pim, kernel, serving));
    }

    private static Optional<PimSpec> pim(ProcessorKind kind, SpecReader p, MemorySpec mem, int stacks, int perStack) {
        Optional<PimPlacement> placement = p.choice("placement", PimPlacement::parse, PLACEMENTS);
        if (placement.isPresent() && !placement.equals(kind.placement())) {
            p.problem("placement", "a " + kind.text() + " processor sits at " + kind.placement().orElseThrow().text()
                    + ", got " + placement.get().text());
        }
        int banksPerBundle;
        int bundles;
        int bits;
        OptionalDouble tsv = OptionalDouble.empty();
        if (kind == ProcessorKind.BANK_PIM) {
            // Units in every bank: each bank is its own bundle, read one burst at a time.
            banksPerBundle = 1;
            bundles = mem.banksPerPseudoChannel();
            bits = mem.accessBytes() * 8;
        } else {
            banksPerBundle = p.count("banks_per_bundle");
            bundles = p.count("bundles_per_pseudo_channel");
            bits = p.count("bits_per_bundle_access");
        }
        if (kind == ProcessorKind.LOGIC_PIM) {
            double t = p.number("tsv_multiplier");
            tsv = Double.isNaN(t) ? OptionalDouble.empty() : OptionalDouble.of(t);
        }
        return Optional.of(new PimSpec(placement.orElse(kind.placement().orElseThrow()), stacks, perStack,
                banksPerBundle, bundles, bits, tsv));
    }

    private static SramSpec sram(SpecReader s) {
        OptionalDouble shared = s.optNumber("shared_memory_per_engine_KB");
        OptionalDouble l2 = s.optNumber("l2_cache_MB");
        OptionalDouble llc = s.optNumber("last_level_cache_MB");
        OptionalDouble buf = s.optNumber("buffer_per_engine_KB");
        OptionalInt globals = s.optCount("global_buffers");
        OptionalDouble global = s.optNumber("global_buffer_MB");
        s.finish();
        return new SramSpec(shared, l2, llc, buf, globals, global);
    }

    private static PowerSpec power(SpecReader s) {
        PowerSpec p = new PowerSpec(s.optNumber("board_power_W"), s.optNumber("hbm_access_energy_pJ_per_bit"));
        s.finish();
        return p;
    }

    private static InterconnectSpec interconnect(SpecReader s) {
        String intra = link(s, "intra_node_link");
        Topology intraTopo = s.choice("intra_node_topology", Topology::parse, TOPOLOGIES).orElse(Topology.SWITCH);
        int max = s.count("max_devices_per_node");
        String inter = link(s, "inter_node_link");
        Topology interTopo = s.choice("inter_node_topology", Topology::parse, TOPOLOGIES).orElse(Topology.FAT_TREE);
        String host = link(s, "host_link");
        s.finish();
        return new InterconnectSpec(intra, intraTopo, max, inter, interTopo, host);
    }

    private static String link(SpecReader s, String key) {
        String id = s.text(key);
        if (!id.isEmpty() && !Links.ids().contains(id)) {
            s.problem(key, "unknown link '" + id + "'" + Suggest.didYouMean(id, Links.ids())
                    + " (known: " + String.join(", ", Links.ids()) + ")");
        }
        return id;
    }

    /** Above this a bandwidth is a typo or an overflow, not a design (1 PB/s per device). */
    static final double MAX_BANDWIDTH_GBPS = 1e6;
    /** Timing figures are at least a picosecond (the simulator's clock) and at most a millisecond. */
    static final double MAX_TIMING_NS = 1e6;
    /** Organisation bounds that keep the bank model's tables finite (far above any HBM generation). */
    static final long MAX_STACKS = 1024;
    static final long MAX_PSEUDO_CHANNELS_PER_STACK = 4096;
    static final long MAX_BANKS_PER_PSEUDO_CHANNEL = 65536;

    private static void organisation(MemorySpec m, String file, List<SpecProblem> out) {
        if (m.stacks() > MAX_STACKS) {
            out.add(new SpecProblem(file, "memory.stacks", "must be <= " + MAX_STACKS + ", got " + m.stacks()));
        }
        long pcs = (long) m.channelsPerStack() * m.pseudoChannelsPerChannel();
        if (pcs > MAX_PSEUDO_CHANNELS_PER_STACK) {
            out.add(new SpecProblem(file, "memory.pseudo_channels_per_channel", "channels_per_stack x pseudo_channels_per_channel = "
                    + m.channelsPerStack() + " x " + m.pseudoChannelsPerChannel() + " must be <= " + MAX_PSEUDO_CHANNELS_PER_STACK));
        }
        long banks = (long) m.ranks() * m.bankGroups() * m.banksPerGroup();
        if (banks > MAX_BANKS_PER_PSEUDO_CHANNEL) {
            out.add(new SpecProblem(file, "memory.banks_per_group", "ranks x bank_groups x banks_per_group = " + m.ranks() + " x "
                    + m.bankGroups() + " x " + m.banksPerGroup() + " must be <= " + MAX_BANKS_PER_PSEUDO_CHANNEL));
        }
    }

    /**
     * Relations between JEDEC timing figures, not only their ranges: a refresh that takes longer than
     * the refresh interval leaves the DRAM no time to serve anything (the simulator would never finish).
     */
    static void timing(DramTiming t, String file, List<SpecProblem> out) {
        String[] keys = {"tCK_ns", "tRCD_ns", "tRP_ns", "tRAS_ns", "tRC_ns", "tCCD_S_ns", "tCCD_L_ns", "tRRD_S_ns", "tRRD_L_ns", "tFAW_ns",
            "tWR_ns", "tRTP_ns", "tRFC_ns", "tREFI_ns", "tCL_ns", "tBL_ns"};
        double[] v = {t.tCKns(), t.tRCDns(), t.tRPns(), t.tRASns(), t.tRCns(), t.tCCDSns(), t.tCCDLns(), t.tRRDSns(), t.tRRDLns(), t.tFAWns(),
            t.tWRns(), t.tRTPns(), t.tRFCns(), t.tREFIns(), t.tCLns(), t.tBLns()};
        boolean ranges = true;
        for (int i = 0; i < keys.length; i++) {
            if (!(v[i] >= 0.001 && v[i] <= MAX_TIMING_NS)) {
                out.add(new SpecProblem(file, "memory." + keys[i], "must be between 0.001 ns (1 ps, the simulator's clock) and "
                        + Suggest.num(MAX_TIMING_NS) + " ns, got " + Suggest.num(v[i])));
                ranges = false;
            }
        }
        if (!ranges) {
            return;
        }
        relation(out, file, "tRFC_ns", t.tRFCns(), "<", "tREFI_ns", t.tREFIns(),
                "a refresh must end before the next is due, or the DRAM never serves a request");
        if (t.tRFCns() < t.tREFIns() && t.tREFIns() - t.tRFCns() < 2 * t.tRCns()) {
            // measured on h100 (tRC 48.462 ns): a 50 ns gap between refreshes never finished a 4096^3 matmul, 60 ns did
            out.add(new SpecProblem(file, "memory.tRFC_ns", "must leave at least two row cycles between refreshes: tREFI_ns - tRFC_ns = "
                    + Suggest.num(t.tREFIns() - t.tRFCns()) + " ns is below 2 x tRC_ns = " + Suggest.num(2 * t.tRCns()) + " ns, got "
                    + Suggest.num(t.tRFCns())));
        }
        relation(out, file, "tRAS_ns", t.tRASns(), "<=", "tRC_ns", t.tRCns(), "a row cycle includes the row's active time");
        relation(out, file, "tRCD_ns", t.tRCDns(), "<=", "tRAS_ns", t.tRASns(), "a row stays open at least until it can be read");
        relation(out, file, "tCCD_S_ns", t.tCCDSns(), "<=", "tCCD_L_ns", t.tCCDLns(), "the same-bank-group gap is the longer one");
        relation(out, file, "tRRD_S_ns", t.tRRDSns(), "<=", "tRRD_L_ns", t.tRRDLns(), "the same-bank-group gap is the longer one");
        relation(out, file, "tRRD_S_ns", t.tRRDSns(), "<=", "tFAW_ns", t.tFAWns(), "four activates span at least one activate gap");
        relation(out, file, "tCK_ns", t.tCKns(), "<=", "tRCD_ns", t.tRCDns(), "timing figures are whole clocks or more");
    }

    private static void relation(List<SpecProblem> out, String file, String a, double av, String op, String b, double bv, String why) {
        boolean ok = op.equals("<") ? av < bv : av <= bv;
        if (!ok) {
            out.add(new SpecProblem(file, "memory." + a, "must be " + op + " " + b + " (" + Suggest.num(bv) + "): " + why + ", got "
                    + Suggest.num(av)));
        }
    }

    /** Cross-checks between figures; runs only on a structurally valid spec. */
    private static void check(DeviceSpec d, String file, List<SpecProblem> problems) {
        List<SpecProblem> out = new ArrayList<>();
        MemorySpec m = d.memory();
        double pins = DerivedFigures.externalBandwidthFromPinsGBps(m);
        double off = Math.abs(m.hbmBandwidthGBps() - pins) / pins;
        if (!Double.isFinite(pins) || pins > MAX_BANDWIDTH_GBPS) {
            out.add(new SpecProblem(file, "memory.data_rate_Gbps", String.format(java.util.Locale.ROOT,
                    "data rate x bus width x stacks = %s Gb/s x %d bits x %d stacks / 8 is not a usable bandwidth (must be <= %s GB/s)",
                    Suggest.num(m.dataRateGbps()), m.busWidthBitsPerStack(), m.stacks(), Suggest.num(MAX_BANDWIDTH_GBPS))));
        } else if (!(off <= BANDWIDTH_TOLERANCE)) {
            out.add(new SpecProblem(file, "memory.hbm_bandwidth_GBps", String.format(java.util.Locale.ROOT,
                    "declared %s GB/s is %.1f%% away from data rate x bus width x stacks = %s Gb/s x %d bits x %d stacks / 8 = %.1f GB/s (allowed %.0f%%)",
                    Suggest.num(m.hbmBandwidthGBps()), off * 100, Suggest.num(m.dataRateGbps()), m.busWidthBitsPerStack(),
                    m.stacks(), pins, BANDWIDTH_TOLERANCE * 100)));
        }
        if (m.capacityPerStackGB().isPresent()) {
            double raw = m.stacks() * m.capacityPerStackGB().getAsDouble();
            if (m.capacityGB() > raw * (1 + 1e-9) || m.capacityGB() < raw * (1 - CAPACITY_TOLERANCE)) {
                out.add(new SpecProblem(file, "memory.capacity_GB", String.format(java.util.Locale.ROOT,
                        "declared %s GB does not fit stacks x capacity_per_stack_GB = %d x %s = %s GB (usable may be up to %.0f%% less, never more)",
                        Suggest.num(m.capacityGB()), m.stacks(), Suggest.num(m.capacityPerStackGB().getAsDouble()),
                        Suggest.num(raw), CAPACITY_TOLERANCE * 100)));
            }
        }
        if (m.driverTotalMiB().isPresent()) {
            // A datasheet's GB are the stacks' GiB less what the driver keeps: the driver's total lies between the two readings.
            double bytes = m.driverTotalMiB().getAsDouble() * MemorySpec.MIB;
            if (!(bytes >= m.capacityGB() * 1e9 && bytes <= m.capacityGB() * (1L << 30))) {
                out.add(new SpecProblem(file, "memory.driver_total_MiB", String.format(java.util.Locale.ROOT,
                        "%s MiB = %.2f GB is not between capacity_GB = %s read as 10^9 bytes and as 2^30 bytes (%s to %.2f GB); "
                                + "give this part's own total (nvidia-smi's or rocm-smi's), or leave driver_total_MiB out to allocate capacity_GB",
                        Suggest.num(m.driverTotalMiB().getAsDouble()), bytes / 1e9, Suggest.num(m.capacityGB()),
                        Suggest.num(m.capacityGB()), m.capacityGB() * (1L << 30) / 1e9)));
            }
        }
        if (m.hbmBandwidthGBps() > MAX_BANDWIDTH_GBPS) {
            out.add(new SpecProblem(file, "memory.hbm_bandwidth_GBps", "must be <= " + Suggest.num(MAX_BANDWIDTH_GBPS)
                    + " GB/s (1 PB/s), got " + Suggest.num(m.hbmBandwidthGBps())));
        }
        organisation(m, file, out);
        timing(m.timing(), file, out);
        if (!out.isEmpty()) {
            problems.addAll(out);
            return;
        }
        if (m.busWidthBitsPerStack() % m.pseudoChannelsPerStack() != 0) {
            out.add(new SpecProblem(file, "memory.bus_width_bits_per_stack", "must split evenly over "
                    + m.pseudoChannelsPerStack() + " pseudo-channels, got " + m.busWidthBitsPerStack()));
        }
        for (ProcessorSpec p : d.processors().values()) {
            String at = "processors." + p.name();
            if (p.maxClockMHz().isPresent() && p.clockMHz() > p.maxClockMHz().getAsDouble()) {
                out.add(new SpecProblem(file, at + ".clock_MHz", "exceeds max_clock_MHz "
                        + Suggest.num(p.maxClockMHz().getAsDouble()) + ", got " + Suggest.num(p.clockMHz())));
            }
            if (p.sustainedClockMHz().isPresent() && p.maxClockMHz().isPresent()
                    && p.sustainedClockMHz().getAsDouble() > p.maxClockMHz().getAsDouble()) {
                out.add(new SpecProblem(file, at + ".sustained_clock_MHz", "exceeds max_clock_MHz"));
            }
            p.kernel().matrixEfficiency().forEach((dt, e) -> {
                if (e > 1) {
                    out.add(new SpecProblem(file, at + ".matrix_efficiency." + dt.text(),
                            "is a fraction of the datasheet MACs per clock: must be <= 1, got " + Suggest.num(e)));
                }
                if (!p.supports(dt)) {
                    out.add(new SpecProblem(file, at + ".matrix_efficiency." + dt.text(),
                            "has no macs_per_cycle entry for " + dt.text() + " to apply to"));
                }
            });
            if (p.pim().isPresent()) {
                PimSpec pim = p.pim().get();
                if (pim.stacks() > m.stacks()) {
                    out.add(new SpecProblem(file, at + ".stacks", "exceeds memory.stacks " + m.stacks()
                            + ", got " + pim.stacks()));
                }
                if (p.kind() != ProcessorKind.BANK_PIM
                        && pim.banksPerBundle() * pim.bundlesPerPseudoChannel() != m.banksPerPseudoChannel()) {
                    out.add(new SpecProblem(file, at + ".bundles_per_pseudo_channel", String.format(java.util.Locale.ROOT,
                            "banks_per_bundle x bundles_per_pseudo_channel = %d x %d must equal the banks of a pseudo-channel (ranks x bank_groups x banks_per_group = %d x %d x %d = %d)",
                            pim.banksPerBundle(), pim.bundlesPerPseudoChannel(), m.ranks(), m.bankGroups(),
                            m.banksPerGroup(), m.banksPerPseudoChannel())));
                }
            }
        }
        problems.addAll(out);
    }
}
