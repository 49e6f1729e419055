package io.moesim.sim.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.FrameworkProfiles;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.op.AllReduce;
import io.moesim.sim.kernel.KernelCostModel;
import io.moesim.sim.kernel.KernelSimulator;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Under a framework profile with its own all-reduce, simulate times a TP all-reduce by it; ideal keeps the link model. */
class FrameworkAllReduceTest {
    private static final FrameworkProfile.CustomAllReduce CAR = new FrameworkProfile.CustomAllReduce(3.0, 0.7, 1 << 20);

    private static int[] devices(int g) {
        return Fixtures.firstDevices(g);
    }

    /**
     * H100 NVLink 4: 18 links x 25 GB/s = 450 GB/s per direction (datasheet). Through the DGX's switch:
     * one-shot 512 KiB over 8 GPUs moves 7 x 512 KiB at 0.7 x 450 GB/s after 3 us; two-shot 8 MiB moves
     * 2 x 7/8 x 8 MiB after two 3 us phases.
     */
    @Test
    void oneAndTwoShotAsTheFrameworkRunsThem() {
        SystemSpec s = Systems.load("h100x8");
        CollectiveModel m = new CollectiveModel(s, CollectiveAlgorithm.AUTO, Optional.of(CAR));
        double bw = 0.7 * 450e9;
        double small = 512 * 1024;
        CollectiveCost one = m.cost(new AllReduce(8), 2.0 * 7 / 8 * small, small, devices(8));
        assertEquals(Math.round((3e-6 + 7 * small / bw) * 1e12), one.durationPs(), 2);
        assertEquals("framework-one-shot", one.algorithm());
        double big = 8 << 20;
        CollectiveCost two = m.cost(new AllReduce(8), 2.0 * 7 / 8 * big, big, devices(8));
        assertEquals(Math.round((6e-6 + 2.0 * 7 / 8 * big / bw) * 1e12), two.durationPs(), 2);
        assertEquals("framework-two-shot", two.algorithm());
    }

    /** On the 4-GPU board's full mesh (6 links to each of 3 peers) the kernel reads all 3 peers at once: 3 x 150 GB/s. */
    @Test
    void aFullMeshGivesThePeersLinksTogether() {
        SystemSpec s = Systems.load("h100x4");
        CollectiveModel m = new CollectiveModel(s, CollectiveAlgorithm.AUTO, Optional.of(CAR));
        double small = 256 * 1024;
        CollectiveCost one = m.cost(new AllReduce(4), 1.5 * small, small, devices(4));
        assertEquals(Math.round((3e-6 + 3 * small / (0.7 * 3 * 6 * 25e9)) * 1e12), one.durationPs(), 2);
    }

    /** ideal (no framework all-reduce) and an explicitly chosen algorithm keep the link model; trtllm's profile brings its own. */
    @Test
    void idealAndChosenAlgorithmsKeepTheLinkModel() {
        SystemSpec s = Systems.load("h100x8");
        double b = 4 << 20;
        CollectiveCost link = new CollectiveModel(s, CollectiveAlgorithm.AUTO).cost(new AllReduce(8), 2.0 * 7 / 8 * b, b, devices(8));
        CollectiveCost ideal = CollectiveModel.of(s, CollectiveAlgorithm.AUTO,
                new KernelCostModel(new KernelSimulator(), RooflineCostModel.INSTANCE, d -> FrameworkProfile.ideal())).cost(new AllReduce(8),
                2.0 * 7 / 8 * b, b, devices(8));
        assertEquals(link, ideal);
        CollectiveCost ring = new CollectiveModel(s, CollectiveAlgorithm.RING, Optional.of(CAR)).cost(new AllReduce(8), 2.0 * 7 / 8 * b, b, devices(8));
        assertEquals(new CollectiveModel(s, CollectiveAlgorithm.RING).cost(new AllReduce(8), 2.0 * 7 / 8 * b, b, devices(8)), ring);
        CollectiveCost trt = CollectiveModel.of(s, CollectiveAlgorithm.AUTO,
                new KernelCostModel(new KernelSimulator(), RooflineCostModel.INSTANCE, d -> FrameworkProfiles.load("trtllm"))).cost(new AllReduce(8),
                2.0 * 7 / 8 * b, b, devices(8));
        assertNotEquals(link, trt);
        // TensorRT-LLM's own kernel at 4 MiB: one-shot up to its fitted largest one-shot message (4 MiB since session 24), else two-shot
        FrameworkProfile.CustomAllReduce own = FrameworkProfiles.load("trtllm").customAllReduce().orElseThrow();
        assertEquals(b <= own.oneShotMaxBytes() ? "framework-one-shot" : "framework-two-shot", trt.algorithm());
        assertEquals(ideal, CollectiveModel.of(s, CollectiveAlgorithm.AUTO, RooflineCostModel.INSTANCE).cost(new AllReduce(8), 2.0 * 7 / 8 * b, b,
                devices(8)), "a cost model without profiles keeps the link model");
    }
}
