package io.moesim.sim.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.Systems;
import io.moesim.hw.Topology;
import io.moesim.ir.model.ModelZoo;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.tune.DeploymentSearch.Kind;
import io.moesim.sim.tune.DeploymentSearch.Layout;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DeploymentSearchTest {
    /**
     * The search's instances are the built-in systems where they exist, so a Duplex instance sits on
     * the node of its H100 baseline (duplex-x4: the HGX 4-GPU full mesh), not on the device's default
     * switch that an on-request "duplexx4" would get.
     */
    @Test
    void instancesAreTheBuiltInSystemsWhereTheyExist() {
        assertEquals("duplex-x4", DeploymentSearch.systemName("duplex", 4));
        assertEquals("h100x4", DeploymentSearch.systemName("h100", 4));
        assertEquals("h100x2", DeploymentSearch.systemName("h100", 2)); // none built in: made on request
        assertEquals(Systems.load("h100x4").intraNodeTopology(), Systems.load(DeploymentSearch.systemName("duplex", 4)).intraNodeTopology());
        assertEquals(Topology.FULL_MESH, Systems.load("duplex-x4").intraNodeTopology());
    }

    /**
     * The layouts of one device type, by hand: budget 16 with 8 GPUs per node gives TP 1, 2, 4, 8; attention TP x MoE EP
     * 2, 4, 8 (MoE models only); TP 8 x PP 2 (16 devices); wide EP over 4, 8, 16.
     */
    @Test
    void layoutsByHand() {
        List<String> moe = DeploymentSearch.layouts(ModelZoo.resolve("olmoe-1b-7b"), 16, 8).stream().map(Layout::describe).toList();
        assertEquals(List.of("tp1", "tp2", "tp4", "tp8", "tp2/ep2", "tp4/ep4", "tp8/ep8", "tp8xpp2", "dp4/ep4", "dp8/ep8", "dp16/ep16"), moe);
        List<String> dense = DeploymentSearch.layouts(ModelZoo.resolve("llama-3-70b"), 16, 8).stream().map(Layout::describe).toList();
        assertEquals(List.of("tp1", "tp2", "tp4", "tp8", "tp8xpp2"), dense);
        for (String t : moe) {
            assertEquals(t, Layout.parse(t).describe());
        }
        assertEquals(Kind.WIDE_EP, Layout.parse("dp16/ep16").kind());
        assertEquals(16, Layout.parse("tp8xpp2").devices());
    }

    /**
     * The candidates, counted by hand for OLMoE on 2 H100s, two max batches, two precisions. Instances: tp1 (1 device), tp2
     * and tp2/ep2 (2 devices; wide EP starts at 4). Aggregated: one per instance (2 x tp1, 1 x tp2, 1 x tp2/ep2) = 3;
     * disaggregated pairs within 2 devices: only 1 x tp1 : 1 x tp1 = 1. So 4 per (max batch, precision), 16 in all.
     */
    @Test
    void candidatesCountedByHand() {
        DeploymentSearch.Options o = options(2, List.of(32, 64), List.of("bf16", "fp8e4m3"));
        List<DeploymentSearch.Candidate> all = DeploymentSearch.enumerate(o);
        assertEquals(16, all.size());
        assertEquals(8, all.stream().filter(c -> "fp8e4m3".equals(c.dtype())).count());
        assertTrue(all.stream().allMatch(c -> c.devices() <= 2));
    }

    /**
     * The Pareto front by a sweep over TPOT equals the front by the definition (no other point at least as good on both
     * and better on one), on seeded random points with ties.
     */
    @Test
    void paretoSweepMatchesTheDefinition() {
        Random r = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            List<double[]> pts = new ArrayList<>();
            int n = 1 + r.nextInt(30);
            for (int i = 0; i < n; i++) {
                pts.add(new double[] {r.nextInt(8), r.nextInt(8), i});
            }
            Comparator<double[]> order = Comparator.comparingDouble(p -> p[2]);
            List<double[]> fast = DeploymentSearch.paretoBy(pts, p -> p[0], p -> p[1], order);
            List<double[]> slow = new ArrayList<>();
            for (double[] p : pts) {
                boolean dominated = false;
                for (double[] q : pts) {
                    if (q != p && q[0] >= p[0] && q[1] <= p[1] && (q[0] > p[0] || q[1] < p[1])) {
                        dominated = true;
                    }
                }
                if (!dominated) {
                    slow.add(p);
                }
            }
            assertEquals(slow.stream().map(p -> p[2]).toList(), fast.stream().map(p -> p[2]).toList(), "trial " + trial);
        }
    }

    /**
     * Candidates sharing an instance reuse its shapes: OLMoE on 2 H100s at two max batches has three instances (tp1, tp2,
     * tp2/ep2), each costed at one prompt, a decode of 1 and a decode of each max batch: 3 x (2 + 2) = 12 shapes for 8
     * candidates (whatever their pool ratios). The roofline cost model keeps it fast.
     */
    @Test
    void shapesAreMemoisedPerInstance() {
        DeploymentSearch.Options o = options(2, List.of(16, 32), List.of());
        DeploymentSearch.Result r = DeploymentSearch.search(o, null, (list, opt) -> List.of());
        assertEquals(8, r.enumerated());
        assertEquals(12, r.instanceShapes());
    }

    private static DeploymentSearch.Options options(int budget, List<Integer> maxBatches, List<String> dtypes) {
        SimulationRequest base = SimulationRequest.builder("olmoe-1b-7b", "h100x1").qps(1).requests(20).lengths(256, 32)
                .costModel(io.moesim.compiler.cost.RooflineCostModel.INSTANCE).build();
        return new DeploymentSearch.Options(base, List.of("h100"), budget, maxBatches, 200, 20, 2, "--cost-model roofline", dtypes);
    }
}
