package io.moesim.sim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.model.Routing;
import io.moesim.sim.energy.EnergyConstants;
import io.moesim.sim.energy.EnergyModel;
import io.moesim.sim.metrics.SimulationResult;
import io.moesim.sim.system.CollectiveAlgorithm;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Speculative decoding in the aggregated continuous-batching loop, and the verifier's decode shape:
 * conservation (every request's tokens once, never past L_out; accepted ≤ proposed), hand counts of
 * steps at acceptance 1, monotone tokens/s in the acceptance, and DeepSeek-V3 MTP gaining, not losing.
 */
class ServingSpeculationTest {
    static final ModelConfig TINY = ServingLoopTest.tinyModel();
    static final SystemSpec H100X4 = Systems.load("h100x4");

    static IterationCache cache(ModelConfig m, SystemSpec s) {
        return new IterationCache(m, m.weightDtype(), Routing.parse("uniform"), 0, s, new StandInPlanner(s), RooflineCostModel.INSTANCE,
                CollectiveAlgorithm.AUTO, new EnergyModel(s, EnergyConstants.defaults()));
    }

    record Run(SimulationResult result, Map<String, Object> speculation, List<Sequence> workload) {
    }

    static Run run(ModelConfig m, ServingConfig cfg, Speculation spec, long kv) {
        ServingLoop loop = new ServingLoop(cfg, cache(m, H100X4), H100X4, 0, kv, m.weightDtype(), 0, null, spec,
                spec != null && spec.method() == Speculation.Method.DRAFT ? cache(TINY, H100X4) : null, m.layers());
        SimulationResult r = loop.run(new LinkedHashMap<>(), null, 0, null);
        return new Run(r, loop.speculationSection(), loop.workload());
    }

    static ServingConfig closed(int concurrency, int requests, int in, int out, String lengths, long budget, long kv) {
        return new ServingConfig(new ArrivalSpec.Closed(concurrency), requests, in, out, LengthSpec.parse(lengths), concurrency, budget, kv, 5, 7);
    }

    static Speculation mtp(int k, double a) {
        double[] rates = new double[k];
        java.util.Arrays.fill(rates, a);
        return new Speculation(Speculation.Method.MTP, k, rates, null);
    }

    @Test
    void everyTokenOnceAndAcceptedNeverAboveProposed() {
        ServingConfig cfg = new ServingConfig(new ArrivalSpec.Poisson(40), 48, 128, 50, LengthSpec.parse("gaussian:0.3"), 16, 512, 1 << 20, 5, 7);
        Run r = run(TINY, cfg, mtp(3, 0.6), 1 << 20);
        long expected = 0;
        for (Sequence s : r.workload()) {
            expected += s.out;
        }
        assertEquals(48, r.result().requestsCompleted());
        assertEquals(expected, r.result().outputTokens(), "every request's tokens exactly once, none past L_out");
        assertEquals(expected - 48, r.result().tbt().count(), "one gap per token after the first, however many a step emits");
        long proposed = (Long) r.speculation().get("proposed_tokens");
        long accepted = (Long) r.speculation().get("accepted_tokens");
        long steps = (Long) r.speculation().get("steps");
        assertTrue(accepted <= proposed);
        assertEquals(3 * steps, proposed);
        // tokens after the first come from decode steps only: each step emits 1 + accepted, capped at what is left
        double perStep = (Double) r.speculation().get("tokens_per_step");
        assertEquals((expected - 48) / (double) steps, perStep, 1e-12);
        assertTrue(perStep <= 1 + accepted / (double) steps + 1e-12);
    }

    @Test
    void fullAcceptanceTakesCeilOfRemainingOverKPlusOneSteps() {
        // 8 requests of 64 output tokens: the first comes from the prefill, the other 63 from steps of k + 1 = 4: ceil(63/4) = 16 steps
        Run r = run(TINY, closed(8, 8, 64, 64, "fixed", 4096, 1 << 20), mtp(3, 1.0), 1 << 20);
        assertEquals(8L * 64, r.result().outputTokens());
        assertEquals(8L * 16, r.speculation().get("steps"));
        assertEquals(3L * 8 * 16, r.speculation().get("accepted_tokens"));
        assertEquals(63.0 / 16, (Double) r.speculation().get("tokens_per_step"), 1e-12);
        assertEquals(4.0, (Double) r.speculation().get("expected_tokens_per_step"), 1e-12);
    }

    @Test
    void tightKvCacheHoldsTheVerifierSlotsAndIsNeverExceeded() {
        long kv = 3 * 128;
        Run r = run(TINY, closed(8, 24, 64, 64, "fixed", 2048, kv), mtp(2, 0.8), kv);
        assertEquals(24L * 64, r.result().outputTokens());
        assertTrue(r.result().peakKvTokens() <= kv, "peak " + r.result().peakKvTokens());
        assertTrue(r.result().preemptions() > 0, "the cache is tight enough to preempt");
    }

    @Test
    void higherAcceptanceNeverLowersTokensPerSecond() {
        double last = 0;
        for (double a : new double[] {0, 0.3, 0.6, 0.9, 1.0}) {
            double tps = run(TINY, closed(16, 32, 64, 128, "fixed", 2048, 1 << 20), mtp(3, a), 1 << 20).result().throughputTokensPerS();
            assertTrue(tps >= last * (1 - 1e-9), "acceptance " + a + ": " + tps + " < " + last);
            last = tps;
        }
    }

    @Test
    void sameSeedSameRun() {
        ServingConfig cfg = closed(8, 16, 64, 40, "gaussian:0.3", 2048, 1 << 20);
        Run a = run(TINY, cfg, mtp(2, 0.7), 1 << 20);
        Run b = run(TINY, cfg, mtp(2, 0.7), 1 << 20);
        assertEquals(a.speculation(), b.speculation());
        assertEquals(a.result().simulatedS(), b.result().simulatedS());
    }

    @Test
    void deepSeekV3MtpAtK1AndAcceptance085RaisesTokensPerSecond() {
        // the verifier is a decode-shaped pass (absorbed MLA, KV read once): at 88 sequences x 4,989 keys it costs about a decode
        // step, not the plain-form prefill's ~2.8x, so 1.85 tokens per step win
        ModelConfig dsv3 = ModelZoo.get("deepseek-v3");
        IterationCache c = cache(dsv3, H100X4);
        long step = c.get(new BatchSignature(88, 4989, 0, 0, 0)).makespanPs();
        long verify = c.get(new BatchSignature(88, 4990, 0, 0, 0, 2)).makespanPs();
        long propose = step / dsv3.layers();
        assertTrue(verify < 1.5 * step, "verify " + verify + " ps vs step " + step + " ps");
        double gain = 1.85 * step / (double) (verify + propose);
        assertTrue(gain > 1, "tokens/s ratio with MTP " + gain);
        // the whole loop, aggregated, at the same batch: 88 requests (one prefill iteration, then decode steps)
        ServingConfig cfg = closed(88, 88, 512, 33, "fixed", 88 * 512, 1 << 20);
        double plain = run(dsv3, cfg, null, 1 << 20).result().throughputTokensPerS();
        double spec = run(dsv3, cfg, mtp(1, 0.85), 1 << 20).result().throughputTokensPerS();
        System.out.printf("dsv3 88 x 4989: step %.3f ms, verify(k=1) %.3f ms, propose %.3f ms; loop %.1f -> %.1f tokens/s%n", step / 1e9,
                verify / 1e9, propose / 1e9, plain, spec);
        assertTrue(spec > plain, "MTP k=1 at 0.85: " + spec + " tokens/s vs " + plain + " without");
    }
}
