package io.moesim.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.plan.Task;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelZoo;
import io.moesim.reports.BreakdownAdapter;
import io.moesim.reports.LayerTimes;
import io.moesim.sim.system.ExecutionResult;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-layer-type bars of the report on a real Duplex decode iteration (xPU and Logic-PIM work at once there). */
class ReportBreakdownTest {
    @Test
    void barsOfADuplexIterationNeverExceedTheIteration() {
        SystemSpec duplex = Systems.load("duplex-x4");
        CompileFlags flags = picocli.CommandLine.populateCommand(new CompileFlags()); // the defaults of the CLI
        ExecutionResult ex = ReportSupport.decodeIteration(GraphRequest.decode(ModelZoo.resolve("mixtral-8x7b"), 64, 1088), duplex,
                flags.options(duplex, "uniform", 0), flags.costModel());
        List<LayerTimes> layers = BreakdownAdapter.of(ex);
        double bars = layers.stream().flatMap(l -> l.secondsByCategory().values().stream()).mapToDouble(Double::doubleValue).sum();
        double iteration = ex.makespanPs() / 1e12;
        assertTrue(bars <= iteration * (1 + 1e-9), "bars " + bars * 1e3 + " ms, iteration " + iteration * 1e3 + " ms");
        // The case is one where naive stacking overflows: busy time summed per task (mean over devices) exceeds the iteration.
        int devices = ex.plan().plan().devices();
        double busy = 0;
        for (Task t : ex.plan().plan().tasks()) {
            busy += (ex.endPs(t.id()) - ex.startPs(t.id())) / 1e12 / devices;
        }
        assertTrue(busy > iteration, "summed task time " + busy * 1e3 + " ms vs iteration " + iteration * 1e3 + " ms");
        // Conservation: the non-idle bars are exactly the time each device has something running (mean over devices).
        Map<Integer, List<long[]>> byDevice = new HashMap<>();
        for (Task t : ex.plan().plan().tasks()) {
            byDevice.computeIfAbsent(t.device(), k -> new java.util.ArrayList<>()).add(new long[] {ex.startPs(t.id()), ex.endPs(t.id())});
        }
        double covered = 0;
        for (List<long[]> iv : byDevice.values()) {
            iv.sort(java.util.Comparator.comparingLong(a -> a[0]));
            long end = Long.MIN_VALUE;
            for (long[] a : iv) {
                if (a[0] >= end) {
                    covered += a[1] - a[0];
                } else if (a[1] > end) {
                    covered += a[1] - end;
                }
                end = Math.max(end, a[1]);
            }
        }
        covered = covered / 1e12 / devices;
        double notIdle = layers.stream().mapToDouble(l -> l.secondsByCategory().entrySet().stream().filter(e -> !e.getKey().equals("idle"))
                .mapToDouble(Map.Entry::getValue).sum()).sum();
        assertTrue(Math.abs(notIdle - covered) <= covered * 1e-9, "non-idle bars " + notIdle + " s, covered " + covered + " s");
        System.err.printf("ReportBreakdownTest: duplex-x4 iteration %.3f ms, bars %.3f ms, summed task time %.3f ms%n", iteration * 1e3,
                bars * 1e3, busy * 1e3);
    }
}
