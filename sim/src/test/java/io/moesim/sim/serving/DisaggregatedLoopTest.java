package io.moesim.sim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.LinkSpec;
import io.moesim.hw.Links;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.Routing;
import io.moesim.sim.SimulationException;
import io.moesim.sim.energy.EnergyConstants;
import io.moesim.sim.energy.EnergyModel;
import io.moesim.sim.metrics.ResultJson;
import io.moesim.sim.metrics.SimulationResult;
import io.moesim.sim.system.CollectiveAlgorithm;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Disaggregated serving on a two-layer Mixtral (stand-in planner): conservation of tokens and KV
 * bytes, the transfer's exposed time by hand, speculation's counts, and the monotonic properties.
 */
public class DisaggregatedLoopTest {
    static final ModelConfig TINY = ServingLoopTest.tinyModel();
    static final SystemSpec H100X4 = Systems.load("h100x4");
    static final SystemSpec DUPLEX = Systems.load("duplex-x4");
    /** Hand figure: 2 layers x (K and V) x 8 KV heads x 128 head dim x 2 bytes (bf16). */
    static final long KV_BYTES_PER_TOKEN = 2L * 2 * 8 * 128 * 2;
    static final LinkSpec NVLINK4 = Links.load("nvlink4");

    static IterationCache cache(SystemSpec s) {
        return new IterationCache(TINY, TINY.weightDtype(), Routing.parse("uniform"), 0, s, new StandInPlanner(s), RooflineCostModel.INSTANCE,
                CollectiveAlgorithm.AUTO, new EnergyModel(s, EnergyConstants.defaults()));
    }

    record Setup(ArrivalSpec arrival, int requests, int in, int out, String lengths, int prefill, int decode, SystemSpec decodeSystem,
            LinkSpec link, boolean layerwise, double prefixHit, Speculation spec, long kvTokens) {
        Setup with(int prefillInstances, int decodeInstances) {
            return new Setup(arrival, requests, in, out, lengths, prefillInstances, decodeInstances, decodeSystem, link, layerwise, prefixHit, spec, kvTokens);
        }

        Setup hit(double r) {
            return new Setup(arrival, requests, in, out, lengths, prefill, decode, decodeSystem, link, layerwise, r, spec, kvTokens);
        }

        Setup spec(Speculation s) {
            return new Setup(arrival, requests, in, out, lengths, prefill, decode, decodeSystem, link, layerwise, prefixHit, s, kvTokens);
        }

        Setup overlap(boolean l) {
            return new Setup(arrival, requests, in, out, lengths, prefill, decode, decodeSystem, link, l, prefixHit, spec, kvTokens);
        }

        ServingConfig config() {
            return new ServingConfig(arrival, requests, in, out, LengthSpec.parse(lengths), 64, 2048, kvTokens, 5, 7);
        }
    }

    static Setup base() {
        return new Setup(new ArrivalSpec.Poisson(20), 40, 256, 32, "gaussian:0.3", 1, 1, H100X4, NVLINK4, true, 0, null, 1 << 20);
    }

    static DisaggregatedLoop.Outcome run(Setup s) {
        return run(s, null);
    }

    /** The same with {@code engine} (null: none, as under the ideal profile) on both pools. */
    static DisaggregatedLoop.Outcome run(Setup s, FrameworkProfile.Serving engine) {
        SystemSpec ds = s.decodeSystem();
        IterationModel draft = s.spec() != null && s.spec().method() == Speculation.Method.DRAFT ? cache(ds) : null;
        DisaggregatedLoop loop = new DisaggregatedLoop(s.config(),
                new DisaggregatedLoop.Pool("prefill", H100X4, cache(H100X4), s.prefill(), 64, s.kvTokens(), 0, engine, 0),
                new DisaggregatedLoop.Pool("decode", ds, cache(ds), s.decode(), 64, s.kvTokens(), 0, engine, 0),
                new DisaggregatedLoop.KvTransfer(s.link(), s.layerwise(), KV_BYTES_PER_TOKEN, TINY.layers()), s.prefixHit(), s.spec(), draft,
                new DisaggregatedLoop.Sla(50, 5), TINY.weightDtype());
        return loop.run(new java.util.LinkedHashMap<>(), null);
    }

    static List<Sequence> workload(Setup s) {
        return new ServingLoop(s.config(), null, H100X4, 0, s.kvTokens(), TINY.weightDtype()).workload();
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> section(DisaggregatedLoop.Outcome o, String key) {
        return (Map<String, Object>) o.sections().get(key);
    }

    @Test
    void everyTokenIsProducedOnceAndKvBytesSentEqualReceived() {
        Setup s = base().with(2, 3);
        DisaggregatedLoop.Outcome o = run(s);
        SimulationResult r = o.result();
        long in = 0;
        long out = 0;
        for (Sequence q : workload(s)) {
            in += q.in;
            out += q.out;
        }
        assertEquals(40, r.requestsCompleted());
        assertEquals(out, r.outputTokens());
        assertEquals(in, r.promptTokens(), "no preemption: every prompt token computed once");
        assertEquals(40, r.ttft().count());
        assertEquals(out - 40, r.tbt().count(), "one gap per token after the first");
        Map<String, Object> d = section(o, "disaggregation");
        assertEquals(in * KV_BYTES_PER_TOKEN, d.get("kv_bytes_sent"));
        assertEquals(d.get("kv_bytes_sent"), d.get("kv_bytes_received"));
        assertTrue(r.simulatedS() >= r.rooflineBoundS());
        assertTrue((Double) d.get("prefill_busy_fraction") <= 1 && (Double) d.get("decode_busy_fraction") <= 1);
    }

    @Test
    void oneRequestsTtftIsItsPrefillPlusTheTransferComputedByHand() {
        Setup s = new Setup(new ArrivalSpec.Closed(1), 1, 1024, 4, "fixed", 1, 1, H100X4, NVLINK4, false, 0, null, 1 << 20);
        DisaggregatedLoop.Outcome o = run(s);
        long prefillPs = cache(H100X4).get(new BatchSignature(0, 0, 1, 1024)).makespanPs();
        // 1024 tokens x 8192 B over 4 devices x 18 links x 25 GB/s (NVLink 4), one 5 us message, 1 us latency
        double wirePs = 1024.0 * 8192 / (4 * 18 * 25e9) * 1e12;
        long expected = prefillPs + Math.round(wirePs) + 5_000_000 + 1_000_000;
        assertEquals(expected / 1e9, o.result().ttft().p50Ms(), 1e-6);
        Map<String, Object> d = section(o, "disaggregation");
        assertEquals(450.0 * 4, (Double) d.get("kv_link_GBps"), 1e-9);
        // decode steps attend to the whole prompt: contexts 1025..1027, each 1024 at 5 significant bits (steps of 64)
        long stepPs = cache(H100X4).get(new BatchSignature(1, 1024, 0, 0, 0)).makespanPs();
        assertTrue(stepPs > cache(H100X4).get(new BatchSignature(1, 4, 0, 0, 0)).makespanPs(), "the premise: context costs time");
        assertEquals(stepPs / 1e9, o.result().tpot().p50Ms(), 1e-6);
        // layer by layer: only the last of the 2 layers' share is exposed when the prefill outlasts the transfer
        DisaggregatedLoop.Outcome layered = run(s.overlap(true));
        assertTrue(prefillPs / 2.0 > wirePs, "the premise: half the prefill outlasts the transfer");
        long expectedLayered = prefillPs + Math.round(wirePs) / 2 + 5_000_000 + 1_000_000;
        assertEquals(expectedLayered / 1e9, layered.result().ttft().p50Ms(), 1e-6);
    }

    @Test
    void bothPoolsPayTheEnginesWorkPerIterationAsTheAggregatedLoopDoes() {
        // 3 requests of 256 + 8 tokens at t = 0: one prefill iteration of 3 whole prompts, then each on its own decode
        // instance (3 instances) for 7 steps of 1 sequence. TensorRT-LLM's figures: a = 2090.6 us per iteration,
        // b = 8.547 us per sequence; by hand the prefill iteration costs a + 3b = 2116.241 us more and each decode step
        // a + b = 2099.147 us more, so every request's end-to-end time is 2116.241 + 7 x 2099.147 = 16810.270 us longer
        Setup s = new Setup(new ArrivalSpec.Closed(3), 3, 256, 8, "fixed", 1, 3, H100X4, NVLINK4, false, 0, null, 1 << 20);
        FrameworkProfile.Serving trtllm = new FrameworkProfile.Serving(2090.6, 8.547, true, false, 8192);
        DisaggregatedLoop.Outcome ideal = run(s);
        DisaggregatedLoop.Outcome engine = run(s, trtllm);
        assertEquals(2.116241, engine.result().ttft().p50Ms() - ideal.result().ttft().p50Ms(), 1e-6);
        assertEquals(2.116241, engine.result().ttft().maxMs() - ideal.result().ttft().maxMs(), 1e-6);
        assertEquals(2.099147, engine.result().tpot().p50Ms() - ideal.result().tpot().p50Ms(), 1e-6);
        assertEquals(16.810270, engine.result().e2e().maxMs() - ideal.result().e2e().maxMs(), 1e-6);
        assertEquals(16.810270, engine.result().simulatedS() * 1e3 - ideal.result().simulatedS() * 1e3, 1e-6);
        Map<String, Object> d = section(engine, "disaggregation");
        @SuppressWarnings("unchecked")
        Map<String, Object> p = (Map<String, Object>) d.get("prefill_engine_overhead");
        @SuppressWarnings("unchecked")
        Map<String, Object> dec = (Map<String, Object>) d.get("decode_engine_overhead");
        assertEquals(1L, p.get("iterations"));
        assertEquals(3L, p.get("sequence_iterations"));
        assertEquals(21L, dec.get("iterations"));
        assertEquals(21L, dec.get("sequence_iterations"));
        assertEquals((2116.241 + 21 * 2099.147) * 1e-6, (Double) p.get("total_s") + (Double) dec.get("total_s"), 1e-12);
        assertTrue(section(ideal, "disaggregation").get("decode_engine_overhead") == null, "no engine, no echo");
        assertEquals(ideal.result().outputTokens(), engine.result().outputTokens());
    }

    @Test
    void thePrefillPoolAdmitsWholePromptsUnderTheEnginesPolicy() {
        // token budget 2048 (the config's): 3 prompts of 768 at t = 0. Chunked (no engine): 768 + 768 + 512 of the third in the
        // first iteration, its last 256 in the second; whole prompts (TensorRT-LLM): 2 prompts (1536 tokens), then the third
        // alone, as 768 > 2048 - 1536: 2 iterations each, and the third's first token after both whole iterations
        Setup s = new Setup(new ArrivalSpec.Closed(3), 3, 768, 2, "fixed", 1, 1, H100X4, NVLINK4, false, 0, null, 1 << 20);
        FrameworkProfile.Serving whole = new FrameworkProfile.Serving(0, 0, true, false, 0);
        DisaggregatedLoop.Outcome chunked = run(s);
        DisaggregatedLoop.Outcome wholePrompts = run(s, whole);
        assertEquals(2L, section(chunked, "disaggregation").get("prefill_iterations"));
        assertEquals(2L, section(wholePrompts, "disaggregation").get("prefill_iterations"));
        long first = cache(H100X4).get(new BatchSignature(0, 0, 2, 768)).makespanPs();
        long third = cache(H100X4).get(new BatchSignature(0, 0, 1, 768)).makespanPs();
        double wirePs = 768.0 * 8192 / (4 * 18 * 25e9) * 1e12;
        assertEquals((first + third + Math.round(wirePs) + 5_000_000 + 1_000_000) / 1e9, wholePrompts.result().ttft().maxMs(), 1e-6);
    }

    @Test
    void slowerKvLinkRaisesTheTransferShareOfTtft() {
        DisaggregatedLoop.Outcome fast = run(base().overlap(false));
        Setup slow = new Setup(base().arrival(), 40, 256, 32, "gaussian:0.3", 1, 1, H100X4, Links.load("ib-ndr-400"), false, 0, null, 1 << 20);
        DisaggregatedLoop.Outcome ib = run(slow);
        assertTrue((Double) section(ib, "disaggregation").get("transfer_share_of_ttft")
                > (Double) section(fast, "disaggregation").get("transfer_share_of_ttft"));
        assertTrue(ib.result().ttft().meanMs() > fast.result().ttft().meanMs());
    }

    @Test
    void moreDecodeInstancesNeverLowerDecodeThroughput() {
        Setup offline = new Setup(new ArrivalSpec.Closed(120), 120, 64, 64, "fixed", 2, 1, H100X4, NVLINK4, true, 0, null, 1 << 20);
        double last = 0;
        for (int d = 1; d <= 4; d++) {
            DisaggregatedLoop.Outcome o = run(offline.with(2, d));
            double tps = (Double) section(o, "disaggregation").get("decode_tokens_per_s");
            assertTrue(tps >= last * (1 - 1e-9), d + " decode instances: " + tps + " < " + last);
            last = tps;
        }
    }

    @Test
    void higherPrefixHitNeverRaisesTtftAndSkipsThatPrefill() {
        double last = Double.POSITIVE_INFINITY;
        for (double hit : new double[] {0, 0.25, 0.5, 0.75, 0.9}) {
            Setup s = base().hit(hit);
            DisaggregatedLoop.Outcome o = run(s);
            long computed = 0;
            long sent = 0;
            for (Sequence q : workload(s)) {
                long h = Math.min((long) Math.floor(hit * q.in), q.in - 1);
                computed += q.in - h;
                sent += (q.in - h) * KV_BYTES_PER_TOKEN;
            }
            assertEquals(computed, o.result().promptTokens(), "hit " + hit);
            assertEquals(sent, section(o, "disaggregation").get("kv_bytes_sent"));
            double ttft = o.result().ttft().meanMs();
            assertTrue(ttft <= last * (1 + 1e-9), "hit " + hit + ": TTFT " + ttft + " > " + last);
            last = ttft;
        }
    }

    @Test
    void speculationAcceptsNoMoreThanProposedAndMatchesTheExpectedRate() {
        Speculation spec = new Speculation(Speculation.Method.MTP, 2, new double[] {0.5, 0.5}, null);
        Setup s = new Setup(new ArrivalSpec.Closed(32), 64, 64, 200, "fixed", 1, 1, H100X4, NVLINK4, true, 0, spec, 1 << 20);
        DisaggregatedLoop.Outcome o = run(s);
        Map<String, Object> sp = section(o, "speculation");
        long proposed = (Long) sp.get("proposed_tokens");
        long accepted = (Long) sp.get("accepted_tokens");
        long steps = (Long) sp.get("steps");
        assertTrue(accepted <= proposed);
        assertEquals(2 * steps, proposed);
        assertEquals(64L * 200, o.result().outputTokens(), "every request's tokens exactly once, never past L_out");
        // hand: E[accepted] = 0.5 + 0.5 x 0.5 = 0.75 per step; sd of one step's count is 0.83, so of the mean over steps 0.83/sqrt(steps)
        double mean = accepted / (double) steps;
        assertTrue(steps > 3000, "steps " + steps);
        assertEquals(0.75, mean, 4 * 0.83 / Math.sqrt(steps), "accepted per step");
        assertEquals(1.75, spec.expectedTokensPerStep(), 1e-12);
    }

    @Test
    void bothLoopsKeepTheSameSpeculativeAccountsForTheSameRequests() {
        // each request draws from its own seeded stream until it has its L_out tokens, whatever batch it runs in: the
        // aggregated loop and the disaggregated decode pool must count the same steps, proposals and acceptances
        Speculation spec = new Speculation(Speculation.Method.MTP, 3, new double[] {0.8, 0.6, 0.4}, null);
        Setup s = new Setup(new ArrivalSpec.Closed(8), 24, 128, 40, "gaussian:0.3", 1, 1, H100X4, NVLINK4, true, 0, spec, 1 << 20);
        Map<String, Object> dis = section(run(s), "speculation");
        ServingLoop agg = new ServingLoop(s.config(), cache(H100X4), H100X4, 0, 1 << 20, TINY.weightDtype(), 0, null, spec, null, TINY.layers());
        SimulationResult r = agg.run(Map.of(), null, 0, null);
        Map<String, Object> one = agg.speculationSection();
        for (String key : List.of("steps", "proposed_tokens", "accepted_tokens", "tokens_per_step")) {
            assertEquals(one.get(key), dis.get(key), key);
        }
        long out = 0;
        for (Sequence q : workload(s)) {
            out += q.out;
        }
        assertEquals(out, r.outputTokens());
        // the steps emit every token but each request's first (its prefill's)
        assertEquals((double) (out - 24), (Double) dis.get("tokens_per_step") * (Long) dis.get("steps"), 1e-6);
        assertTrue((Long) dis.get("accepted_tokens") <= (Long) dis.get("proposed_tokens"));
    }

    @Test
    void higherAcceptanceNeverLowersTokensPerSecond() {
        double last = 0;
        for (double a : new double[] {0, 0.3, 0.6, 0.9, 1.0}) {
            Speculation spec = new Speculation(Speculation.Method.MTP, 3, new double[] {a, a, a}, null);
            Setup s = new Setup(new ArrivalSpec.Closed(16), 32, 64, 128, "fixed", 1, 1, H100X4, NVLINK4, true, 0, spec, 1 << 20);
            double tps = run(s).result().throughputTokensPerS();
            assertTrue(tps >= last * (1 - 1e-9), "acceptance " + a + ": " + tps + " < " + last);
            last = tps;
        }
    }

    @Test
    void draftSpeculationCostsKDraftStepsPerStep() {
        Speculation mtp = new Speculation(Speculation.Method.MTP, 2, new double[] {0.7, 0.7}, null);
        Speculation draft = new Speculation(Speculation.Method.DRAFT, 2, new double[] {0.7, 0.7}, "mixtral-8x7b");
        Setup s = new Setup(new ArrivalSpec.Closed(8), 16, 64, 64, "fixed", 1, 1, H100X4, NVLINK4, true, 0, mtp, 1 << 20);
        DisaggregatedLoop.Outcome a = run(s);
        DisaggregatedLoop.Outcome b = run(s.spec(draft));
        // same seed, same acceptance: the same tokens per step; a draft as large as the target costs more than one extra layer
        assertEquals(section(a, "speculation").get("accepted_tokens"), section(b, "speculation").get("accepted_tokens"));
        assertTrue(b.result().simulatedS() > a.result().simulatedS());
    }

    @Test
    void duplexDecodePoolRunsAndSameSeedGivesTheSameJson() {
        Setup s = new Setup(new ArrivalSpec.Poisson(20), 30, 256, 32, "gaussian:0.3", 1, 1, DUPLEX, Links.load("ib-ndr-400"), true, 0, null, 1 << 20);
        DisaggregatedLoop.Outcome a = run(s);
        DisaggregatedLoop.Outcome b = run(s);
        assertEquals(ResultJson.toJson(a.result(), a.sections()), ResultJson.toJson(b.result(), b.sections()));
        assertEquals("duplex-x4", section(a, "disaggregation").get("decode_system"));
        assertTrue(section(a, "disaggregation").containsKey("decode_utilization"));
    }

    @Test
    void aRequestLargerThanADecodeInstanceIsBadInput() {
        Setup s = new Setup(new ArrivalSpec.Closed(1), 1, 1024, 64, "fixed", 1, 1, H100X4, NVLINK4, true, 0, null, 1000);
        assertThrows(SimulationException.class, () -> run(s));
    }

    @Test
    void aggregatedPrefixCachingSkipsPrefillAndNeverRaisesTtft() {
        double last = Double.POSITIVE_INFINITY;
        for (double hit : new double[] {0, 0.5, 0.9}) {
            ServingConfig cfg = new ServingConfig(new ArrivalSpec.Poisson(20), 40, 256, 32, LengthSpec.parse("fixed"), 64, 2048, 1 << 20, 5, 7);
            ServingLoop loop = new ServingLoop(cfg, cache(H100X4), H100X4, 0, 1 << 20, TINY.weightDtype(), hit);
            SimulationResult r = loop.run(Map.of(), null, 0, null);
            long h = (long) Math.floor(hit * 256);
            assertEquals(40 * (256 - h), r.promptTokens(), "hit " + hit);
            assertEquals(40L * 32, r.outputTokens());
            assertTrue(r.ttft().meanMs() <= last * (1 + 1e-9));
            last = r.ttft().meanMs();
        }
    }

    @Test
    void sharedPrefixLetsMoreRequestsFitTheKvCache() {
        // 8 requests of 200 + 50 tokens hold 200 + 49 KV tokens each at their last step (the last token never enters the
        // cache): 1992 on their own; with 150 of each prompt shared (resident once) 150 + 8 x (50 + 49) = 942, so a
        // 1000-token cache runs them all at once without preemption
        ServingConfig cfg = new ServingConfig(new ArrivalSpec.Closed(8), 8, 200, 50, LengthSpec.parse("fixed"), 8, 4096, 1000, 5, 7);
        SimulationResult plain = new ServingLoop(cfg, cache(H100X4), H100X4, 0, 1000, TINY.weightDtype(), 0).run(Map.of(), null, 0, null);
        SimulationResult shared = new ServingLoop(cfg, cache(H100X4), H100X4, 0, 1000, TINY.weightDtype(), 0.75).run(Map.of(), null, 0, null);
        assertTrue(plain.peakKvTokens() <= 1000, "without sharing they cannot all be resident");
        assertTrue(plain.simulatedS() > shared.simulatedS(), plain.simulatedS() + " vs " + shared.simulatedS());
        assertEquals(0, shared.preemptions());
        assertEquals(942, shared.peakKvTokens());
    }
}
