package io.moesim.sim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.graph.GraphStats;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.Routing;
import io.moesim.sim.energy.EnergyBreakdown;
import io.moesim.sim.energy.EnergyConstants;
import io.moesim.sim.energy.EnergyModel;
import io.moesim.sim.widep.EpMode;
import io.moesim.sim.widep.WideEpConfig;
import org.junit.jupiter.api.Test;

/**
 * HBM bandwidth, dynamic energy and the roofline bound of wide-EP iterations (two-layer Mixtral, 8 experts top-2, hidden 4096;
 * H100: 3.9 pJ/bit HBM in its spec, 3.35 TB/s; NVLink with no energy figure in its spec: the default 10.4 pJ/B).
 */
class WideEpMetricsTest {
    static final ModelConfig TINY = ServingLoopTest.tinyModel();
    static final double HBM_PJ_PER_BYTE = 8 * 3.9; // targets/h100.yaml hbm_access_energy_pJ_per_bit

    private static WideEpIterationModel model(SystemSpec s, int ep, Routing routing) {
        WideEpConfig cfg = new WideEpConfig(ep, ep, EpMode.LOW_LATENCY, DType.FP8_E4M3, DType.BF16, 0, 1);
        return new WideEpIterationModel(TINY, DType.BF16, routing, 0, s, RooflineCostModel.INSTANCE, cfg, cfg, 2,
                new EnergyModel(s, EnergyConstants.defaults()));
    }

    /**
     * One rank (EP 1 on h100x1) holds every expert and gets the routing's every copy: its DRAM bytes are its graph's minimum
     * traffic as {@link GraphStats} (a walk of its own) sums it, less dispatch and combine (local here, no DRAM pass of their
     * own in the step model); DRAM energy = those bytes x 31.2 pJ/B, SRAM = bytes x 0.3125 pJ/B, logic = FLOPs x 0.1875 pJ;
     * no link bytes; HBM time = bytes / the bandwidth.
     */
    @Test
    void oneRanksEnergyIsItsGraphsBytesTimesTheEnergyPerByte() {
        SystemSpec h100 = Systems.load("h100x1");
        WideEpIterationModel m = model(h100, 1, Routing.UNIFORM);
        BatchSignature sig = new BatchSignature(8, 256, 0, 0, 0);
        GraphRequest g = m.request(sig);
        GraphStats stats = GraphStats.of(GraphGenerator.generate(g));
        long bytes = stats.bytes();
        long flops = stats.flops();
        for (GraphStats.KindStats k : stats.byKind()) {
            if (k.mnemonic().equals("dispatch") || k.mnemonic().equals("combine")) {
                bytes -= k.traffic().total();
                flops -= k.flops();
            }
        }
        IterationOutcome o = m.get(sig);
        EnergyBreakdown e = o.dynamicEnergy();
        assertEquals(bytes * HBM_PJ_PER_BYTE * 1e-12, e.dramJ(), 1e-9 * e.dramJ());
        assertEquals(bytes * 1.25 * 0.25 * 1e-12, e.sramJ(), 1e-9 * e.sramJ());
        assertEquals(flops * 0.75 * 0.25 * 1e-12, e.logicJ(), 1e-9 * e.logicJ());
        assertEquals(0, e.linkJ());
        assertEquals(bytes / (h100.device().memory().hbmBandwidthGBps() * 1e9) * 1e12, o.memoryBoundPs(), 1e-6 * o.memoryBoundPs());
        // priced by the roofline: the bound is the step itself
        assertEquals(o.makespanPs(), o.rooflinePs());
    }

    /**
     * Conservation: EP 4 on h100x4 with uniform routing (16 tokens x top-2 = 32 copies, 4 per expert, 8 per rank): every rank
     * moves the same bytes, so the energy of the 4 ranks is 4 x one rank's (the busiest's, whose bytes set the HBM time);
     * under skewed routing the sum is less than 4 x the busiest. Link bytes by hand: ll mode on one node of 4, each rank
     * sends its 8 copies 3/4 to the others, dispatch fp8 (4,096 B + 32 fp32 scales = 4,224 B a copy) and combine bf16 (8,192 B),
     * in each of the 2 MoE layers: 2 x 4 x 8 x 3/4 x 12,416 B = 595,968 B at 10.4 pJ/B.
     */
    @Test
    void theEnergyOfFourEquallyLoadedRanksIsFourTimesOneRanks() {
        SystemSpec h100x4 = Systems.load("h100x4");
        double bw = h100x4.device().memory().hbmBandwidthGBps() * 1e9;
        BatchSignature sig = new BatchSignature(16, 256, 0, 0, 0);
        IterationOutcome even = model(h100x4, 4, Routing.UNIFORM).get(sig);
        double rankBytes = even.memoryBoundPs() / 1e12 / 4 * bw; // the loop's HBM share: per device, the busiest rank's
        assertEquals(4 * rankBytes * HBM_PJ_PER_BYTE * 1e-12, even.dynamicEnergy().dramJ(), 1e-9 * even.dynamicEnergy().dramJ());
        assertEquals(595_968 * 10.4 * 1e-12, even.dynamicEnergy().linkJ(), 1e-12 * 1e-6);
        IterationOutcome skew = model(h100x4, 4, new Routing.Zipf(1.5)).get(sig);
        double busiest = skew.memoryBoundPs() / 1e12 / 4 * bw;
        assertTrue(skew.dynamicEnergy().dramJ() < 4 * busiest * HBM_PJ_PER_BYTE * 1e-12 * (1 - 1e-6),
                skew.dynamicEnergy().dramJ() + " vs 4 x the busiest rank's " + 4 * busiest * HBM_PJ_PER_BYTE * 1e-12);
    }

    /**
     * 5 sequences over 4 ranks are priced as 2 on every rank (the busiest's share), as 8 are: the same step time and HBM time,
     * but the energy counts the work done: every rank's weights, and the activations, KV, FLOPs and routed copies of the 5
     * sequences held (5/8 of the 8's FLOPs and link bytes; DRAM between 5/8 of the 8's and all of it, the weights being read
     * either way).
     */
    @Test
    void aPaddedIterationsEnergyCountsTheSequencesItHolds() {
        SystemSpec h100x4 = Systems.load("h100x4");
        WideEpIterationModel m = model(h100x4, 4, Routing.UNIFORM);
        IterationOutcome eight = m.get(new BatchSignature(8, 256, 0, 0, 0));
        IterationOutcome five = m.get(new BatchSignature(5, 256, 0, 0, 0));
        assertEquals(eight.makespanPs(), five.makespanPs());
        assertEquals(eight.memoryBoundPs(), five.memoryBoundPs());
        EnergyBreakdown e8 = eight.dynamicEnergy();
        EnergyBreakdown e5 = five.dynamicEnergy();
        assertEquals(5.0 / 8 * e8.logicJ(), e5.logicJ(), 1e-12 * e8.logicJ());
        assertEquals(5.0 / 8 * e8.linkJ(), e5.linkJ(), 1e-12 * e8.linkJ());
        assertTrue(e5.dramJ() > 5.0 / 8 * e8.dramJ() && e5.dramJ() < e8.dramJ(), e5.dramJ() + " vs " + e8.dramJ());
    }
}
