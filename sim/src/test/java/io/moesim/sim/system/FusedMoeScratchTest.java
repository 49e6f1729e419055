package io.moesim.sim.system;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.CompileOptions.Parallelism;
import io.moesim.compiler.Compiler;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.graph.Graph;
import io.moesim.sim.kernel.KernelCostModel;
import org.junit.jupiter.api.Test;

class FusedMoeScratchTest {
    @Test
    void print() {
        KernelCostModel cm = new KernelCostModel();
        for (int n : new int[] {4, 8}) {
            SystemSpec sys = Systems.load("h100x" + n);
            System.out.println("SCRATCH sys " + sys.intraNodeTopology() + " " + sys.intraNodeLink().id() + " peer " + sys.intraNodePeerBandwidthGBps());
            Graph g = MoeWeakScaling.layer(32 * n, 8, 2048L * n, 7168, 2048, DType.BF16);
            CompileOptions o = new CompileOptions(new Parallelism(1, 1, n, 1), new Parallelism(1, n, 1, 1), CompileOptions.Placement.OPB,
                    CompileOptions.ExpertPlacement.RR, Overlap.FUSED, 4, null, 10.0, 0L);
            HardwarePlan plan = Compiler.compile(g, sys, o, cm).plan();
            ExecutionResult r = PlanExecutor.run(new PreparedPlan(plan, sys, new TaskTimer(cm, sys.device()), new CollectiveModel(sys, CollectiveAlgorithm.AUTO)));
            for (Task t : plan.tasks()) {
                if (t.device() == 0) {
                    System.out.printf("SCRATCH n=%d %-40s %10.1f %10.1f%n", n, t.name(), r.startPs(t.id()) / 1e6, r.endPs(t.id()) / 1e6);
                }
            }
        }
    }
}
