package io.moesim.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.DType;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Headline figures of the built-in targets, recomputed by hand here and compared with the code's. */
class TargetFiguresTest {

    private static void near(double expected, double actual, double relTol, String what) {
        assertTrue(Math.abs(actual - expected) <= Math.abs(expected) * relTol,
                what + ": expected " + expected + " within " + relTol * 100 + "%, got " + actual);
    }

    static List<String> targetIds() {
        return Targets.ids();
    }

    @ParameterizedTest
    @MethodSource("targetIds")
    void everyTargetLoads(String id) {
        DeviceSpec d = Targets.load(id);
        assertEquals(id, d.id());
        assertFalse(d.processors().isEmpty());
    }

    @Test
    void h100HeadlineFigures() {
        DeviceSpec d = Targets.load("h100");
        ProcessorSpec gpu = d.primary();
        // 132 SMs x 2048 MACs x 2 FLOP x 1.83 GHz
        double handBf16 = 132 * 2048 * 2 * 1.83e9 / 1e12;
        near(989.4, handBf16, 0.001, "hand computation agrees with the datasheet");
        near(989.4, DerivedFigures.peakTflops(gpu, DType.BF16).orElseThrow(), 0.001, "H100 bf16");
        near(989.4, DerivedFigures.peakTflops(gpu, DType.FP16).orElseThrow(), 0.001, "H100 fp16");
        near(1978.9, DerivedFigures.peakTflops(gpu, DType.FP8_E4M3).orElseThrow(), 0.001, "H100 fp8");
        near(3350, d.memory().hbmBandwidthGBps(), 1e-9, "H100 bandwidth");
        near(80, d.memory().capacityGB(), 1e-9, "H100 capacity");
        // what the driver reports (nvidia-smi 81,559 MiB), software's to allocate: 85.52e9 bytes, not the datasheet's 80e9
        assertEquals(85_520_809_984.0, d.memory().reportedBytes(), 0);
        assertEquals(5, d.memory().stacks());
        assertEquals("gpu", d.kind());
    }

    @Test
    void mi300xHeadlineFigures() {
        DeviceSpec d = Targets.load("mi300x");
        ProcessorSpec gpu = d.primary();
        double hand = 304 * 1024 * 2 * 2.1e9 / 1e12;
        near(1307.4, hand, 0.001, "hand computation agrees with the data sheet");
        near(1307.4, DerivedFigures.peakTflops(gpu, DType.BF16).orElseThrow(), 0.001, "MI300X bf16");
        near(2614.9, DerivedFigures.peakTflops(gpu, DType.FP8_E4M3).orElseThrow(), 0.001, "MI300X fp8");
        near(5300, d.memory().hbmBandwidthGBps(), 1e-9, "MI300X bandwidth");
        near(192, d.memory().capacityGB(), 1e-9, "MI300X capacity");
        assertEquals(205_822_885_888.0, d.memory().reportedBytes(), 0, "rocm-smi's VRAM total in bytes");
        assertEquals(8, d.memory().stacks());
    }

    @ParameterizedTest
    @MethodSource("targetIds")
    void fp8IsTwiceBf16WhereBothExist(String id) {
        for (ProcessorSpec p : Targets.load(id).processors().values()) {
            if (p.supports(DType.BF16) && p.supports(DType.FP8_E4M3)) {
                double bf = DerivedFigures.peakTflops(p, DType.BF16).orElseThrow();
                double f8 = DerivedFigures.peakTflops(p, DType.FP8_E4M3).orElseThrow();
                near(2 * bf, f8, 1e-12, id + "/" + p.name() + " fp8 = 2 x bf16");
            }
        }
    }

    @ParameterizedTest
    @MethodSource("targetIds")
    void declaredBandwidthMatchesPins(String id) {
        MemorySpec m = Targets.load(id).memory();
        double pins = m.stacks() * m.busWidthBitsPerStack() * m.dataRateGbps() / 8;
        near(pins, DerivedFigures.externalBandwidthFromPinsGBps(m), 1e-12, id + " pins");
        near(m.hbmBandwidthGBps(), pins, 0.05, id + " declared vs pins");
    }

    @Test
    void h100RidgePoint() {
        DeviceSpec d = Targets.load("h100");
        double hand = 989.4e12 / 3350e9;
        near(295.3, hand, 0.001, "hand ridge");
        near(hand, DerivedFigures.ridgeOpPerByte(d, d.primary(), DType.BF16).orElseThrow(), 0.001, "H100 bf16 ridge");
    }

    /**
     * Logic-PIM internal bandwidth by hand: 512 bits x 4 bundles per pseudo-channel every
     * tCCD_L (4 tCK of 0.769 ns = 3.077 ns), 32 pseudo-channels per stack. Against the stack's pins
     * (1024 x 5.2 Gb/s) that is 4.00x; tolerance 1% covers the 3-decimal rounding of tCCD_L in the
     * YAML. Against the declared 3.35 TB/s it is 3.97x (the pins give 3.328 TB/s), within 2%.
     */
    @Test
    void logicPimInternalBandwidthIsFourTimesExternal() {
        DeviceSpec d = Targets.load("duplex");
        ProcessorSpec pim = d.processor("logic_pim").orElseThrow();
        PimSpec ps = pim.pim().orElseThrow();
        double perPcGBps = 512.0 * 4 / (4 * 4 / 5.2) / 8; // tCCD_L = 4 clocks of 4 / 5.2 ns
        double perStackGBps = perPcGBps * 32;
        double externalPerStackGBps = 1024 * 5.2 / 8;
        near(4.0, perStackGBps / externalPerStackGBps, 0.01, "hand ratio");
        double internal = DerivedFigures.pimInternalBandwidthGBps(ps, d.memory());
        near(perStackGBps * 5, internal, 1e-9, "internal bandwidth");
        near(4.0, DerivedFigures.pimBandwidthRatio(ps, d.memory()), 0.01, "ratio to pins");
        near(4.0, internal / d.memory().hbmBandwidthGBps(), 0.02, "ratio to declared");
        near(13_400, internal, 0.01, "about 13.4 TB/s for 5 stacks");
        // The TSV cap (4 x pins) and the bank-side figure agree for the paper's organisation.
        near(DerivedFigures.pimArrayBandwidthGBps(ps, d.memory()),
                DerivedFigures.pimTsvBandwidthGBps(ps, d.memory()).orElseThrow(), 0.001, "array vs TSV");
    }

    @Test
    void logicPimComputePerStackAndDevice() {
        DeviceSpec d = Targets.load("duplex");
        ProcessorSpec pim = d.processor("logic_pim").orElseThrow();
        double perStack = 32 * 512 * 2 * 650e6 / 1e12;
        near(21.3, perStack, 0.001, "hand per stack");
        near(perStack * 5, DerivedFigures.peakTflops(pim, DType.FP16).orElseThrow(), 1e-9, "PIM fp16");
        near(107, DerivedFigures.peakTflops(pim, DType.FP16).orElseThrow(), 0.01, "about 107 TFLOP/s");
        // Sized at 8 Op/B.
        near(8.0, DerivedFigures.ridgeOpPerByte(d, pim, DType.FP16).orElseThrow(), 0.01, "PIM ridge");
        // The xPU keeps H100's compute and sees the external bandwidth.
        near(989.4, DerivedFigures.peakTflops(d.primary(), DType.BF16).orElseThrow(), 0.001, "xPU bf16");
        near(3350, DerivedFigures.bandwidthSeenGBps(d, d.primary()), 1e-9, "xPU sees external");
        assertEquals("xpu+logic-pim", d.kind());
    }

    @Test
    void bankPimIsSixteenTimesExternalAtOneOpPerByte() {
        DeviceSpec d = Targets.load("bank-pim");
        ProcessorSpec p = d.pimProcessor().orElseThrow();
        PimSpec ps = p.pim().orElseThrow();
        // 32 banks (2 ranks x 4 groups x 4) x 256-bit burst per tCCD_L per pseudo-channel.
        double handPerStack = 32 * 256 / 3.077 / 8 * 32;
        near(16.0, handPerStack / (1024 * 5.2 / 8), 0.01, "hand ratio");
        near(16.0, DerivedFigures.pimBandwidthRatio(ps, d.memory()), 0.01, "ratio");
        near(1.0, DerivedFigures.ridgeOpPerByte(d, p, DType.FP16).orElseThrow(), 0.01, "1 Op/B");
        assertTrue(d.processor("logic_pim").isEmpty(), "the preset's Logic-PIM was removed");
    }

    @Test
    void bankGroupPimHasLogicPimFiguresWithoutTsvs() {
        DeviceSpec d = Targets.load("bankgroup-pim");
        ProcessorSpec p = d.pimProcessor().orElseThrow();
        assertEquals(PimPlacement.BANK_GROUP, p.pim().orElseThrow().placement());
        assertTrue(p.pim().orElseThrow().tsvMultiplier().isEmpty());
        DeviceSpec duplex = Targets.load("duplex");
        ProcessorSpec lp = duplex.processor("logic_pim").orElseThrow();
        near(DerivedFigures.peakTflops(lp, DType.FP16).orElseThrow(), DerivedFigures.peakTflops(p, DType.FP16).orElseThrow(), 1e-12, "compute");
        // equal up to tCCD_L's six written decimals (Logic-PIM sits exactly at its 4x TSV cap)
        near(DerivedFigures.bandwidthSeenGBps(duplex, lp), DerivedFigures.bandwidthSeenGBps(d, p), 1e-6, "bandwidth");
    }

    /**
     * Duplex keeps H100's stacks, so a Duplex-vs-H100 comparison gives both the same memory to allocate, and its PIM variants
     * too; the H800 (the H100's die and memory) reports the same total.
     */
    @Test
    void duplexAllocatesWhatAnH100Does() {
        double h100 = Targets.load("h100").memory().reportedBytes();
        for (String t : List.of("duplex", "xpu", "logic-pim", "bank-pim", "bankgroup-pim", "h800")) {
            assertEquals(h100, Targets.load(t).memory().reportedBytes(), 0, t);
        }
    }

    @Test
    void h200InheritsH100ComputeWithItsOwnMemory() {
        DeviceSpec h200 = Targets.load("h200");
        DeviceSpec h100 = Targets.load("h100");
        assertEquals(h100.primary(), h200.primary());
        near(141, h200.memory().capacityGB(), 1e-9, "capacity");
        assertEquals(143771.0 * 1024 * 1024, h200.memory().reportedBytes(), 0, "nvidia-smi's 143,771 MiB, not the H100's it presets");
        near(4800, h200.memory().hbmBandwidthGBps(), 1e-9, "bandwidth");
        assertEquals(6, h200.memory().stacks());
        assertEquals("hbm3e", h200.memory().generation());
        // clock-counted timings follow the faster clock: nCCDL = 4 tCK at 6.25 Gb/s / 4
        near(4 * 4 / 6.25, h200.memory().timing().tCCDLns(), 1e-9, "tCCD_L");
        // ns figures stay JESD238's (tRCD 19.375 ns), each counted in whole clocks of its part
        near(Math.ceil(19.375 / 0.64) * 0.64, h200.memory().timing().tRCDns(), 1e-6, "h200 tRCD");
        near(Math.ceil(19.375 / (4 / 5.2)) * (4 / 5.2), h100.memory().timing().tRCDns(), 1e-6, "h100 tRCD");
        near(989.4e12 / 4800e9, DerivedFigures.ridgeOpPerByte(h200, h200.primary(), DType.BF16).orElseThrow(), 0.001, "ridge");
    }

    /**
     * A pseudo-channel issues at most one column command per tCCD_S, each moving one burst, so a
     * spec whose tCCD_S cannot carry its own datasheet bandwidth contradicts itself (H200 once
     * inherited H100's 1.3 GHz clock counts and capped at 4.0 of its 4.8 TB/s).
     */
    @Test
    void everyHbmTargetsColumnBusCarriesItsDatasheetBandwidth() {
        for (String id : List.of("h100", "h200", "b200", "mi300x", "xpu", "duplex")) {
            MemorySpec m = Targets.load(id).memory();
            double pcs = (double) m.pseudoChannelsPerStack() * m.stacks();
            double columnBusGBps = pcs * m.accessBytes() / m.timing().tCCDSns();
            assertTrue(columnBusGBps >= m.hbmBandwidthGBps() * 0.99,
                    id + ": column bus " + columnBusGBps + " GB/s < datasheet " + m.hbmBandwidthGBps());
            double burstNs = m.burstLength() / m.dataRateGbps();
            near(burstNs, m.timing().tBLns(), 0.01, id + " tBL = burst length / data rate");
        }
    }

    /**
     * B200 from NVIDIA's figures: the HGX B200 datasheet's per-GPU dense peaks (2.25 PFLOP/s bf16,
     * 4.5 fp8), 8 TB/s and 180 GB usable; 148 SMs x 4096 bf16 MACs x 2 x 1.856 GHz recomputed by hand.
     */
    @Test
    void b200HeadlineFigures() {
        DeviceSpec d = Targets.load("b200");
        ProcessorSpec gpu = d.primary();
        double hand = 148 * 4096 * 2 * 1.856e9 / 1e12;
        near(2250, hand, 0.001, "hand computation agrees with the datasheet");
        near(2250, DerivedFigures.peakTflops(gpu, DType.BF16).orElseThrow(), 0.001, "B200 bf16");
        near(4500, DerivedFigures.peakTflops(gpu, DType.FP8_E4M3).orElseThrow(), 0.001, "B200 fp8");
        near(8000, d.memory().hbmBandwidthGBps(), 1e-9, "B200 bandwidth");
        near(8 * 1024 * 7.8125 / 8, DerivedFigures.externalBandwidthFromPinsGBps(d.memory()), 1e-9, "B200 pins");
        near(180, d.memory().capacityGB(), 1e-9, "B200 capacity");
        assertEquals(183359.0 * 1024 * 1024, d.memory().reportedBytes(), 0, "nvidia-smi's 183,359 MiB");
        assertEquals(8, d.memory().stacks());
        assertEquals("hbm3e", d.memory().generation());
        // JESD238 tCCD_L 2.5 ns in whole clocks of 4 / 7.8125 = 0.512 ns: 5 clocks (Ramulator 2.1's
        // HBM3_8000Mbps grade also has nCCDL = 5)
        near(5 * 4 / 7.8125, d.memory().timing().tCCDLns(), 1e-6, "tCCD_L = 5 tCK at 7.8125 Gb/s / 4");
        near(1000, d.power().boardPowerW().orElseThrow(), 1e-9, "B200 board power");
        near(2250e12 / 8000e9, DerivedFigures.ridgeOpPerByte(d, gpu, DType.BF16).orElseThrow(), 0.001, "B200 bf16 ridge");
    }

    @Test
    void xpuAndLogicPimAreTheHalvesOfDuplex() {
        DeviceSpec xpu = Targets.load("xpu");
        DeviceSpec lp = Targets.load("logic-pim");
        assertEquals("xpu", xpu.kind());
        assertEquals("logic-pim", lp.kind());
        assertEquals(lp.primary().name(), "logic_pim");
    }

    @Test
    void timingInPicoseconds() {
        DramTiming t = Targets.load("h100").memory().timing();
        assertEquals(3077, t.tCCDLps());
        assertEquals(20000, t.tRCDps());
        assertEquals(3_900_000, t.tREFIps());
        assertTrue(t.preset().contains("HBM3_6400Mbps"));
    }

    /**
     * JESD238 counts timings in clocks of CK = data rate / 4: every figure of every HBM target is a
     * whole number of its own tCK (none left over from another speed bin), and each carries the
     * write-path and stack-ID figures (tCWL, tWTR, tRTW, tRCD_WR, tCCD_R) and the per-bank refresh
     * figures instead of the old assumptions.
     */
    @Test
    void everyHbmTargetsTimingIsWholeClocksOfItsDataRate() {
        for (String id : List.of("h100", "h200", "b200", "mi300x", "xpu", "duplex", "logic-pim", "bank-pim", "bankgroup-pim")) {
            MemorySpec m = Targets.load(id).memory();
            DramTiming t = m.timing();
            double tck = 4 / m.dataRateGbps();
            near(tck, t.tCKns(), 1e-5, id + " tCK = 4 / data rate");
            double[] figures = {t.tRCDns(), t.tRPns(), t.tRASns(), t.tRCns(), t.tCCDSns(), t.tCCDLns(), t.tRRDSns(), t.tRRDLns(),
                t.tFAWns(), t.tWRns(), t.tRTPns(), t.tRFCns(), t.tREFIns(), t.tCLns(), t.tBLns(), t.tRCDWRns().orElseThrow(),
                t.tCWLns().orElseThrow(), t.tWTRSns().orElseThrow(), t.tWTRLns().orElseThrow(), t.tRTWns().orElseThrow(),
                t.tCCDRns().orElseThrow(), t.tRFCpbns().orElseThrow(), t.tRREFDns().orElseThrow()};
            for (double ns : figures) {
                double clocks = ns / tck;
                assertEquals(Math.rint(clocks), clocks, 1e-4, id + ": " + ns + " ns is not whole clocks of " + tck);
            }
            assertTrue(t.tCWLns().getAsDouble() < t.tCLns(), id + ": write latency below read latency");
            assertTrue(t.tFAWns() >= 4 * t.tRRDSns(), id + ": tFAW covers four tRRD_S");
        }
    }
}
