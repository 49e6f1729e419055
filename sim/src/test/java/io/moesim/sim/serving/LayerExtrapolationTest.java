package io.moesim.sim.serving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.Compiler;
import io.moesim.compiler.CompilerException;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.model.Routing;
import io.moesim.sim.energy.EnergyConstants;
import io.moesim.sim.energy.EnergyModel;
import io.moesim.sim.kernel.KernelCostModel;
import io.moesim.sim.system.CollectiveAlgorithm;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The exact path's layer extrapolation against a second implementation, the simulation of every
 * layer: for a model of identical layers, each iteration figure at L layers equals a + (L − 1)·(b − a)
 * from the model cut to 1 and 2 layers (integers exactly, doubles to 1e−9 relative), through the real
 * compiler and kernel cost model, on Duplex co-processing, an H100 pair in fp8, skewed routing, tile
 * overlap, and decode, prefill, mixed and chunked-prefill shapes.
 */
class LayerExtrapolationTest {
    static final List<BatchSignature> SHAPES = List.of(new BatchSignature(64, 1536, 0, 0), new BatchSignature(7, 896, 0, 0),
            new BatchSignature(0, 0, 2, 1024), new BatchSignature(100, 2048, 1, 1024), new BatchSignature(120, 1216, 2, 512, 1024));

    static IterationCache cache(ModelConfig m, String system, String routing, String dtype, CompileOptions.Overlap overlap, boolean extrapolate,
            PlanSource planner) {
        SystemSpec sys = Systems.load(system);
        KernelCostModel cost = new KernelCostModel();
        CompileOptions d = CompileOptions.defaults();
        CompileOptions.Parallelism tp = new CompileOptions.Parallelism(sys.devices(), 1, 1, 1);
        CompileOptions opts = new CompileOptions(tp, tp, d.placement(), d.expertPlacement(), overlap, d.tiles(), null, d.ilpTimeLimitSeconds(),
                d.seed());
        PlanSource p = planner != null ? planner : g -> Compiler.compile(g, sys, opts, cost).plan();
        return new IterationCache(m, dtype == null ? null : DType.parse(dtype), Routing.parse(routing), 3, sys, p, cost, CollectiveAlgorithm.AUTO,
                new EnergyModel(sys, EnergyConstants.defaults()), extrapolate);
    }

    @ParameterizedTest
    @CsvSource({"Mixtral-8x7B, duplex-x4, uniform, , LAYER", "Mixtral-8x7B, duplex-x4, zipf:1.2, , TILE", "Mixtral-8x7B, h100x2, zipf:1.2, fp8e4m3, LAYER",
        "Qwen3-30B-A3B, duplex-x4, uniform, , NONE"})
    void extrapolatedEqualsEveryLayerSimulated(String model, String system, String routing, String dtype, CompileOptions.Overlap overlap) {
        ModelConfig m = ModelZoo.get(model).withLayers(12);
        assertTrue(IterationCache.uniformLayers(m, Routing.parse(routing)));
        IterationCache full = cache(m, system, routing, dtype, overlap, false, null);
        IterationCache one = cache(m.withLayers(1), system, routing, dtype, overlap, false, null);
        IterationCache two = cache(m.withLayers(2), system, routing, dtype, overlap, false, null);
        IterationCache fast = cache(m, system, routing, dtype, overlap, true, null);
        for (BatchSignature s : SHAPES) {
            IterationOutcome f = full.get(s);
            IterationOutcome e = IterationCache.extrapolate(one.get(s), two.get(s), m.layers());
            String msg = model + " " + system + " " + routing + " " + overlap + " " + s;
            assertEquals(f.makespanPs(), e.makespanPs(), msg);
            assertArrayEquals(f.busyPs(), e.busyPs(), msg);
            assertEquals(f.intraLinkBusyPs(), e.intraLinkBusyPs(), msg);
            assertEquals(f.flops(), e.flops(), msg);
            assertEquals(f.rooflinePs(), e.rooflinePs(), msg);
            assertEquals(f.dynamicEnergy().totalJ(), e.dynamicEnergy().totalJ(), 1e-9 * f.dynamicEnergy().totalJ(), msg);
            assertTrue(IterationCache.same(f, e), msg);
            // and the cache that extrapolates (checking the first shape of each phase in full) answers the same
            assertTrue(IterationCache.same(f, fast.get(s)), msg);
        }
        assertTrue(fast.extrapolating(), "no check failed");
        assertEquals(3, fast.fullSimulations(), "one full simulation per phase (decode, prefill, mixed), as the check");
        assertEquals(0, full.extrapolating() ? 1 : 0);
    }

    @Test
    void onlyModelsOfIdenticalLayers() {
        assertTrue(IterationCache.uniformLayers(ModelZoo.get("Mixtral-8x7B"), Routing.parse("uniform")));
        // DeepSeek-V3: 3 dense layers, then 58 MoE layers; GLaM: dense and MoE alternate
        assertFalse(IterationCache.uniformLayers(ModelZoo.get("DeepSeek-V3"), Routing.parse("uniform")));
        assertFalse(IterationCache.uniformLayers(ModelZoo.get("GLaM"), Routing.parse("uniform")));
        assertFalse(IterationCache.uniformLayers(ModelZoo.get("Mixtral-8x7B").withLayers(2), Routing.parse("uniform")));
    }

    @Test
    void aShapeWhoseLayersDoNotAllFitFailsAsTheFullCompileDoes() {
        ModelConfig m = ModelZoo.get("Mixtral-8x7B");
        IterationCache full = cache(m, "h100x2", "uniform", "fp8e4m3", CompileOptions.Overlap.LAYER, false, null);
        IterationCache c = cache(m, "h100x2", "uniform", "fp8e4m3", CompileOptions.Overlap.LAYER, true, null);
        // the KV cache of 2,048 decodes at 32k tokens each is far beyond two 80 GB devices; 1 or 2 layers of it are not
        BatchSignature big = new BatchSignature(2048, 32768, 0, 0);
        c.get(new BatchSignature(8, 512, 0, 0)); // the decode phase's check, passed
        String expected = assertThrows(CompilerException.class, () -> full.get(big)).getMessage();
        assertEquals(expected, assertThrows(CompilerException.class, () -> c.get(big)).getMessage());
        assertTrue(c.extrapolating(), "a shape too large is not a reason to stop extrapolating");
    }

    @Test
    void aCutModelThatDoesNotCompileTurnsExtrapolationOff() {
        ModelConfig m = ModelZoo.get("Mixtral-8x7B").withLayers(6);
        SystemSpec sys = Systems.load("duplex-x4");
        KernelCostModel cost = new KernelCostModel();
        CompileOptions d = CompileOptions.defaults();
        CompileOptions.Parallelism tp = new CompileOptions.Parallelism(4, 1, 1, 1);
        CompileOptions opts = new CompileOptions(tp, tp, d.placement(), d.expertPlacement(), d.overlap(), d.tiles(), null, d.ilpTimeLimitSeconds(),
                d.seed());
        int[] plans = new int[1];
        // a planner that refuses its first graph (the model cut to 1 layer), as a pipeline over more stages than layers would
        PlanSource refusing = g -> {
            if (++plans[0] == 1) {
                throw new CompilerException("test", "too few layers for the stages");
            }
            return Compiler.compile(g, sys, opts, cost).plan();
        };
        IterationCache reference = cache(m, "duplex-x4", "uniform", null, d.overlap(), false, null);
        IterationCache c = cache(m, "duplex-x4", "uniform", null, d.overlap(), true, refusing);
        BatchSignature s = new BatchSignature(16, 512, 0, 0);
        assertTrue(IterationCache.same(reference.get(s), c.get(s)));
        assertFalse(c.extrapolating());
        assertTrue(IterationCache.same(reference.get(SHAPES.get(3)), c.get(SHAPES.get(3))));
        assertEquals(2, c.fullSimulations());
    }
}
