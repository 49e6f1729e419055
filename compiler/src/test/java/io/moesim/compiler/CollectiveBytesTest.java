package io.moesim.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moesim.compiler.CompileOptions.ExpertPlacement;
import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.CompileOptions.Placement;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.Systems;
import org.junit.jupiter.api.Test;

/** Link bytes of every inserted collective against the hand formula (toy: T = 8 tokens, h = 64, bf16, top-2 of 4 experts). */
class CollectiveBytesTest {
    static final long ROW = 64 * 2;

    static HardwarePlan plan(int devices, CompileOptions.Parallelism a, CompileOptions.Parallelism m, long[] tokens, ExpertPlacement ep) {
        return Compiler.compile(Fixtures.toyMoe(2, 8, tokens), Systems.load("h100x" + devices),
                Fixtures.options(a, m, Placement.OPB, ep, Overlap.LAYER, 1), RooflineCostModel.INSTANCE).plan();
    }

    static Task first(HardwarePlan p, String mnemonic, String nameContains, int device) {
        return p.tasks().stream().filter(t -> t.layer() == 0 && t.device() == device && t.op().mnemonic().equals(mnemonic)
                && t.name().contains(nameContains)).findFirst().orElseThrow(() -> new AssertionError("no " + mnemonic + " " + nameContains));
    }

    @Test
    void sequenceParallelFoldingOfTp2AttentionAndEp2Moe() {
        HardwarePlan p = plan(2, Fixtures.p(2, 1, 1, 1), Fixtures.p(1, 2, 1, 1), new long[] {4, 4, 4, 4}, ExpertPlacement.RR);
        for (int d = 0; d < 2; d++) {
            // all-gather of the 4-row shard before the column-parallel QKV: (g-1) * 4 rows
            assertEquals((2 - 1) * 4 * ROW, first(p, "all_gather", "", d).linkBytes(), 1e-9);
            // reduce-scatter of the row-parallel output's partial sums (8 rows): (g-1)/g * 8 rows
            assertEquals(0.5 * 8 * ROW, first(p, "reduce_scatter", "", d).linkBytes(), 1e-9);
            // dispatch all-to-all: 4 tokens * top-2 = 8 copies, half of them to the other device
            assertEquals(0.5 * 8 * ROW, first(p, "all_to_all", "dispatched", d).linkBytes(), 1e-9);
            assertEquals(0.5 * 8 * ROW, first(p, "all_to_all", "expert_out", d).linkBytes(), 1e-9);
        }
    }

    @Test
    void tensorParallelAllReduceAfterRowParallelMatmul() {
        HardwarePlan p = plan(2, Fixtures.p(2, 1, 1, 1), Fixtures.p(2, 1, 1, 1), new long[] {4, 4, 4, 4}, ExpertPlacement.RR);
        // ring all-reduce of [8, 64] bf16: 2 (g-1)/g of the tensor
        long ar = p.tasks().stream().filter(t -> t.layer() == 0 && t.device() == 0 && t.op().mnemonic().equals("all_reduce")).count();
        assertEquals(2, ar, "one after attention's output projection, one after the experts");
        p.tasks().stream().filter(t -> t.op().mnemonic().equals("all_reduce"))
                .forEach(t -> assertEquals(2.0 * (2 - 1) / 2 * 8 * ROW, t.linkBytes(), 1e-9));
    }

    @Test
    void skewedAllToAllBytesFollowTheExpertAssignment() {
        // experts 0,2 on device 0 and 1,3 on device 1 (rr); shard 0 holds copies [8,0,0,0] + ..., exact per device
        long[] tokens = {9, 4, 2, 1};
        HardwarePlan p = plan(2, Fixtures.p(1, 1, 2, 1), Fixtures.p(1, 2, 1, 1), tokens, ExpertPlacement.RR);
        // shard 0 = copies 0..7: expert 0 x8; shard 1 = copies 8..15: expert 0 x1, 1 x4, 2 x2, 3 x1
        assertEquals(0 * ROW, first(p, "all_to_all", "dispatched", 0).linkBytes(), 1e-9);
        assertEquals((1 + 2) * ROW, first(p, "all_to_all", "dispatched", 1).linkBytes(), 1e-9);
        // results return: device 0 (experts 0, 2) got 1 + 2 copies from shard 1; device 1 got 0 from shard 0
        assertEquals((1 + 2) * ROW, first(p, "all_to_all", "expert_out", 0).linkBytes(), 1e-9);
        assertEquals(0, first(p, "all_to_all", "expert_out", 1).linkBytes(), 1e-9);
    }
}
