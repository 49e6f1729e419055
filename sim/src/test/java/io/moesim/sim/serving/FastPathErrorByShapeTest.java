package io.moesim.sim.serving;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.Compiler;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.model.Routing;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.energy.EnergyModel;
import io.moesim.sim.kernel.KernelCostModel;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Where the fast path's error is, iteration shape by iteration shape: Mixtral-8x7B (all 32 layers) on
 * duplex-x4 as the CLI compiles it, random shapes in the range of the Duplex demo run (up to 128
 * decodes at 700 to 2,500 tokens of context; one prompt of 700 to 1,400 tokens), the fast path's
 * makespan against the exact one (the expected values are the exact path's, a separate computation).
 *
 * <p>Measured when written (issue 16): decode-only iterations within 0.65% (most within 0.3%);
 * iterations carrying a prompt off by up to 8.4% either way (+8.4% for 17 decodes beside a
 * 992-token prompt; a 1,088-token prompt alone was −7.3% in a longer sample). The exact cost of a
 * prefill is not smooth in the chunk length, and the fast path interpolates it linearly between
 * grid lengths 128 tokens apart (likely causes, not isolated here: each shape's own routing draw,
 * the GEMM waves over its experts' token counts). That is the TTFT error of the fast path on the
 * demo (p50 +2.25%, p90 +1.53%), while throughput and TBT, set by the decode iterations, stay
 * within 1.3%. Simulating the prompt-carrying iterations exactly brings every percentile within
 * 0.8% but leaves the fast path 1,045 exact simulations of the exact path's 1,183 on that run: no
 * speed left, so the fast path was left as it is. This test holds the decode-only bound and prints
 * the rest.
 */
@Tag("slow")
class FastPathErrorByShapeTest {
    static final double DECODE_BOUND_PCT = 1.0;

    @Test
    void decodeIterationsWithinOnePercentPromptCarryingOnesPrinted() {
        SystemSpec sys = Systems.load("duplex-x4");
        KernelCostModel cost = new KernelCostModel();
        SimulationRequest req = SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").costModel(cost).seed(3).build();
        CompileOptions opts = req.compileOptionsOn(sys);
        ModelConfig model = ModelZoo.get("Mixtral-8x7B");
        IterationCache exact = new IterationCache(model, null, req.routing().value(), 3, sys, g -> Compiler.compile(g, sys, opts, cost).plan(),
                cost, req.collectiveAlgorithm(), new EnergyModel(sys, req.energy()));
        FastIterationModel fast = new FastIterationModel(exact);
        SplittableRandom rnd = new SplittableRandom(16);
        int n = 20;
        double worstDecode = 0;
        double worstMixed = 0;
        for (int i = 0; i < 2 * n; i++) {
            boolean mixed = i >= n;
            int nd = 1 + rnd.nextInt(127);
            long cd = BatchSignature.quantise(700 + rnd.nextInt(1800), 5);
            BatchSignature s = mixed ? new BatchSignature(rnd.nextInt(4) == 0 ? 0 : nd, cd, 1, BatchSignature.quantise(700 + rnd.nextInt(700), 5))
                    : new BatchSignature(nd, cd, 0, 0);
            if (s.decodes() == 0) {
                s = new BatchSignature(0, 0, 1, s.prefillLength());
            }
            IterationOutcome f = fast.get(s);
            IterationOutcome e = exact.get(s);
            double err = 100.0 * (f.makespanPs() - e.makespanPs()) / e.makespanPs();
            System.out.println(String.format(Locale.ROOT, "FAST-BY-SHAPE %-5s decodes=%3d context=%5d prompt=%5d exact=%.4f ms fast=%.4f ms %+.2f%%",
                    mixed ? "mixed" : "decode", s.decodes(), s.decodeContext(), s.prefillLength(), e.makespanPs() / 1e9, f.makespanPs() / 1e9, err));
            if (mixed) {
                worstMixed = Math.max(worstMixed, Math.abs(err));
            } else {
                worstDecode = Math.max(worstDecode, Math.abs(err));
            }
        }
        System.out.println(String.format(Locale.ROOT, "FAST-BY-SHAPE worst: decode-only %.2f%%, with a prompt %.2f%%", worstDecode, worstMixed));
        assertTrue(worstDecode <= DECODE_BOUND_PCT, "decode-only iterations off by up to " + worstDecode + "%");
    }
}
