package io.moesim.sim.system;

import io.moesim.compiler.plan.DeviceMemory;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.LinkKind;
import io.moesim.hw.LinkSpec;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.hw.Topology;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.Collective;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.Op;
import it.unimi.dsi.fastutil.ints.IntImmutableList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/** Hand-built systems and plans for the system-level tests. */
public final class Fixtures {
    private Fixtures() {
    }

    /** Device indices 0 .. g-1: a collective's members on the first g devices. */
    public static int[] firstDevices(int g) {
        int[] d = new int[g];
        for (int i = 0; i < g; i++) {
            d[i] = i;
        }
        return d;
    }

    public static DeviceSpec duplex() {
        return Systems.load("duplex-x4").device();
    }

    public static LinkSpec link(String id, LinkKind kind, int links, double gbpsPerLink, double latencyNs, double overheadNs) {
        return new LinkSpec(id, id, kind, links, gbpsPerLink, latencyNs, overheadNs, OptionalDouble.empty());
    }

    /** {@code nodes} × {@code perNode} Duplex devices with the given intra-node wiring and a 50 GB/s IB link. */
    public static SystemSpec system(int perNode, int nodes, LinkSpec intra, Topology topology) {
        LinkSpec ib = link("ib", LinkKind.INFINIBAND, 1, 50, 2000, 2000);
        LinkSpec pcie = link("pcie", LinkKind.PCIE, 1, 63, 1000, 5000);
        return new SystemSpec("test", "test", "test", duplex(), perNode, nodes, intra, topology,
                nodes > 1 ? Optional.of(ib) : Optional.empty(), nodes > 1 ? Optional.of(Topology.FAT_TREE) : Optional.empty(), pcie);
    }

    public static SystemSpec nvswitch(int perNode, int nodes) {
        return system(perNode, nodes, link("nvlink", LinkKind.NVLINK, 18, 25, 1000, 5000), Topology.SWITCH);
    }

    /** Builds plans task by task. */
    public static final class PlanBuilder {
        private final List<Task> tasks = new ArrayList<>();
        private final int devices;

        public PlanBuilder(int devices) {
            this.devices = devices;
        }

        public int compute(int device, String processor, int stream, long m, long k, long n, int... deps) {
            Op op = new MatMul(k, n, DType.FP16);
            List<TensorType> in = List.of(TensorType.of(DType.FP16, m, k));
            int id = tasks.size();
            tasks.add(new Task(id, "mm" + id, op, in, device, processor, stream, IntImmutableList.of(deps), op.flops(in),
                    op.traffic(in), null, 0, IntImmutableList.of(), 0, "ffn"));
            return id;
        }

        public int collective(int device, Collective op, long tensorBytes, int[] group, int... deps) {
            List<TensorType> in = List.of(TensorType.of(DType.FP16, tensorBytes / 2));
            int id = tasks.size();
            tasks.add(new Task(id, op.mnemonic() + id, op, in, device, "link", 0, IntImmutableList.of(deps), 0,
                    op.traffic(in), "nvlink", op.linkBytesPerDevice(in), IntImmutableList.of(group), 0, "moe"));
            return id;
        }

        public HardwarePlan build() {
            List<DeviceMemory> mem = new ArrayList<>();
            for (int d = 0; d < devices; d++) {
                mem.add(new DeviceMemory(d, 0, 0, 0, 80_000_000_000L));
            }
            return new HardwarePlan("test", "test", devices, Map.of(), tasks, mem);
        }
    }
}
