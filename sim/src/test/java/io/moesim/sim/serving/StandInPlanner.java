package io.moesim.sim.serving;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.plan.DeviceMemory;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.ProcessorSpec;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Block;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.Node;
import io.moesim.ir.graph.Value;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.Repeat;
import it.unimi.dsi.fastutil.ints.IntImmutableList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A test stand-in for the compiler: every node of the graph (repeat bodies unrolled) becomes one
 * task on device 0, on the processor with the lowest roofline time, in one chain per processor, with
 * a dependency on the previous node. It exists only so that the serving level can be tested before
 * (and independently of) the compiler's pipeline.
 */
public final class StandInPlanner implements PlanSource {
    private final SystemSpec system;

    public StandInPlanner(SystemSpec system) {
        this.system = system;
    }

    @Override
    public HardwarePlan plan(Graph graph) {
        List<Task> tasks = new ArrayList<>();
        emit(graph.body(), 1, tasks);
        List<DeviceMemory> mem = List.of(new DeviceMemory(0, 0, 0, 0, (long) system.device().memory().reportedBytes()));
        return new HardwarePlan(system.id(), graph.name(), 1, Map.of(), tasks, mem);
    }

    private void emit(Block block, long times, List<Task> tasks) {
        for (long i = 0; i < times; i++) {
            for (Node n : block.nodes()) {
                if (n.op() instanceof Repeat r) {
                    emit(n.body(), r.count(), tasks);
                    continue;
                }
                List<TensorType> in = new ArrayList<>();
                for (Value v : n.operands()) {
                    in.add(v.type());
                }
                Op op = n.op();
                String best = null;
                double bestS = Double.POSITIVE_INFINITY;
                for (ProcessorSpec p : system.device().processorList()) {
                    double s = RooflineCostModel.INSTANCE.seconds(op, in, system.device(), p);
                    if (s < bestS) {
                        bestS = s;
                        best = p.name();
                    }
                }
                int id = tasks.size();
                IntImmutableList deps = id == 0 ? IntImmutableList.of() : IntImmutableList.of(id - 1);
                tasks.add(new Task(id, op.mnemonic() + id, op, in, 0, best, 0, deps, op.flops(in), op.traffic(in), null, 0,
                        IntImmutableList.of(), -1, "layer"));
            }
        }
    }
}
