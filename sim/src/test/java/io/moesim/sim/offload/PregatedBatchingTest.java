package io.moesim.sim.offload;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.model.Routing;
import io.moesim.sim.system.CollectiveAlgorithm;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Read-ME's pre-gated, expert-aware batching against the plain router. */
class PregatedBatchingTest {

    @Test
    void groupingByExpertHalvesTheExpertsEachStepReadsInAHandCase() {
        // 8 tokens, top-1, queue order 0 1 2 3 0 1 2 3, steps of 4: the plain router's steps each hold all 4 experts;
        // grouped by expert the steps are {0,0,1,1} and {2,2,3,3}: 2 experts each
        int[][] sets = {{0}, {1}, {2}, {3}, {0}, {1}, {2}, {3}};
        List<int[]> plain = PregatedBatching.plainSteps(8, 4);
        List<int[]> aware = PregatedBatching.awareSteps(sets, 4);
        assertArrayEquals(new long[] {1, 1, 1, 1}, PregatedBatching.copies(sets, plain.get(0), 4));
        assertArrayEquals(new long[] {2, 2, 0, 0}, PregatedBatching.copies(sets, aware.get(0), 4));
        assertArrayEquals(new long[] {0, 0, 2, 2}, PregatedBatching.copies(sets, aware.get(1), 4));
        assertArrayEquals(new int[] {0, 4, 1, 5}, aware.get(0), "ties keep queue order");
    }

    @Test
    void theDrawKeepsTheRoutingsCopiesAndGivesEachTokenDistinctExperts() {
        for (Routing r : new Routing[] {Routing.UNIFORM, new Routing.Zipf(1.2)}) {
            int[][] sets = PregatedBatching.draw(8, 2, 200, r, 7);
            long[] c = new long[8];
            for (int[] s : sets) {
                assertEquals(2, Arrays.stream(s).distinct().count(), Arrays.toString(s));
                for (int e : s) {
                    c[e]++;
                }
            }
            long[] want = r.counts(8, 2, 200, 7);
            assertArrayEquals(want, c, r + ": the deal keeps the routing's copies per expert exactly");
        }
    }

    @Test
    void expertAwareStepsReadFewerExpertBytesAndFinishTheRoundSooner() {
        ModelConfig m = ModelZoo.get("mixtral-8x7b");
        SystemSpec sys = Systems.load("h100x2");
        PregatedBatching.Result r = PregatedBatching.run(m, DType.BF16, sys, CompileOptions.defaults(2), RooflineCostModel.INSTANCE,
                CollectiveAlgorithm.AUTO, 64, 16, 1024, Routing.UNIFORM, 3);
        assertEquals(4, r.plain().size());
        assertEquals(4, r.aware().size());
        // 16 tokens top-2 over 8 experts under the plain router: all 8 experts in nearly every step (1 - (6/8)^16 = 99% each)
        assertTrue(PregatedBatching.Result.meanActive(r.plain()) > 7.5, "" + PregatedBatching.Result.meanActive(r.plain()));
        assertTrue(PregatedBatching.Result.meanActive(r.aware()) < 6, "" + PregatedBatching.Result.meanActive(r.aware()));
        // one Mixtral expert over its 32 layers: 32 x 3 x 4096 x 14336 bf16 weights
        long expert = 32L * 3 * 4096 * 14336 * 2;
        assertEquals(expert * r.plain().stream().mapToInt(PregatedBatching.Step::activeExperts).sum(), PregatedBatching.Result.expertBytes(r.plain()));
        assertTrue(r.latencySaving() > 0.1, "decode is bound by the weights it reads: " + r.latencySaving());
        // same token counts per step, so every sequence still gets one token per round in both
        assertEquals(r.plain().stream().mapToInt(PregatedBatching.Step::tokens).sum(), r.aware().stream().mapToInt(PregatedBatching.Step::tokens).sum());
    }
}
