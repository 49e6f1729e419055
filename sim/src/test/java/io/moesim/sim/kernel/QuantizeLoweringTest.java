package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.Compiler;
import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.compiler.plan.HardwarePlan;
import io.moesim.compiler.plan.Task;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.FrameworkProfiles;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.Quantize;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The activation quantise of an fp8 GEMM is an op in the plan where the framework runs one: a {@link Quantize} task
 * before every fp8 matmul, which the matmul waits for; under {@code ideal} none (see {@link IdealFp8PlanTest}).
 */
class QuantizeLoweringTest {
    static final SystemSpec SYS = Systems.load("h100x2");

    static HardwarePlan plan(FrameworkProfile p, KernelSimulator sim) {
        return Compiler.compile(IdealFp8PlanTest.fp8Decode(), SYS, IdealFp8PlanTest.tp2(),
                new KernelCostModel(sim, RooflineCostModel.INSTANCE, d -> p)).plan();
    }

    @Test
    void everyFp8MatmulWaitsForItsQuantiseAndTogetherTheyCostTheBundledEstimate() {
        FrameworkProfile trt = FrameworkProfiles.load("trtllm");
        assertTrue(trt.fp8QuantizesActivation());
        KernelSimulator sim = new KernelSimulator();
        HardwarePlan plan = plan(trt, sim);
        List<Task> ts = plan.tasks();
        DeviceSpec dev = SYS.device();
        KernelCostModel cost = new KernelCostModel(sim, RooflineCostModel.INSTANCE, d -> trt);
        int matmuls = 0;
        int quantizes = 0;
        int heads = 0;
        for (Task t : ts) {
            if (t.op() instanceof Quantize) {
                quantizes++;
            }
            if (!(t.op() instanceof MatMul m)) {
                continue;
            }
            if (t.layerType().equals("head")) {
                // the LM head stays bf16 in an fp8 model (ModelConfig.vocabTableDType) and quantises nothing
                heads++;
                assertEquals(DType.BF16, m.wdtype());
                assertTrue(ts.stream().noneMatch(x -> x.op() instanceof Quantize && t.deps().contains(x.id())), t.name());
                continue;
            }
            matmuls++;
            assertEquals(DType.FP8_E4M3, m.wdtype());
            Task q = ts.stream().filter(x -> x.op() instanceof Quantize && t.deps().contains(x.id()) && x.device() == t.device()).findFirst()
                    .orElseThrow(() -> new AssertionError("no quantise before " + t.name()));
            assertEquals(t.inputs(), q.inputs(), t.name());
            assertEquals(t.name() + ".quantize", q.name());
            // the bundled estimate the matmul carried before: the GEMM under gemm_fp8's figures, plus the cast (a copy of
            // 1.5 bytes per element) under the quantize figures; TensorRT-LLM's engine quantises with the checkpoint's static
            // scale, so no amax pass (a copy of 1 byte per element under the quantize_amax figures) runs before it
            assertTrue(trt.serving().staticActivationScales());
            long el = t.inputs().get(0).elements();
            OpEstimate g = sim.estimate(t.op(), t.inputs(), dev, dev.primary());
            int sms = dev.primary().engines();
            double bundled = FrameworkCost.apply(trt.figures("gemm_fp8"), g)
                    + FrameworkCost.apply(trt.figures("quantize"), sim.memcpy(el * 3 / 2, dev, dev.primary()), 0, sms);
            double split = cost.seconds(t.op(), t.inputs(), dev, dev.primary()) + cost.seconds(q.op(), q.inputs(), dev, dev.primary());
            assertEquals(bundled, split, bundled * 0.01, t.name());
        }
        assertTrue(matmuls > 0);
        assertEquals(matmuls, quantizes, "one quantise per fp8 matmul");
        assertEquals(2, heads, "one LM head GEMM per tensor-parallel rank");
        // without the quantise kernel, the plan is the ideal profile's task list (same ops, same order)
        HardwarePlan none = plan(trt.withQuantize(false), sim);
        assertEquals(ts.size() - quantizes, none.tasks().size());
        assertTrue(none.tasks().stream().noneMatch(t -> t.op() instanceof Quantize));
    }
}
