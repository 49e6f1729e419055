package io.moesim.sim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.DType;
import io.moesim.ir.graph.GraphStats;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.Routing;
import io.moesim.sim.SimulationException;
import io.moesim.sim.metrics.SimulationResult;
import io.moesim.sim.widep.EpMode;
import io.moesim.sim.widep.WideEpConfig;
import io.moesim.sim.widep.WideEpModel;
import java.util.LinkedHashMap;
import org.junit.jupiter.api.Test;

/**
 * One aggregated wide-EP instance serving with continuous batching, prefill and decode iterations never mixed (SGLang's
 * default): a two-layer Mixtral on h100x4, attention DP 4 = EP 4, prefill in DeepEP's normal mode and decode in its
 * low-latency mode (roofline pricing, no engine work, for speed and for exact hand checks).
 */
class AggregatedWideEpServingTest {
    static final ModelConfig TINY = WideEpServingTest.TINY;
    static final SystemSpec H100X4 = WideEpServingTest.H100X4;
    static final WideEpConfig NORMAL = new WideEpConfig(4, 4, EpMode.NORMAL, DType.FP8_E4M3, DType.BF16, 0, 1);
    static final WideEpConfig LL = WideEpServingTest.EP4;

    static WideEpIterationModel model() {
        return new WideEpIterationModel(TINY, DType.BF16, Routing.UNIFORM, 0, H100X4, RooflineCostModel.INSTANCE, NORMAL, LL);
    }

    /** A run of {@code requests} of 256 + {@code out} tokens, max batch 64, a token budget of 4 ranks x 512, KV for 2^20 tokens. */
    static SimulationResult run(ArrivalSpec arrival, int requests, int out, long kv) {
        ServingConfig cfg = new ServingConfig(arrival, requests, 256, out, LengthSpec.parse("fixed"), 64, 4 * 512, kv, 5, 3);
        return new ServingLoop(cfg, model(), H100X4, 0, kv, DType.BF16, 0, null, null, null, TINY.layers(), false)
                .run(new LinkedHashMap<>(), null, 0, null);
    }

    @Test
    void everyRequestsTokensAreProducedOnceAndNoIterationIsMixed() {
        // the wide-EP model refuses a mixed signature, so a finished run had none; Poisson arrivals overlap decodes and prompts
        for (double qps : new double[] {20, 200, 2000}) {
            SimulationResult r = run(new ArrivalSpec.Poisson(qps), 40, 16, 1 << 20);
            assertEquals(40, r.requestsCompleted());
            assertEquals(40L * 16, r.outputTokens(), "every request's output tokens once");
            assertEquals(40L * 256, r.promptTokens(), "every prompt token once");
            assertEquals(40L * 15, r.tbt().count(), "one gap per token after the first");
            assertEquals(40L, r.ttft().count());
        }
    }

    @Test
    void oneRequestWaitsForNothing() {
        // TTFT = one prefill step (one prompt of 256 on the busiest rank, normal mode); TPOT = the decode step of one sequence
        // per rank (ll mode) at the context 256 + 1 rounded to the 5 significant bits of the signature, 256 (steps of 16)
        WideEpModel prefill = new WideEpModel(TINY, H100X4, RooflineCostModel.INSTANCE, NORMAL);
        WideEpModel decode = new WideEpModel(TINY, H100X4, RooflineCostModel.INSTANCE, LL);
        GraphRequest p = model().request(new BatchSignature(0, 0, 1, 256));
        GraphRequest d = model().request(new BatchSignature(1, 256, 0, 0, 0));
        assertEquals(1, p.batch());
        assertEquals(1, d.batch());
        double prefillMs = Math.round(prefill.step(p).seconds() * 1e12) / 1e9;
        double decodeMs = Math.round(decode.step(d).seconds() * 1e12) / 1e9;
        for (int out : new int[] {2, 4}) {
            SimulationResult r = run(new ArrivalSpec.Closed(1), 1, out, 1 << 20);
            assertEquals(prefillMs, r.ttft().p50Ms(), 1e-9);
            assertEquals(decodeMs, r.tpot().p50Ms(), 1e-9);
            assertEquals(prefillMs + (out - 1) * decodeMs, r.e2e().p50Ms(), 1e-9);
            assertEquals(out, r.iterations(), "one prefill iteration, then one decode iteration per further token");
            assertTrue(prefillMs != decodeMs);
        }
    }

    /**
     * Up to 320 req/s a higher rate never lowers the mean TTFT (0.654 ms at 5 req/s to 0.931 at 320, when measured), and no rate
     * gives a first token faster than the nearly idle engine (5 req/s). Above that the mean dips (640 req/s 0.923 ms, 1280 req/s
     * 0.892): it did not before the LM head ran on the sampled rows only, whose weights a prefill iteration now reads once for
     * however many prompts it holds, so a burst's full prefill iterations cost less per prompt than a moderate rate's part-filled
     * ones. That reading was not traced through the iterations.
     */
    @Test
    void aHigherRateNeverLowersTheMeanTtftBeforeTheEngineSaturates() {
        double idle = 0;
        double last = 0;
        for (double qps : new double[] {5, 10, 20, 40, 80, 160, 320, 640, 1280}) {
            SimulationResult r = run(new ArrivalSpec.Poisson(qps), 60, 32, 1 << 20);
            double ttft = r.ttft().meanMs();
            idle = qps == 5 ? ttft : idle;
            assertTrue(ttft >= idle - 1e-9, qps + " req/s: mean TTFT " + ttft + " ms < " + idle + " at 5 req/s");
            if (qps <= 320) {
                assertTrue(ttft >= last - 1e-9, qps + " req/s: mean TTFT " + ttft + " ms < " + last);
            }
            last = ttft;
        }
    }

    @Test
    void aTightKvCacheIsNeverExceeded() {
        // room for 3 requests' prompts and outputs (3 x 272 = 816 of 900): prefill is preferred only while a prompt fits
        SimulationResult r = run(new ArrivalSpec.Poisson(1000), 20, 16, 900);
        assertEquals(20L * 16, r.outputTokens());
        assertTrue(r.peakKvTokens() <= 900, "peak KV " + r.peakKvTokens());
    }

    @Test
    void theFlopsAreTheSequencesWorkNotThePaddedShare() {
        // one sequence and four over four ranks both price one sequence per rank; the work done is 1 : 4
        WideEpIterationModel m = model();
        for (BatchSignature[] s : new BatchSignature[][] {
            {new BatchSignature(1, 256, 0, 0, 0), new BatchSignature(4, 256, 0, 0, 0)},
            {new BatchSignature(0, 0, 1, 256), new BatchSignature(0, 0, 4, 256)}}) {
            IterationOutcome one = m.get(s[0]);
            IterationOutcome four = m.get(s[1]);
            assertEquals(one.makespanPs(), four.makespanPs());
            long graph = GraphStats.of(GraphGenerator.generate(m.request(s[0]))).flops();
            assertEquals(graph, one.flops());
            assertEquals(4 * graph, four.flops());
        }
    }

    @Test
    void aPromptThatFitsRunsFirstAndAloneAndOneThatDoesNotLetsTheDecodesRun() {
        // KV for 250 tokens: A (100 + 10) and B (100 + 10) fit; C (100 + 10) does not beside them
        Scheduler s = new Scheduler(8, 1000, 250, false, true);
        s.separatePhases();
        Scheduler.TokenSink sink = g -> { };
        Sequence a = new Sequence(0, 0, 100, 10);
        Sequence b = new Sequence(1, 0, 100, 10);
        Sequence c = new Sequence(2, 0, 100, 10);
        s.arrive(a);
        Batch first = s.form(0);
        assertEquals(java.util.List.of(a), first.prefills);
        s.complete(first, 1, sink);
        s.arrive(b);
        Batch second = s.form(1);
        assertEquals(java.util.List.of(b), second.prefills, "the waiting prompt first");
        assertTrue(second.decodes.isEmpty(), "and alone: A does not decode beside it");
        s.complete(second, 2, sink);
        s.arrive(c);
        Batch third = s.form(2);
        assertTrue(third.prefills.isEmpty(), "C's prompt does not fit the KV beside A and B");
        assertEquals(java.util.List.of(a, b), third.decodes);
    }

    @Test
    void decodeSharesBelowTheThresholdRunAsOneBatch() {
        // two micro-batches in decode from 4 sequences per rank: a share of 2 runs whole, a share of 4 in halves; prefill
        // (two micro-batches) splits any even share
        WideEpConfig two = new WideEpConfig(4, 4, EpMode.LOW_LATENCY, DType.FP8_E4M3, DType.BF16, 0, 2);
        WideEpConfig twoNormal = new WideEpConfig(4, 4, EpMode.NORMAL, DType.FP8_E4M3, DType.BF16, 0, 2);
        WideEpIterationModel m = new WideEpIterationModel(TINY, DType.BF16, Routing.UNIFORM, 0, H100X4, RooflineCostModel.INSTANCE, twoNormal, two, 4);
        WideEpModel one = new WideEpModel(TINY, H100X4, RooflineCostModel.INSTANCE, LL);
        WideEpModel halves = new WideEpModel(TINY, H100X4, RooflineCostModel.INSTANCE, two);
        WideEpModel prefillHalves = new WideEpModel(TINY, H100X4, RooflineCostModel.INSTANCE, twoNormal);
        BatchSignature d2 = new BatchSignature(8, 256, 0, 0, 0);
        BatchSignature d4 = new BatchSignature(16, 256, 0, 0, 0);
        BatchSignature p2 = new BatchSignature(0, 0, 8, 256);
        assertEquals(Math.round(one.step(m.request(d2)).seconds() * 1e12), m.get(d2).makespanPs());
        assertEquals(Math.round(halves.step(m.request(d4)).seconds() * 1e12), m.get(d4).makespanPs());
        assertEquals(Math.round(prefillHalves.step(m.request(p2)).seconds() * 1e12), m.get(p2).makespanPs());
        assertTrue(Math.round(halves.step(m.request(d2)).seconds() * 1e12) != m.get(d2).makespanPs());
        assertThrows(SimulationException.class,
                () -> new WideEpIterationModel(TINY, DType.BF16, Routing.UNIFORM, 0, H100X4, RooflineCostModel.INSTANCE, twoNormal, two, 1));
    }

    @Test
    void prefillAndDecodeKeepOneExpertLayout() {
        WideEpConfig eplb = new WideEpConfig(4, 4, EpMode.LOW_LATENCY, DType.FP8_E4M3, DType.BF16, 4, 1);
        assertThrows(SimulationException.class,
                () -> new WideEpIterationModel(TINY, DType.BF16, Routing.UNIFORM, 0, H100X4, RooflineCostModel.INSTANCE, NORMAL, eplb));
    }
}
