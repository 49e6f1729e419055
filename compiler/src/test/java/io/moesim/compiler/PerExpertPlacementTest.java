package io.moesim.compiler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.moesim.compiler.CompileOptions.ExpertPlacement;
import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.CompileOptions.Placement;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.placement.ExpertCoprocessor;
import io.moesim.compiler.plan.PlanJson;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.WeightFormat;
import io.moesim.ir.model.ExpertQuant;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.op.FfnActivation;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Per-expert formats on Duplex: the co-processing placer sees each expert's Op/B; uniform formats plan as before. */
class PerExpertPlacementTest {

    /**
     * A tiny layer by hand, roofline on one Duplex device (xPU 989.4 TFLOP/s, 3350 GB/s; Logic-PIM 106.5 TFLOP/s, 13312 GB/s):
     * two experts of 3 × 4096 × 1024 = 12,582,912 weights, 16 tokens each, one int4 and one int8.
     * Each expert: 2 · 16 · 12,582,912 = 402,653,184 FLOP, activations 2 · 16 · 4096 · 2 = 262,144 B; weight Op/B 64 (int4) vs 32 (int8).
     * <ul>
     * <li>both on the xPU: (6,291,456 + 12,582,912 + 524,288) B / 3350 GB/s = 5.7906 µs;</li>
     * <li>int8 on PIM: PIM 402,653,184 / 106.5e12 = 3.7808 µs (compute-bound), xPU 6,553,600 B / 3350 GB/s = 1.9563 µs: 3.7808 µs;</li>
     * <li>int4 on PIM instead: PIM 3.7808 µs, xPU 12,845,056 B / 3350 GB/s = 3.8343 µs: 3.8343 µs (worse);</li>
     * <li>both on PIM: 805,306,368 / 106.5e12 = 7.5616 µs (worse).</li>
     * </ul>
     * So the int8 expert (lower Op/B) goes to PIM whatever its index; a placer that ignores formats (fewest tokens, lowest index)
     * moves expert 0 first and ends at 3.8343 µs when expert 0 is the int4 one.
     */
    @Test
    void theInt8ExpertOfLowerOpPerByteGoesToPimFirst() {
        var dev = Systems.load("duplex-x4").device();
        ExpertCoprocessor cop = ExpertCoprocessor.forDevice(RooflineCostModel.INSTANCE, dev).orElseThrow();
        ExpertCoprocessor.Shape shape = new ExpertCoprocessor.Shape(4096, 1024, FfnActivation.SWIGLU, DType.BF16, DType.BF16);
        long[] tokens = {16, 16};
        ExpertCoprocessor.Decision a = cop.decide(shape, tokens, List.of(WeightFormat.INT4, WeightFormat.INT8));
        assertArrayEquals(new int[] {1}, a.pimExperts());
        assertArrayEquals(new int[] {0}, a.xpuExperts());
        assertEquals(402_653_184 / 106.5e12, a.pimSeconds(), 2e-3 * a.pimSeconds());
        assertEquals(6_553_600 / 3350e9, a.xpuSeconds(), 1e-3 * a.xpuSeconds());
        ExpertCoprocessor.Decision b = cop.decide(shape, tokens, List.of(WeightFormat.INT8, WeightFormat.INT4));
        assertArrayEquals(new int[] {0}, b.pimExperts());
        // the same tokens in one format: the lowest index moves (today's rule), and the finish is the worse 3.8343 µs split's mirror
        ExpertCoprocessor.Decision u = cop.decide(shape, tokens, List.of(WeightFormat.INT4, WeightFormat.INT4));
        assertArrayEquals(new int[] {0}, u.pimExperts());
    }

    /**
     * Idle experts by hand, roofline on one Duplex device, bf16 experts of 3 × 4096 × 1024 = 12,582,912 weights (W =
     * 25,165,824 B; t tokens: t · 25,165,824 FLOP, activations in + out 2 · t · 8192 B). The active experts hold 64, 8 and 4
     * tokens; fewest tokens move first:
     * <ul>
     * <li>all on the xPU: (3W + 2 · 76 · 8192) B / 3350 GB/s = 76,742,656 / 3350e9 = 22.908 µs;</li>
     * <li>4 to PIM: xPU 51,511,296 B / 3350 GB/s = 15.377 µs, PIM 25,231,360 B / 13312 GB/s = 1.895 µs: 15.377 µs;</li>
     * <li>8 too: xPU 26,214,400 / 3350e9 = 7.8252 µs, PIM 50,528,256 / 13312e9 = 3.7957 µs (compute 301,989,888 / 106.5e12
     * = 2.836 µs): 7.8252 µs;</li>
     * <li>64 too: PIM 1,912,602,624 FLOP / 106.5e12 = 17.959 µs: worse, the search ends.</li>
     * </ul>
     * With three idle experts among them ({0, 64, 0, 8, 4, 0}) the active ones split the same way: the 8 and the 4
     * (positions 3 and 4) on PIM, the idle ones listed on the xPU, the same times. Before the fix the idle expert (Op/B 0)
     * moved first, did not improve the finish, ended the search and left all six on the xPU at 22.908 µs.
     */
    @Test
    void idleExpertsAreSkippedAndTheActiveOnesSplitAsWithoutThem() {
        var dev = Systems.load("duplex-x4").device();
        ExpertCoprocessor cop = ExpertCoprocessor.forDevice(RooflineCostModel.INSTANCE, dev).orElseThrow();
        ExpertCoprocessor.Shape shape = new ExpertCoprocessor.Shape(4096, 1024, FfnActivation.SWIGLU, DType.BF16, DType.BF16);
        ExpertCoprocessor.Decision active = cop.decide(shape, new long[] {64, 8, 4});
        assertArrayEquals(new int[] {1, 2}, active.pimExperts());
        assertArrayEquals(new int[] {0}, active.xpuExperts());
        assertEquals(26_214_400 / 3350e9, active.xpuSeconds(), 1e-3 * active.xpuSeconds());
        assertEquals(50_528_256 / 13312e9, active.pimSeconds(), 1e-3 * active.pimSeconds());
        ExpertCoprocessor.Decision idle = cop.decide(shape, new long[] {0, 64, 0, 8, 4, 0});
        assertArrayEquals(new int[] {3, 4}, idle.pimExperts());
        assertArrayEquals(new int[] {0, 1, 2, 5}, idle.xpuExperts());
        assertEquals(26_214_400 / 3350e9, idle.xpuSeconds(), 1e-3 * idle.xpuSeconds());
        assertEquals(50_528_256 / 13312e9, idle.pimSeconds(), 1e-3 * idle.pimSeconds());
        // every active expert on PIM: the xPU side holds only idle experts and costs 0 (no kernel runs there)
        ExpertCoprocessor.Decision light = cop.decide(shape, new long[] {0, 1, 0, 1});
        ExpertCoprocessor.Decision lightActive = cop.decide(shape, new long[] {1, 1});
        assertEquals(lightActive.pimExperts().length, light.pimExperts().length);
        assertEquals(lightActive.seconds(), light.seconds(), 1e-15);
        // both 1-token experts on PIM (about 3.8 us there against about 15 us on the xPU, by the roofline figures above)
        assertEquals(2, lightActive.pimExperts().length);
        assertEquals(0.0, light.xpuSeconds());
    }

    static String plan(ModelConfig m, int batch) {
        return PlanJson.toJson(Compiler.compile(GraphGenerator.generate(GraphRequest.decode(m, batch, 1024)), Systems.load("duplex-x4"),
                Fixtures.options(Fixtures.p(4, 1, 1, 1), Fixtures.p(4, 1, 1, 1), Placement.COPROC, ExpertPlacement.GREEDY, Overlap.LAYER, 1),
                RooflineCostModel.INSTANCE).plan());
    }

    @Test
    void uniformFormatsGiveByteIdenticalPlans() {
        ModelConfig m = ModelZoo.get("mixtral-8x7b");
        assertEquals(plan(m.withExpertQuant(ExpertQuant.uniform(WeightFormat.INT4)), 64),
                plan(m.withExpertQuant(ExpertQuant.parse("q", List.of("expert 0-31 0-7 int4"))), 64));
        assertEquals(plan(m, 64), plan(m.withExpertQuant(ExpertQuant.parse("q", List.of("expert 0-31 0-7 bf16"))), 64));
        // and a mixed file does change the plan
        assertNotEquals(plan(m.withExpertQuant(ExpertQuant.uniform(WeightFormat.INT4)), 64),
                plan(m.withExpertQuant(ExpertQuant.parse("q", List.of("all int4", "expert 0-31 0-1 int8"))), 64));
    }
}
