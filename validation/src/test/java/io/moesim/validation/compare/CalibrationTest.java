package io.moesim.validation.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.KernelFigures;
import io.moesim.hw.Targets;
import io.moesim.ir.DType;
import io.moesim.validation.Validation;
import io.moesim.validation.trace.Measurement;
import io.moesim.validation.trace.Split;
import io.moesim.validation.trace.TraceReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Calibration of the kernel model's mechanisms on the published H100 rows. */
@Tag("slow")
class CalibrationTest {
    private static List<Measurement> cal;
    private static List<Measurement> test;
    private static CalibrationResult fit;

    @BeforeAll
    static void fitH100() {
        List<Measurement> h100 = TraceReader.read(Validation.publishedSet(Path.of("..").toAbsolutePath().normalize())).stream()
                .filter(m -> m.target().equals("h100")).toList();
        cal = h100.stream().filter(m -> m.split() == Split.CALIBRATION).toList();
        test = h100.stream().filter(m -> m.split() == Split.TEST).toList();
        fit = Calibration.fit("h100", cal, test, List.of());
    }

    /** Test rows are held: the fit refuses them, and whatever they say cannot move the fitted figures. */
    @Test
    void theFitNeverReadsATestRow() {
        assertTrue(!test.isEmpty());
        assertThrows(IllegalArgumentException.class, () -> Calibration.fit("h100", test, List.of(), List.of()));
        // the same calibration rows with test rows of absurd times (or none at all) fit the same mechanisms
        List<Measurement> absurd = test.stream().map(m -> new Measurement(m.op(), m.gpu(), m.target(), m.system(), m.medianUs() * 100,
                m.p10Us(), m.p90Us(), m.reps(), m.reported(), m.conversion(), m.source(), m.note(), m.env(), m.where(), m.split())).toList();
        assertEquals(fit.after(), Calibration.fit("h100", cal, absurd, List.of()).after());
        assertEquals(fit.after(), Calibration.fit("h100", cal, List.of(), List.of()).after());
    }

    /**
     * A host floor is fitted only where two rows of work at least 2x apart take the same time: the
     * MI300X hipBLASLt rows 1024^3 and 2048^3 (8x the work) both take ~40.3 us; no pair of H100
     * calibration rows does, so h100 gets no floor (a floor there would only absorb whatever makes
     * one small GEMM slow, and then overshoot the 1024^3 test row).
     */
    @Test
    void aHostFloorIsFittedOnlyWhereTheRowsShowOne() {
        List<Measurement> all = TraceReader.read(Validation.publishedSet(Path.of("..").toAbsolutePath().normalize()));
        List<Measurement> mi = all.stream().filter(m -> m.target().equals("mi300x") && m.split() == Split.CALIBRATION)
                .filter(m -> m.kind().equals("matmul")).toList();
        assertTrue(Calibration.floorEvident(mi));
        assertTrue(!Calibration.floorEvident(cal.stream().filter(m -> !io.moesim.validation.trace.IrOps.isCollective(m.kind())
                && io.moesim.validation.trace.IrOps.apply(m.op()).isPresent()).toList()));
        assertEquals(0, fit.after().hostCallIntervalUs());
        Mechanisms m = Calibration.fit("mi300x", mi, List.of(), List.of()).after();
        assertEquals(40.3, m.hostCallIntervalUs(), 0.5, m.describe());
    }

    /**
     * The clock under load is fitted only beside fixed-clock rows of the same dtype (h100: the
     * FlashAttention-3 rows at 1830 MHz and the bf16 cuBLAS rows), never on h200 (no fixed-clock row).
     * A fixed-clock row is predicted at its own clock whatever the fitted clock is; a row the model
     * finds memory-bound (decode attention) does not fit a dtype's efficiency.
     */
    @Test
    void theClockUnderLoadIsFittedOnlyWhereFixedClockRowsSettleTheEfficiency() {
        List<Measurement> usable = cal.stream().filter(r -> !io.moesim.validation.trace.IrOps.isCollective(r.kind())
                && io.moesim.validation.trace.IrOps.apply(r.op()).isPresent()).toList();
        assertTrue(Calibration.clockIdentifiable(usable));
        assertTrue(fit.after().sustainedClockMHz() > 1000 && fit.after().sustainedClockMHz() <= 1980, fit.after().describe());
        List<Measurement> all = TraceReader.read(Validation.publishedSet(Path.of("..").toAbsolutePath().normalize()));
        List<Measurement> h200 = all.stream().filter(m -> m.target().equals("h200") && m.split() == Split.CALIBRATION).toList();
        assertTrue(!Calibration.clockIdentifiable(h200));
        Measurement fixed = usable.stream().filter(m -> m.env().smClockMHz() == 1830).findFirst().orElseThrow();
        DeviceSpec d = Targets.load("h100");
        KernelPredictor p = new KernelPredictor();
        double atFit = p.with(fit.after()).predict(fixed, d).us();
        double atOther = p.with(fit.after().withSustainedClock(1100)).predict(fixed, d).us();
        assertEquals(atFit, atOther, 1e-9);
        Measurement decode = usable.stream().filter(m -> m.op().text().contains(" q_len=1 ")).findFirst().orElseThrow();
        assertTrue(!Calibration.computeBound(decode, d));
        Measurement big = usable.stream().filter(m -> m.op().text().startsWith("matmul m=8192 n=8192 k=8192")).findFirst().orElseThrow();
        assertTrue(Calibration.computeBound(big, d));
    }

    /**
     * The rows timed through PyTorch eager (triton's do_bench around torch.matmul) pay their harness on
     * top of the launch; the launch is what the plain loops' rows show. A torch-eager row is predicted
     * exactly the harness's overhead slower than the same row timed plainly.
     */
    @Test
    void aTimingHarnessGetsItsOwnPerCallCost() {
        double h = fit.after().harnessOverheadUs("torch-eager");
        assertTrue(h > 0, fit.after().describe());
        Measurement eager = cal.stream().filter(m -> m.env().timing().equals("torch-eager")).findFirst().orElseThrow();
        io.moesim.validation.trace.GpuEnvironment e = eager.env();
        Measurement plain = new Measurement(eager.op(), eager.gpu(), eager.target(), eager.system(), eager.medianUs(), eager.p10Us(),
                eager.p90Us(), eager.reps(), eager.reported(), eager.conversion(), eager.source(), eager.note(),
                new io.moesim.validation.trace.GpuEnvironment(e.gpu(), e.driver(), e.cuda(), e.smClockMHz(), e.memClockMHz(), e.date(), ""),
                eager.where(), eager.split());
        KernelPredictor p = new KernelPredictor().with(fit.after());
        DeviceSpec d = Targets.load("h100");
        assertEquals(h, p.predict(eager, d).us() - p.predict(plain, d).us(), 1e-9);
    }

    @Test
    void theFitIsPerMechanismAndImprovesBothSplits() {
        Mechanisms m = fit.after();
        assertTrue(m.launchOverheadUs() > 0);
        // one efficiency per dtype the rows use (fp8 GEMMs, bf16/fp16 GEMMs and attention), each in (0, 1]
        java.util.Set<DType> used = new java.util.TreeSet<>();
        cal.stream().filter(r -> io.moesim.validation.trace.IrOps.apply(r.op()).isPresent() && !io.moesim.validation.trace.IrOps.isCollective(r.kind()))
                .forEach(r -> used.add(io.moesim.validation.trace.IrOps.dtype(r.op())));
        assertEquals(used, new java.util.TreeSet<>(m.matrixEfficiency().keySet()));
        assertTrue(used.containsAll(java.util.Set.of(DType.FP8_E4M3, DType.BF16)));
        assertTrue(m.efficiency(DType.BF16) > 0.3 && m.efficiency(DType.BF16) <= 1, m.describe());
        assertTrue(m.efficiency(DType.FP8_E4M3) > 0.3 && m.efficiency(DType.FP8_E4M3) < 1, m.describe());
        assertTrue(fit.mape(Split.CALIBRATION, true) < fit.mape(Split.CALIBRATION, false));
        assertTrue(fit.mape(Split.TEST, true) < fit.mape(Split.TEST, false));
        assertTrue(fit.fittedRows() > 0 && fit.fittedRows() <= cal.size());
    }

    @Test
    void theOverlayLoadsThroughTheNormalLoaderAndReproducesTheFit(@TempDir Path dir) throws Exception {
        Path f = dir.resolve(fit.overlayId() + ".yaml");
        Files.writeString(f, fit.yaml());
        DeviceSpec d = Targets.load(f.toString());
        KernelFigures k = d.primary().kernel();
        Mechanisms m = fit.after();
        assertEquals(m.launchOverheadUs(), k.launchOverheadUs().getAsDouble(), 1e-9);
        assertEquals(m.tileOverheadCycles(), k.tileOverheadCycles().orElse(0), 1e-9);
        assertEquals(m.efficiency(DType.FP8_E4M3), k.matrixEfficiency(DType.FP8_E4M3).orElseThrow(), 1e-9);
        // predicting with the overlay as a target gives the calibrated figures
        List<ComparisonRow> viaOverlay = Comparison.compare(test, f.toString(), List.of(), new KernelPredictor());
        List<ComparisonRow> viaFit = fit.rows(Split.TEST, true);
        for (int i = 0; i < viaFit.size(); i++) {
            if (viaFit.get(i).predicted() && !viaFit.get(i).prediction().model().equals("collective")) {
                assertEquals(viaFit.get(i).prediction().us(), viaOverlay.get(i).prediction().us(), 1e-6);
            }
        }
    }

    /** The committed overlay holds the figures this code fits on the committed rows (regenerate it when either changes). */
    @Test
    void theCommittedOverlayIsCurrent() {
        KernelFigures k = Targets.load("h100-calibrated").primary().kernel();
        Mechanisms m = fit.after();
        assertEquals(m.launchOverheadUs(), k.launchOverheadUs().getAsDouble(), 1e-9);
        assertEquals(m.tileOverheadCycles(), k.tileOverheadCycles().orElse(0), 1e-9);
        assertEquals(m.efficiency(DType.FP8_E4M3), k.matrixEfficiency(DType.FP8_E4M3).orElseThrow(), 1e-9);
        assertEquals(m.efficiency(DType.BF16), k.matrixEfficiency(DType.BF16).orElseThrow(), 1e-9);
    }
}
