package io.moesim.sim.system;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.CompileOptions.Overlap;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.op.Send;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** FlashMoE weak scaling when the model has fewer experts per GPU than GPUs (Mixtral-8x7B on 8), and the two-point figure. */
class WeakScalingSlicesTest {

    @Test
    void mixtralOnEightGpusCutsEachExpertIntoEightSlicesKeepingWeightsAndFlopsPerGpu() {
        var moe = ModelZoo.get("mixtral-8x7b").moe();
        MoeWeakScaling.Shape s = MoeWeakScaling.shapeOf(moe, 4096, DType.BF16, 8, 64);
        // 8 experts over 8 GPUs: 1 each; ceil(8/1) = 8 divides 14336, so 8 slices of 1792, top-2 becomes top-16
        assertEquals(8, s.slices());
        assertEquals(8, s.expertsPerDevice());
        assertEquals(16, s.topK());
        assertEquals(1792, s.ffn());
        // per GPU: weights epd·ffn (1 · 14336 = 8 · 1792) and GEMM FLOPs T·k·ffn (64 · 2 · 14336 = 64 · 16 · 1792) unchanged
        assertEquals(1L * 14336, (long) s.expertsPerDevice() * s.ffn());
        assertEquals(64L * 2 * 14336, s.tokensPerDevice() * s.topK() * s.ffn());
        // enough experts per GPU already: no slices (DeepSeek-V3 on 8: 32 per GPU)
        assertEquals(1, MoeWeakScaling.shapeOf(ModelZoo.get("deepseek-v3").moe(), 7168, DType.BF16, 8, 128).slices());
        // a divisor of the FFN width: 3 experts per GPU on 8 GPUs need >= 3 slices; 10 is not divisible by 3 or 4, so 5
        assertEquals(5, MoeWeakScaling.slicesFor(3, 8, 10));
    }

    @Test
    void everyGpusTokensReachEveryOtherGpu() {
        SystemSpec sys = Systems.load("h100x8");
        MoeWeakScaling.Shape s = MoeWeakScaling.shapeOf(ModelZoo.get("mixtral-8x7b").moe(), 4096, DType.BF16, 8, 64);
        HardwarePlan p = FusedMoeTest.plan(sys, s, Overlap.FUSED, RooflineCostModel.INSTANCE);
        // puts out of each GPU: to all 7 peers; rows: 64 tokens · 16 copies = 1024 per GPU, 7/8 of them leave (896), and as many come back
        for (int d = 0; d < 8; d++) {
            Set<Integer> peers = new TreeSet<>();
            long rows = 0;
            for (Task t : p.tasks()) {
                if (t.device() == d && t.op() instanceof Send snd) {
                    peers.add(snd.peer());
                    rows += t.inputs().get(0).shape().dim(0);
                }
            }
            assertEquals(7, peers.size(), "GPU " + d + " sends to " + peers);
            assertEquals(2 * 896, rows, "GPU " + d);
        }
    }

    @Test
    void endpointsMeasureOnlyTwoAndNAndAgreeWithTheFullSweep() {
        SystemSpec sys = Systems.load("h100x8");
        MoeWeakScaling.Shape s = new MoeWeakScaling.Shape(8, 2, 256, 1024, 512, DType.BF16);
        MoeWeakScaling.Result all = MoeWeakScaling.measure(sys, s, Overlap.FUSED, 4, RooflineCostModel.INSTANCE, CollectiveAlgorithm.AUTO);
        MoeWeakScaling.Result two = MoeWeakScaling.endpoints(sys, s, Overlap.FUSED, 4, RooflineCostModel.INSTANCE, CollectiveAlgorithm.AUTO);
        assertEquals(3, all.points().size(), "2, 4, 8");
        assertEquals(2, two.points().size(), "2 and 8 only");
        assertEquals(8, two.points().get(1).devices());
        assertEquals(all.efficiency(), two.efficiency(), 0.0);
        assertTrue(two.echo().containsKey("moe_weak_scaling_expert_slices"));
    }
}
