package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.FrameworkProfiles;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.hw.Targets;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.MatMul;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.Simulator;
import io.moesim.sim.metrics.SimulationResult;
import java.util.List;
import java.util.OptionalDouble;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A serving run's kernels under a GPU's serving clock fraction ({@link KernelCostModel#underServingLoad}): the compute slows by
 * the fraction, the DRAM side does not, and only under a real framework's profile and in a serving run.
 */
class ServingLoadTest {
    private static final double F = 0.8;

    private static DeviceSpec h100(OptionalDouble fraction) {
        DeviceSpec d = Targets.load("h100");
        return d.withPrimary(d.primary().withServingClockFraction(fraction));
    }

    private static KernelCostModel model(String profile) {
        FrameworkProfile p = FrameworkProfiles.load(profile);
        return new KernelCostModel(new KernelSimulator(), RooflineCostModel.INSTANCE, d -> p);
    }

    /** seconds under load / seconds as measured in bursts, for one GEMM of {@code m} rows. */
    private static double ratio(KernelCostModel m, long rows) {
        DeviceSpec d = h100(OptionalDouble.of(F));
        MatMul op = new MatMul(8192, 8192, DType.BF16, 1);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, rows, 8192));
        return m.underServingLoad().seconds(op, in, d, d.primary()) / m.seconds(op, in, d, d.primary());
    }

    @Test
    void aComputeBoundGemmSlowsByTheFractionAndAGemvBarely() {
        KernelCostModel trt = model("trtllm");
        // 8192^3: its MMAs take 1 / 0.8 = 1.25x as long; its fixed call cost does not scale, so a little less
        double big = ratio(trt, 8192);
        assertTrue(big > 1.2 && big <= 1.25 + 1e-9, "compute-bound GEMM: " + big);
        // one token: 128 MB of weights read from HBM, whose rate the SM clock does not set
        double gemv = ratio(trt, 1);
        assertTrue(gemv >= 1 && gemv < 1.05, "weight-bound GEMV: " + gemv);
    }

    @Test
    void theIdealProfileAndTheOpLevelAreUntouched() {
        // hypothetical hardware's datasheet model: a like-for-like comparison, so no serving clock
        assertEquals(1.0, ratio(model("ideal"), 8192));
        // the same model outside a serving run (op, compile, the kernel database): the clock its figures hold for
        KernelCostModel trt = model("trtllm");
        DeviceSpec d = h100(OptionalDouble.of(F));
        DeviceSpec none = h100(OptionalDouble.empty());
        MatMul op = new MatMul(8192, 8192, DType.BF16, 1);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, 8192, 8192));
        assertEquals(trt.seconds(op, in, none, none.primary()), trt.seconds(op, in, d, d.primary()));
        assertFalse(trt.servingLoad());
        assertTrue(trt.underServingLoad().servingLoad());
        assertEquals(1464.0, trt.underServingLoad().servingClockMHz(d, d.primary()).getAsDouble(), 1e-9);
        assertTrue(model("ideal").underServingLoad().servingClockMHz(d, d.primary()).isEmpty());
    }

    /** A serving run's prefill slows by about the fraction, and its config names the clock; under ideal neither. */
    @Test
    void aServingRunsPrefillRunsAtTheServingClock() {
        SystemSpec base = Systems.load("h100x1");
        SystemSpec loaded = base.withDevice(h100(OptionalDouble.of(F)));
        SystemSpec bursts = base.withDevice(h100(OptionalDouble.empty()));
        Function<String, SimulationRequest> req = p -> SimulationRequest.builder("llama-3-8b", "h100x1").dtype(DType.BF16).offline().requests(4)
                .lengths(2048, 2).maxBatch(4).costModel(model(p)).build();
        SimulationResult slow = Simulator.simulate(req.apply("trtllm"), loaded);
        SimulationResult fast = Simulator.simulate(req.apply("trtllm"), bursts);
        double r = slow.ttft().meanMs() / fast.ttft().meanMs();
        // 8192 prompt tokens at once: compute-bound GEMMs, plus the engine's host time per iteration, which the clock leaves
        assertTrue(r > 1.12 && r < 1.25, "prefill TTFT ratio " + r);
        assertEquals(1464.0, slow.config().get("serving_clock_MHz"));
        assertFalse(fast.config().containsKey("serving_clock_MHz"));
        SimulationResult ideal = Simulator.simulate(req.apply("ideal"), loaded);
        assertEquals(Simulator.simulate(req.apply("ideal"), bursts).ttft(), ideal.ttft());
        assertFalse(ideal.config().containsKey("serving_clock_MHz"));
    }
}
