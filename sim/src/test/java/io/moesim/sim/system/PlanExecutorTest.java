package io.moesim.sim.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.hw.LinkKind;
import io.moesim.hw.LinkSpec;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Topology;
import io.moesim.ir.op.AllReduce;
import io.moesim.ir.op.AllToAll;
import io.moesim.sim.system.Fixtures.PlanBuilder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PlanExecutorTest {

    private static ExecutionResult run(HardwarePlan plan, SystemSpec sys, CollectiveAlgorithm alg) {
        TaskTimer timer = new TaskTimer(RooflineCostModel.INSTANCE, sys.device());
        return PlanExecutor.run(new PreparedPlan(plan, sys, timer, new CollectiveModel(sys, alg)));
    }

    private static long roofPs(SystemSpec sys, PlanBuilder b, int task, HardwarePlan plan) {
        var t = plan.tasks().get(task);
        return Math.round(RooflineCostModel.INSTANCE.seconds(t.op(), t.inputs(), sys.device(),
                sys.device().processors().get(t.processor())) * 1e12);
    }

    @Test
    void serialChainTakesTheSumOfItsTasks() {
        SystemSpec sys = Fixtures.nvswitch(4, 1);
        PlanBuilder b = new PlanBuilder(1);
        int a = b.compute(0, "xpu", 0, 64, 4096, 4096);
        int c = b.compute(0, "xpu", 1, 512, 4096, 14336, a);
        int d = b.compute(0, "logic_pim", 0, 8, 4096, 4096, c);
        HardwarePlan plan = b.build();
        ExecutionResult r = run(plan, sys, CollectiveAlgorithm.AUTO);
        long sum = roofPs(sys, b, a, plan) + roofPs(sys, b, c, plan) + roofPs(sys, b, d, plan);
        assertEquals(sum, r.makespanPs());
        assertEquals(r.endPs(a), r.startPs(c));
        assertEquals(r.endPs(c), r.startPs(d));
    }

    @Test
    void independentStreamsOnTwoProcessorsOverlap() {
        SystemSpec sys = Fixtures.nvswitch(4, 1);
        PlanBuilder b = new PlanBuilder(1);
        int x = b.compute(0, "xpu", 0, 2048, 4096, 14336);
        int p = b.compute(0, "logic_pim", 0, 4, 4096, 14336);
        HardwarePlan plan = b.build();
        ExecutionResult r = run(plan, sys, CollectiveAlgorithm.AUTO);
        assertEquals(Math.max(roofPs(sys, b, x, plan), roofPs(sys, b, p, plan)), r.makespanPs());
        assertEquals(0, r.startPs(x));
        assertEquals(0, r.startPs(p));
    }

    @Test
    void streamsOfOneProcessorTimeShareIt() {
        SystemSpec sys = Fixtures.nvswitch(4, 1);
        PlanBuilder b = new PlanBuilder(1);
        int x = b.compute(0, "xpu", 0, 2048, 4096, 14336);
        int y = b.compute(0, "xpu", 1, 2048, 4096, 4096);
        HardwarePlan plan = b.build();
        ExecutionResult r = run(plan, sys, CollectiveAlgorithm.AUTO);
        assertEquals(roofPs(sys, b, x, plan) + roofPs(sys, b, y, plan), r.makespanPs());
        assertEquals(r.makespanPs(), r.busyByProcessor().get("xpu"));
    }

    @Test
    void computeOverlapsCommunicationOnAnotherStream() {
        SystemSpec sys = Fixtures.nvswitch(2, 1);
        PlanBuilder b = new PlanBuilder(2);
        int[] g = {0, 1};
        int x = b.compute(0, "xpu", 0, 2048, 4096, 14336);
        b.collective(0, new AllReduce(2), 64L << 20, g);
        b.collective(1, new AllReduce(2), 64L << 20, g);
        HardwarePlan plan = b.build();
        ExecutionResult r = run(plan, sys, CollectiveAlgorithm.RING);
        long comm = r.plan().durationPs(1);
        assertTrue(comm > 0);
        assertEquals(Math.max(roofPs(sys, b, x, plan), comm), r.makespanPs());
    }

    @Test
    void ringAllReduceMatchesTheClosedForm() {
        LinkSpec nv = Fixtures.link("nvlink", LinkKind.NVLINK, 18, 25, 1000, 5000);
        SystemSpec sys = Fixtures.system(4, 1, nv, Topology.SWITCH);
        long bytes = 256L << 20;
        int g = 4;
        PlanBuilder b = new PlanBuilder(g);
        int[] group = {0, 1, 2, 3};
        for (int d = 0; d < g; d++) {
            b.collective(d, new AllReduce(g), bytes, group);
        }
        ExecutionResult r = run(b.build(), sys, CollectiveAlgorithm.RING);
        // o + 2(g−1)/g · bytes / bw + 2(g−1)·α, with bw = 18 × 25 GB/s through the switch (bytes/ns)
        double ns = 5000 + 2.0 * (g - 1) / g * bytes / 450.0 + 2.0 * (g - 1) * 1000;
        assertEquals(Math.round(ns * 1000), r.makespanPs());
        for (int d = 0; d < g; d++) {
            assertEquals(0, r.startPs(d));
            assertEquals(r.makespanPs(), r.endPs(d));
        }
    }

    @Test
    void treeBeatsRingForSmallMessagesUnderAuto() {
        SystemSpec sys = Fixtures.nvswitch(8, 1);
        CollectiveModel m = new CollectiveModel(sys, CollectiveAlgorithm.AUTO);
        int[] g = {0, 1, 2, 3, 4, 5, 6, 7};
        assertEquals("tree", m.cost(new AllReduce(8), 2.0 * 7 / 8 * 4096, 4096, g).algorithm());
        assertEquals("ring", m.cost(new AllReduce(8), 2.0 * 7 / 8 * (1 << 30), 1 << 30, g).algorithm());
    }

    @Test
    void inSwitchReductionAndAchievableFractionAreClosedForms() {
        LinkSpec base = Fixtures.link("nvlink", LinkKind.NVLINK, 18, 25, 1000, 5000);
        int[] g = {0, 1, 2, 3, 4, 5, 6, 7};
        long bytes = 1L << 30;
        double ringBytes = 2.0 * 7 / 8 * bytes;
        // defaults: the line rate, no in-switch reduction (today's ring)
        long plain = new CollectiveModel(Fixtures.system(8, 1, base, Topology.SWITCH), CollectiveAlgorithm.AUTO)
                .cost(new AllReduce(8), ringBytes, bytes, g).durationPs();
        assertEquals(Math.round((5000 + 14 * 1000 + ringBytes / 450.0) * 1000), plain);
        // a fraction of the line rate and the switch reducing: (g+1)/g of the operand each way in two steps
        LinkSpec sharp = base.withCollectiveFigures(5000, 0.6, true);
        CollectiveCost c = new CollectiveModel(Fixtures.system(8, 1, sharp, Topology.SWITCH), CollectiveAlgorithm.AUTO)
                .cost(new AllReduce(8), ringBytes, bytes, g);
        assertEquals("switch", c.algorithm());
        assertEquals(Math.round((5000 + 2 * 1000 + 9.0 / 8 * bytes / (0.6 * 450.0)) * 1000), c.durationPs());
        // on a full mesh there is no switch to reduce in: direct, at the fraction
        CollectiveCost mesh = new CollectiveModel(Fixtures.system(8, 1, Fixtures.link("x", LinkKind.XGMI, 7, 64, 1000, 5000)
                .withCollectiveFigures(5000, 0.5, true), Topology.FULL_MESH), CollectiveAlgorithm.AUTO).cost(new AllReduce(8), ringBytes, bytes, g);
        assertEquals("direct", mesh.algorithm());
        assertEquals(Math.round((5000 + 2 * 1000 + ringBytes / (0.5 * 448.0)) * 1000), mesh.durationPs());
    }

    @Test
    void allToAllOverASwitchAndOverAFullMesh() {
        long bytes = 128L << 20;
        int g = 8;
        int[] group = {0, 1, 2, 3, 4, 5, 6, 7};
        double linkBytes = (double) (g - 1) / g * bytes;
        SystemSpec sw = Fixtures.system(8, 1, Fixtures.link("nvlink", LinkKind.NVLINK, 18, 25, 1000, 5000), Topology.SWITCH);
        SystemSpec mesh = Fixtures.system(8, 1, Fixtures.link("xgmi", LinkKind.XGMI, 7, 64, 1000, 5000), Topology.FULL_MESH);
        long onSwitch = new CollectiveModel(sw, CollectiveAlgorithm.AUTO).cost(new AllToAll(g), linkBytes, bytes, group).durationPs();
        long onMesh = new CollectiveModel(mesh, CollectiveAlgorithm.AUTO).cost(new AllToAll(g), linkBytes, bytes, group).durationPs();
        // switch: the device's 450 GB/s egress carries all (g−1)/g of the tensor
        assertEquals(Math.round((5000 + 1000 + linkBytes / 450.0) * 1000), onSwitch);
        // full mesh: each of the 7 peers gets bytes/g over its own 64 GB/s link, all at once
        assertEquals(Math.round((5000 + 1000 + (double) bytes / g / 64.0) * 1000), onMesh);
        assertTrue(onMesh > onSwitch, "448 GB/s of mesh links spread over peers vs a 450 GB/s switch port");
    }

    @Test
    void interNodeIsSlowerThanIntraNode() {
        SystemSpec sys = Fixtures.nvswitch(4, 2);
        CollectiveModel m = new CollectiveModel(sys, CollectiveAlgorithm.AUTO);
        long bytes = 64L << 20;
        double lb = bytes;
        long intra = m.cost(new AllReduce(2), lb, bytes, new int[] {0, 1}).durationPs();
        long inter = m.cost(new AllReduce(2), lb, bytes, new int[] {0, 4}).durationPs();
        assertTrue(inter > 5 * intra, "IB " + inter + " vs NVLink " + intra);
        long all8 = m.cost(new AllReduce(8), 2.0 * 7 / 8 * bytes, bytes, new int[] {0, 1, 2, 3, 4, 5, 6, 7}).durationPs();
        long all4 = m.cost(new AllReduce(4), 2.0 * 3 / 4 * bytes, bytes, new int[] {0, 1, 2, 3}).durationPs();
        assertTrue(all8 > all4);
    }

    @Test
    void collectivesSharingPortsSerialise() {
        SystemSpec sys = Fixtures.nvswitch(4, 1);
        PlanBuilder b = new PlanBuilder(4);
        int[] g01 = {0, 1};
        int[] g23 = {2, 3};
        int[] g12 = {1, 2};
        long bytes = 32L << 20;
        b.collective(0, new AllReduce(2), bytes, g01);
        b.collective(1, new AllReduce(2), bytes, g01);
        b.collective(2, new AllReduce(2), bytes, g23);
        b.collective(3, new AllReduce(2), bytes, g23);
        b.compute(1, "xpu", 0, 8, 1024, 1024);
        b.compute(2, "xpu", 0, 8, 1024, 1024);
        b.collective(1, new AllReduce(2), bytes, g12, 4);
        b.collective(2, new AllReduce(2), bytes, g12, 5);
        ExecutionResult r = run(b.build(), sys, CollectiveAlgorithm.RING);
        long one = r.plan().durationPs(0);
        assertEquals(0, r.startPs(2), "disjoint groups run together");
        assertEquals(one, r.startPs(6), "the {1,2} all-reduce waits for both ports");
        assertEquals(2 * one, r.makespanPs());
    }

    @Test
    void simulatedTimeIsNeverBelowTheCriticalPathAndMoreBandwidthNeverHurts() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int trial = 0; trial < 40; trial++) {
            long seed = rnd.nextLong();
            HardwarePlan plan = randomPlan(new SplittableRandom(seed), 4);
            long prev = Long.MAX_VALUE;
            for (double bw : new double[] {5, 25, 50, 100}) {
                SystemSpec sys = Fixtures.system(4, 1, Fixtures.link("nv", LinkKind.NVLINK, 18, bw, 1000, 5000), Topology.SWITCH);
                TaskTimer timer = new TaskTimer(RooflineCostModel.INSTANCE, sys.device());
                PreparedPlan pp = new PreparedPlan(plan, sys, timer, new CollectiveModel(sys, CollectiveAlgorithm.AUTO));
                ExecutionResult r = PlanExecutor.run(pp);
                assertTrue(r.makespanPs() >= pp.criticalPathPs(), "trial " + trial);
                assertTrue(r.makespanPs() <= prev, "trial " + trial + ": bandwidth " + bw + " made it slower");
                prev = r.makespanPs();
            }
        }
    }

    /** Per device: layers of compute then an all-reduce over all devices, random shapes and streams. */
    static HardwarePlan randomPlan(SplittableRandom rnd, int devices) {
        PlanBuilder b = new PlanBuilder(devices);
        int[] group = new int[devices];
        for (int d = 0; d < devices; d++) {
            group[d] = d;
        }
        int[] last = new int[devices];
        java.util.Arrays.fill(last, -1);
        int layers = rnd.nextInt(1, 5);
        for (int l = 0; l < layers; l++) {
            long m = rnd.nextLong(1, 2048);
            for (int d = 0; d < devices; d++) {
                String proc = rnd.nextBoolean() ? "xpu" : "logic_pim";
                int a = last[d] < 0 ? b.compute(d, proc, rnd.nextInt(2), m, 4096, 1024 * rnd.nextInt(1, 8))
                        : b.compute(d, proc, rnd.nextInt(2), m, 4096, 1024 * rnd.nextInt(1, 8), last[d]);
                last[d] = a;
            }
            long bytes = m * 4096 * 2;
            int[] ids = new int[devices];
            for (int d = 0; d < devices; d++) {
                ids[d] = b.collective(d, new AllReduce(devices), bytes, group, last[d]);
            }
            last = ids;
        }
        return b.build();
    }
}
