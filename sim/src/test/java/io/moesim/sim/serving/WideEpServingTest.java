package io.moesim.sim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.Links;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelStats;
import io.moesim.ir.model.Phase;
import io.moesim.ir.model.Routing;
import io.moesim.sim.SimulationException;
import io.moesim.sim.Simulator;
import io.moesim.sim.metrics.SimulationResult;
import io.moesim.sim.widep.EpMode;
import io.moesim.sim.widep.WideEpConfig;
import io.moesim.sim.widep.WideEpModel;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A serving run under wide EP: disaggregated pools of a two-layer Mixtral on h100x4 each, attention DP 4 = EP 4,
 * every iteration priced by the wide-EP step model (roofline pricing, for speed).
 */
class WideEpServingTest {
    static final ModelConfig TINY = ServingLoopTest.tinyModel();
    static final SystemSpec H100X4 = Systems.load("h100x4");
    static final WideEpConfig EP4 = new WideEpConfig(4, 4, EpMode.LOW_LATENCY, DType.FP8_E4M3, DType.BF16, 0, 1);

    static WideEpIterationModel model() {
        return new WideEpIterationModel(TINY, DType.BF16, Routing.UNIFORM, 0, H100X4, RooflineCostModel.INSTANCE, EP4);
    }

    static DisaggregatedLoop.Outcome run(ArrivalSpec arrival, int requests, int out, int decodeInstances, Speculation spec) {
        ServingConfig cfg = new ServingConfig(arrival, requests, 256, out, LengthSpec.parse("fixed"), 64, 8192, 1 << 20, 5, 3);
        DisaggregatedLoop loop = new DisaggregatedLoop(cfg,
                new DisaggregatedLoop.Pool("prefill", H100X4, model(), 1, 64, 1 << 20, 0),
                new DisaggregatedLoop.Pool("decode", H100X4, model(), decodeInstances, 64, 1 << 20, 0),
                new DisaggregatedLoop.KvTransfer(Links.load("ib-ndr-400"), false, Simulator.kvBytesPerToken(TINY, DType.BF16), TINY.layers()),
                0, spec, null, DisaggregatedLoop.Sla.NONE, DType.BF16);
        return loop.run(new LinkedHashMap<>(), null);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> dis(DisaggregatedLoop.Outcome o) {
        return (Map<String, Object>) o.sections().get("disaggregation");
    }

    @Test
    void aServingRunUnderWideEpProducesEveryTokenOnceWithTtftAndTpot() {
        DisaggregatedLoop.Outcome o = run(new ArrivalSpec.Poisson(50), 40, 16, 1, null);
        SimulationResult r = o.result();
        assertEquals(40, r.requestsCompleted());
        assertEquals(40L * 16, r.outputTokens());
        assertEquals(40L * 256, r.promptTokens());
        assertEquals(dis(o).get("kv_bytes_sent"), dis(o).get("kv_bytes_received"));
        assertTrue(r.ttft().p50Ms() > 0 && r.tpot().p50Ms() > 0);
    }

    @Test
    void oneDecodeStepIsTheBusiestRanksShapeUnderWideEp() {
        // 6 requests at t = 0 decode together: 6 sequences over 4 DP ranks, the busiest rank holds 2; one request alone: 1.
        // Each step is the wide-EP step of that per-rank shape at the (quantised) context: 256 prompt + 1..3 tokens, at 5
        // significant bits 256 (steps of 16 there), for the 3 steps of out = 4
        WideEpModel wide = new WideEpModel(TINY, H100X4, RooflineCostModel.INSTANCE, EP4);
        for (int[] c : new int[][] {{6, 2}, {1, 1}}) {
            DisaggregatedLoop.Outcome o = run(new ArrivalSpec.Closed(c[0]), c[0], 4, 1, null);
            WideEpModel.Step step = wide.step(model().request(new BatchSignature(c[0], 256, 0, 0, 0)));
            assertEquals(c[1], model().request(new BatchSignature(c[0], 256, 0, 0, 0)).batch());
            GraphRequest g = model().request(new BatchSignature(c[0], 256, 0, 0, 0));
            assertEquals(Phase.DECODE, g.phase());
            // the KV of the 6 arrives request by request, so the first step is shorter and late arrivals wait for it; the
            // later steps, most of the gaps, are the 6-sequence step
            assertEquals(step.seconds() * 1e3, o.result().tbt().p50Ms(), 1e-6, c[0] + " requests");
        }
    }

    @Test
    void moreDecodeInstancesNeverLowerDecodeThroughputAndHigherAcceptanceNeverLowersTokensPerS() {
        double last = 0;
        for (int d = 1; d <= 3; d++) {
            double tps = (Double) dis(run(new ArrivalSpec.Closed(48), 48, 32, d, null)).get("decode_tokens_per_s");
            assertTrue(tps >= last * (1 - 1e-9), d + " decode instances: " + tps + " < " + last);
            last = tps;
        }
        last = 0;
        for (double a : new double[] {0, 0.5, 0.9}) {
            Speculation spec = new Speculation(Speculation.Method.MTP, 1, new double[] {a}, null);
            DisaggregatedLoop.Outcome o = run(new ArrivalSpec.Closed(16), 16, 32, 1, spec);
            assertEquals(16L * 32, o.result().outputTokens());
            double tps = o.result().throughputTokensPerS();
            assertTrue(tps >= last * (1 - 1e-9), "acceptance " + a + ": " + tps + " < " + last);
            last = tps;
        }
    }

    @Test
    void twoMicroBatchesSplitAnEvenShareAndAnOddShareRunsWhole() {
        WideEpConfig two = EP4.withMicroBatches(2);
        WideEpIterationModel m = new WideEpIterationModel(TINY, DType.BF16, Routing.UNIFORM, 0, H100X4, RooflineCostModel.INSTANCE, two);
        BatchSignature odd = new BatchSignature(12, 512, 0, 0, 0); // 3 per rank
        BatchSignature even = new BatchSignature(16, 512, 0, 0, 0); // 4 per rank
        WideEpModel one = new WideEpModel(TINY, H100X4, RooflineCostModel.INSTANCE, EP4);
        WideEpModel halves = new WideEpModel(TINY, H100X4, RooflineCostModel.INSTANCE, two);
        assertEquals(Math.round(one.step(m.request(odd)).seconds() * 1e12), m.get(odd).makespanPs());
        assertEquals(Math.round(halves.step(m.request(even)).seconds() * 1e12), m.get(even).makespanPs());
    }

    @Test
    void aMixedIterationIsRefused() {
        assertThrows(SimulationException.class, () -> model().get(new BatchSignature(4, 300, 1, 128)));
    }

    @Test
    void kvCapacityKeepsTheNonExpertWeightsOnEveryRank() {
        // sharded over 4 devices the weights are held once; under DP 4 the non-expert ones are held 4 times: the capacity
        // is 3 x (total - routed) x 2 bytes / 8192 KV bytes per token lower (routed: 2 layers x 8 experts x 3 x 4096 x 14336)
        long routed = 2L * 8 * 3 * 4096 * 14336;
        long nonRouted = ModelStats.of(TINY).total() - routed;
        long kvBytes = Simulator.kvBytesPerToken(TINY, DType.BF16);
        assertEquals(8192, kvBytes);
        long sharded = Simulator.kvCapacityTokens(TINY, DType.BF16, H100X4);
        long wide = WideEpIterationModel.kvCapacityTokens(TINY, DType.BF16, H100X4, EP4, Simulator.MEMORY_UTILIZATION, kvBytes);
        assertEquals(3.0 * nonRouted * 2 / 8192, sharded - wide, 1.0);
    }
}
