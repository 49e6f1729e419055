package io.moesim.sim.energy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.op.AllReduce;
import io.moesim.sim.system.CollectiveAlgorithm;
import io.moesim.sim.system.CollectiveModel;
import io.moesim.sim.system.Fixtures;
import io.moesim.sim.system.PreparedPlan;
import io.moesim.sim.system.TaskTimer;
import org.junit.jupiter.api.Test;

class EnergyModelTest {

    private static EnergyBreakdown energy(SystemSpec sys, Fixtures.PlanBuilder b) {
        PreparedPlan p = new PreparedPlan(b.build(), sys, new TaskTimer(RooflineCostModel.INSTANCE, sys.device()),
                new CollectiveModel(sys, CollectiveAlgorithm.RING));
        return new EnergyModel(sys, EnergyConstants.defaults()).dynamic(p);
    }

    @Test
    void dramEnergyFollowsTheSpecAndPimAccessesCostLess() {
        SystemSpec sys = Fixtures.nvswitch(4, 1);
        Fixtures.PlanBuilder onXpu = new Fixtures.PlanBuilder(1);
        onXpu.compute(0, "xpu", 0, 4, 4096, 4096);
        Fixtures.PlanBuilder onPim = new Fixtures.PlanBuilder(1);
        onPim.compute(0, "logic_pim", 0, 4, 4096, 4096);
        EnergyBreakdown x = energy(sys, onXpu);
        EnergyBreakdown p = energy(sys, onPim);
        long bytes = onXpu.build().tasks().get(0).bytes();
        // duplex.yaml: 3.9 pJ/bit
        assertEquals(bytes * 8 * 3.9e-12, x.dramJ(), 1e-12);
        assertEquals(x.dramJ() * EnergyConstants.PIM_ACCESS_FRACTION, p.dramJ(), 1e-12);
        assertEquals(x.logicJ(), p.logicJ(), 0.0);
        assertEquals(0, x.staticJ());
    }

    @Test
    void linkEnergyIsPerByteSentAndStaticPowerPerDevice() {
        SystemSpec sys = Fixtures.nvswitch(4, 1);
        Fixtures.PlanBuilder b = new Fixtures.PlanBuilder(2);
        long bytes = 64L << 20;
        b.collective(0, new AllReduce(2), bytes, new int[] {0, 1});
        b.collective(1, new AllReduce(2), bytes, new int[] {0, 1});
        EnergyBreakdown e = energy(sys, b);
        // ring all-reduce of 2: each device sends 2·(1/2)·bytes
        assertEquals(2 * bytes * EnergyConstants.INTRA_LINK_PJ_PER_BYTE * 1e-12, e.linkJ(), 1e-9);
        double w = new EnergyModel(sys, EnergyConstants.defaults()).staticWatts();
        assertEquals(4 * EnergyConstants.BOARD_POWER_W * EnergyConstants.STATIC_FRACTION, w, 1e-9);
        assertTrue(e.totalJ() > e.linkJ());
    }
}
