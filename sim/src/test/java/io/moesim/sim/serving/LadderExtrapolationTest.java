package io.moesim.sim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.CompileOptions;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.model.Residual;
import io.moesim.ir.model.Routing;
import org.junit.jupiter.api.Test;

/**
 * The exact path's layer extrapolation (a + (L - 1)(b - a) from the model cut to 1 and 2 layers)
 * holds for the ladder form too, against the simulation of every layer: the ladder's first layer is
 * outside the repeat and the pending FFN output is added after the last, both once per iteration,
 * and every later layer is the same block.
 */
class LadderExtrapolationTest {
    @Test
    void extrapolatedEqualsEveryLayerSimulated() {
        ModelConfig m = ModelZoo.get("Llama-3-70B").withLayers(12).withResidual(Residual.LADDER);
        assertTrue(IterationCache.uniformLayers(m, Routing.parse("uniform")));
        IterationCache full = LayerExtrapolationTest.cache(m, "h100x8", "uniform", null, CompileOptions.Overlap.LAYER, false, null);
        IterationCache one = LayerExtrapolationTest.cache(m.withLayers(1), "h100x8", "uniform", null, CompileOptions.Overlap.LAYER, false, null);
        IterationCache two = LayerExtrapolationTest.cache(m.withLayers(2), "h100x8", "uniform", null, CompileOptions.Overlap.LAYER, false, null);
        for (BatchSignature s : LayerExtrapolationTest.SHAPES) {
            IterationOutcome f = full.get(s);
            IterationOutcome e = IterationCache.extrapolate(one.get(s), two.get(s), m.layers());
            assertEquals(f.makespanPs(), e.makespanPs(), s.toString());
            assertEquals(f.flops(), e.flops(), s.toString());
            assertTrue(IterationCache.same(f, e), s.toString());
        }
    }
}
