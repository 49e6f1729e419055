package io.moesim.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.plan.DeviceMemory;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.DerivedFigures;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.Op;
import io.moesim.sim.Simulator;
import io.moesim.sim.system.CollectiveAlgorithm;
import io.moesim.sim.system.ExecutionResult;
import it.unimi.dsi.fastutil.ints.IntImmutableList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The adapters from real compiler and simulator classes, on a hand-built Duplex plan. */
class AdaptersTest {
    private static final SystemSpec DUPLEX = Systems.load("duplex-x4");

    /** Device 0: a decode-sized GEMM on logic_pim, then a prefill-sized one on xpu (layer 0, attention), then an moe GEMM. */
    private static HardwarePlan plan() {
        List<Task> tasks = new ArrayList<>();
        add(tasks, "logic_pim", 8, 4096, 4096, "attention", 0);
        add(tasks, "xpu", 4096, 4096, 4096, "attention", 0);
        add(tasks, "xpu", 256, 4096, 14336, "moe", 0);
        return new HardwarePlan(DUPLEX.id(), "test", 1, Map.of(), tasks, List.of(new DeviceMemory(0, 0, 0, 0, 80_000_000_000L)));
    }

    private static void add(List<Task> tasks, String processor, long m, long k, long n, String layerType, int layer) {
        int id = tasks.size();
        add(tasks, processor, m, k, n, layerType, layer, id == 0 ? IntImmutableList.of() : IntImmutableList.of(id - 1));
    }

    private static void add(List<Task> tasks, String processor, long m, long k, long n, String layerType, int layer,
            IntImmutableList deps) {
        Op op = new MatMul(k, n, DType.BF16);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, m, k));
        int id = tasks.size();
        tasks.add(new Task(id, "mm" + id, op, in, 0, processor, 0, deps, op.flops(in), op.traffic(in), null, 0,
                IntImmutableList.of(), layer, layerType));
    }

    @Test
    void roofsComeFromTheHardwareSpec() {
        RooflineData r = RooflineAdapter.of(plan(), DUPLEX);
        assertEquals(DUPLEX.id(), r.system());
        assertEquals(List.copyOf(DUPLEX.device().processors().keySet()), r.roofs().stream().map(Roof::processor).toList());
        for (Roof roof : r.roofs()) {
            var p = DUPLEX.device().processor(roof.processor()).orElseThrow();
            double ridge = DerivedFigures.ridgeOpPerByte(DUPLEX.device(), p, DType.BF16)
                    .or(() -> DerivedFigures.ridgeOpPerByte(DUPLEX.device(), p, DType.FP16)).orElseThrow();
            assertEquals(ridge, roof.ridgeOpPerByte(), ridge * 1e-12);
        }
        assertEquals(3, r.points().size());
        assertEquals(List.of("attention/matmul", "attention/matmul", "moe/matmul"), r.points().stream().map(OpPoint::name).toList());
    }

    @Test
    void analyticPointsSitOnTheirRoofAndSimulatedOnesNeverAbove() {
        HardwarePlan plan = plan();
        RooflineData analytic = RooflineAdapter.of(plan, DUPLEX);
        ExecutionResult executed = Simulator.execute(plan, DUPLEX, RooflineCostModel.INSTANCE, CollectiveAlgorithm.AUTO);
        RooflineData simulated = RooflineAdapter.of(executed);
        for (RooflineData d : List.of(analytic, simulated)) {
            for (OpPoint p : d.points()) {
                Roof roof = d.roofs().stream().filter(x -> x.processor().equals(p.processor())).findFirst().orElseThrow();
                // Simulated durations are whole picoseconds: a 1 µs task may come out 1e-6 faster than its bound.
                assertTrue(p.tflops() <= roof.attainableTflops(p.opPerByte()) * (1 + 1e-6), p + " above " + roof);
            }
        }
        for (OpPoint p : analytic.points()) {
            Roof roof = analytic.roofs().stream().filter(x -> x.processor().equals(p.processor())).findFirst().orElseThrow();
            assertEquals(roof.attainableTflops(p.opPerByte()), p.tflops(), roof.attainableTflops(p.opPerByte()) * 1e-9, p.toString());
        }
    }

    @Test
    void breakdownAddsUpToTheTasks() {
        ExecutionResult executed = Simulator.execute(plan(), DUPLEX, RooflineCostModel.INSTANCE, CollectiveAlgorithm.AUTO);
        List<LayerTimes> b = BreakdownAdapter.of(executed);
        assertEquals(List.of("attention", "moe"), b.stream().map(LayerTimes::layerType).toList());
        Map<String, Double> attn = b.get(0).secondsByCategory();
        assertEquals((executed.endPs(0) - executed.startPs(0)) / 1e12, attn.get("compute logic_pim"), 1e-15);
        assertEquals((executed.endPs(1) - executed.startPs(1)) / 1e12, attn.get("compute xpu"), 1e-15);
        assertEquals(0.0, attn.get("communication"));
        assertEquals((executed.startPs(1) - executed.endPs(0)) / 1e12, attn.get("idle"), 1e-15, "a chain leaves no gap but latency");
        assertEquals(0.0, b.get(1).secondsByCategory().get("compute logic_pim"));
    }

    @Test
    void concurrentWorkIsCountedOnce() {
        // xpu and logic_pim GEMMs of one attention layer with no dependency between them run side by side.
        List<Task> tasks = new ArrayList<>();
        add(tasks, "logic_pim", 8, 4096, 14336, "attention", 0, IntImmutableList.of());
        add(tasks, "xpu", 4096, 4096, 4096, "attention", 0, IntImmutableList.of());
        add(tasks, "xpu", 256, 4096, 14336, "moe", 0, IntImmutableList.of(0, 1));
        HardwarePlan plan = new HardwarePlan(DUPLEX.id(), "test", 1, Map.of(), tasks,
                List.of(new DeviceMemory(0, 0, 0, 0, 80_000_000_000L)));
        ExecutionResult ex = Simulator.execute(plan, DUPLEX, RooflineCostModel.INSTANCE, CollectiveAlgorithm.AUTO);
        long s0 = ex.startPs(0);
        long e0 = ex.endPs(0);
        long s1 = ex.startPs(1);
        long e1 = ex.endPs(1);
        long overlap = Math.max(0, Math.min(e0, e1) - Math.max(s0, s1));
        assertTrue(overlap > 0, "the two attention GEMMs overlap: [" + s0 + "," + e0 + "] [" + s1 + "," + e1 + "]");
        Map<String, Double> attn = BreakdownAdapter.of(ex).get(0).secondsByCategory();
        double total = attn.values().stream().mapToDouble(Double::doubleValue).sum();
        // The bar is the wall time of the layer (its span), not the sum of the two tasks' busy times.
        assertEquals((Math.max(e0, e1) - Math.min(s0, s1)) / 1e12, total, 1e-15);
        assertEquals(overlap / 1e12, attn.get("concurrent xpu + logic_pim"), 1e-15);
        assertEquals((e0 - s0 - overlap) / 1e12, attn.get("compute logic_pim"), 1e-15);
        assertEquals((e1 - s1 - overlap) / 1e12, attn.get("compute xpu"), 1e-15);
        double all = BreakdownAdapter.of(ex).stream().flatMap(l -> l.secondsByCategory().values().stream())
                .mapToDouble(Double::doubleValue).sum();
        assertTrue(all <= ex.makespanPs() / 1e12 + 1e-15, all + " s of bars in a " + ex.makespanPs() + " ps iteration");
    }

    @Test
    void idleIsTheSpanNotCoveredByAnyTask() {
        // [0,10] and [5,12] overlap, [20,30] after a gap of 8, [22,25] inside: span 30, covered 22.
        List<long[]> iv = new ArrayList<>(List.of(new long[] {20, 30}, new long[] {0, 10}, new long[] {22, 25}, new long[] {5, 12}));
        assertEquals(8, BreakdownAdapter.idle(iv));
        assertEquals(0, BreakdownAdapter.idle(new ArrayList<>(List.of(new long[] {3, 7}))));
    }
}
