package io.moesim.sim.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.FrameworkProfiles;
import io.moesim.hw.NcclModel;
import io.moesim.hw.NcclModel.Protocol;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.op.AllGather;
import io.moesim.ir.op.AllReduce;
import io.moesim.ir.op.AllToAll;
import io.moesim.sim.kernel.KernelCostModel;
import io.moesim.sim.kernel.KernelSimulator;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Under a profile that names its collective library, collectives inside an NVSwitch node are timed as the library runs them. */
class CollectiveLibraryTest {
    private static final NcclModel M = new NcclModel("nccl", "test", new Protocol(5, 0.5, 0.25), new Protocol(20, 0, 0.8), 0.6, 4,
            new Protocol(15, 0, 0.6));

    private static int[] devices(int g) {
        return Fixtures.firstDevices(g);
    }

    /** h100x8: NVLink 4 through the switch, 450 GB/s per direction (datasheet); 64 MiB all-gather on 8: Simple, 20 us + L / (0.8 x 450 GB/s). */
    @Test
    void anAllGatherAsNcclRunsIt() {
        SystemSpec s = Systems.load("h100x8");
        CollectiveModel m = new CollectiveModel(s, CollectiveAlgorithm.AUTO, Optional.empty(), Optional.of(M));
        double t = 1 << 26;
        double l = 7.0 / 8 * t;
        CollectiveCost c = m.cost(new AllGather(8, 0), l, t, devices(8));
        assertEquals(Math.round((20e-6 + l / (0.8 * 450e9)) * 1e12), c.durationPs(), 2);
        assertEquals("nccl-simple", c.algorithm());
        // an all-reduce on 8 GPUs runs NVLS and moves 9/8 of the buffer each way
        CollectiveCost ar = m.cost(new AllReduce(8), 2 * l, t, devices(8));
        assertEquals("nccl-nvls", ar.algorithm());
        assertEquals(9.0 / 8 * t, ar.intraBytesPerDevice(), 1e-6);
        assertEquals(Math.round((20e-6 + 9.0 / 8 * t / (0.6 * 450e9)) * 1e12), ar.durationPs(), 2);
        // a small all-to-all (512 B per peer): grouped send/receive on LL, one peer's bytes at the ring LL's figures
        CollectiveCost a2a = m.cost(new AllToAll(8), 3584, 4096, devices(8));
        assertEquals("nccl-p2p-ll", a2a.algorithm());
        assertEquals(Math.round((5.5e-6 + 512 / (0.25 * 450e9)) * 1e12), a2a.durationPs(), 2);
    }

    /** The framework's all-reduce above its size goes to the library: NVLS through the switch, a ring on a full mesh (no switch to reduce). */
    @Test
    void theFrameworksLargeAllReduceIsNcclsAndNvlsNeedsTheSwitch() {
        FrameworkProfile.CustomAllReduce car = new FrameworkProfile.CustomAllReduce(3.0, 0.7, 1 << 20).withLibraryAbove(8 << 20);
        double t = 64 << 20;
        CollectiveCost eight = new CollectiveModel(Systems.load("h100x8"), CollectiveAlgorithm.AUTO, Optional.of(car), Optional.of(M))
                .cost(new AllReduce(8), 2 * 7.0 / 8 * t, t, devices(8));
        assertEquals("framework-nccl-nvls", eight.algorithm());
        assertEquals(Math.round((20e-6 + 9.0 / 8 * t / (0.6 * 450e9)) * 1e12), eight.durationPs(), 2);
        // h100x4: 6 links of 25 GB/s to each of 3 peers, 450 GB/s together; a ring: Simple 20 us + 2 x 3/4 x T at 0.8 of it
        CollectiveCost four = new CollectiveModel(Systems.load("h100x4"), CollectiveAlgorithm.AUTO, Optional.of(car), Optional.of(M))
                .cost(new AllReduce(4), 1.5 * t, t, devices(4));
        assertEquals("framework-nccl-simple", four.algorithm());
        assertEquals(Math.round((20e-6 + 1.5 * t / (0.8 * 450e9)) * 1e12), four.durationPs(), 2);
    }

    /** An explicitly chosen algorithm, a full mesh (h100x4: the library's figures were measured through NVSwitch) and ideal keep the link model. */
    @Test
    void chosenAlgorithmsMeshesAndIdealKeepTheLinkModel() {
        SystemSpec s = Systems.load("h100x8");
        double t = 1 << 26;
        double l = 7.0 / 8 * t;
        assertEquals(new CollectiveModel(s, CollectiveAlgorithm.RING).cost(new AllGather(8, 0), l, t, devices(8)),
                new CollectiveModel(s, CollectiveAlgorithm.RING, Optional.empty(), Optional.of(M)).cost(new AllGather(8, 0), l, t, devices(8)));
        SystemSpec mesh = Systems.load("h100x4");
        assertEquals(new CollectiveModel(mesh, CollectiveAlgorithm.AUTO).cost(new AllGather(4, 0), 0.75 * t, t, devices(4)),
                new CollectiveModel(mesh, CollectiveAlgorithm.AUTO, Optional.empty(), Optional.of(M)).cost(new AllGather(4, 0), 0.75 * t, t, devices(4)));
        CollectiveCost ideal = CollectiveModel.of(s, CollectiveAlgorithm.AUTO,
                new KernelCostModel(new KernelSimulator(), RooflineCostModel.INSTANCE, d -> FrameworkProfiles.load("ideal"))).cost(new AllGather(8, 0), l, t, devices(8));
        assertEquals(new CollectiveModel(s, CollectiveAlgorithm.AUTO).cost(new AllGather(8, 0), l, t, devices(8)), ideal);
        // vLLM's profile calls NCCL for an all-gather
        CollectiveCost vllm = CollectiveModel.of(s, CollectiveAlgorithm.AUTO,
                new KernelCostModel(new KernelSimulator(), RooflineCostModel.INSTANCE, d -> FrameworkProfiles.load("vllm"))).cost(new AllGather(8, 0), l, t, devices(8));
        assertEquals("nccl-simple", vllm.algorithm());
    }
}
