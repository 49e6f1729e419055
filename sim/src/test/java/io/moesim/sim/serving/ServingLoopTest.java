package io.moesim.sim.serving;

import io.moesim.compiler.cost.RooflineCostModel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.Simulator;
import io.moesim.sim.metrics.ResultJson;
import io.moesim.sim.metrics.SimulationResult;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

public class ServingLoopTest {
    static final SystemSpec SYSTEM = Systems.load("duplex-x4");
    static final ModelConfig TINY = ModelZoo.get("Mixtral-8x7B").withLayers(2);

    public static ModelConfig tinyModel() {
        return TINY;
    }

    public static SystemSpec system() {
        return SYSTEM;
    }

    static SimulationResult run(SimulationRequest r) {
        return Simulator.simulate(r, TINY, SYSTEM, new StandInPlanner(SYSTEM));
    }

    @Test
    void everyRequestFinishesAndGeneratesItsOutputLength() {
        SimulationRequest r = SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").costModel(RooflineCostModel.INSTANCE).batch(16).requests(60).lengths(128, 40)
                .lengths("gaussian:0.3").seed(3).build();
        SimulationResult res = run(r);
        ServingConfig cfg = new ServingConfig(new ArrivalSpec.Closed(16), 60, 128, 40, LengthSpec.parse("gaussian:0.3"), 16, 2048, 1 << 20, 5, 3);
        long expectedOut = 0;
        long expectedIn = 0;
        for (Sequence s : new ServingLoop(cfg, null, SYSTEM, 0, 1 << 20, TINY.weightDtype()).workload()) {
            expectedOut += s.out;
            expectedIn += s.in;
        }
        assertEquals(60, res.requestsCompleted());
        assertEquals(expectedOut, res.outputTokens());
        assertEquals(expectedIn, res.promptTokens(), "no preemption, so every prompt token is computed once");
        assertEquals(60, res.ttft().count());
        assertEquals(expectedOut - 60, res.tbt().count(), "one gap per token after the first");
        assertTrue(res.ttft().p50Ms() <= res.e2e().p50Ms());
        assertTrue(res.simulatedS() >= res.rooflineBoundS());
        assertTrue(res.energyJPerToken() > 0);
        assertTrue(res.utilization().get("xpu") > 0 && res.utilization().get("xpu") <= 1);
    }

    @Test
    void closedLoopObeysLittlesLaw() {
        int b = 8;
        SimulationRequest r = SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").costModel(RooflineCostModel.INSTANCE).batch(b).requests(40 * b).lengths(32, 16).build();
        SimulationResult res = run(r);
        // L = λ·W: requests in the system = completion rate × mean time in the system
        double l = res.requestsPerS() * res.e2e().meanMs() / 1000;
        assertEquals(b, l, 0.05 * b, "λ·W = " + l);
    }

    @Test
    void tinyKvCacheForcesPreemptionAndIsNeverExceeded() {
        SimulationRequest r = SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").costModel(RooflineCostModel.INSTANCE).batch(8).requests(24).lengths(64, 64)
                .kvCapacityTokens(3 * 128).build();
        SimulationResult res = run(r);
        assertTrue(res.preemptions() > 0, "preemptions " + res.preemptions());
        assertTrue(res.peakKvTokens() <= 3 * 128);
        assertEquals(24 * 64, res.outputTokens());
        assertTrue(res.promptTokens() > 24 * 64, "recomputed prompts add prefill work");
    }

    @Test
    void sameSeedGivesByteIdenticalJsonAndAnotherSeedDiffers() {
        SimulationRequest.Builder b = SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").costModel(RooflineCostModel.INSTANCE).qps(200).requests(50).lengths(96, 24)
                .lengths("gaussian:0.2").routing("zipf:1.1");
        String a1 = ResultJson.toJson(run(b.seed(11).build()).withoutWall());
        String a2 = ResultJson.toJson(run(b.seed(11).build()).withoutWall());
        String c = ResultJson.toJson(run(b.seed(12).build()).withoutWall());
        assertEquals(a1, a2);
        assertNotEquals(a1, c);
        assertTrue(a1.contains("\"throughput_tokens_per_s\"") && a1.contains("\"p99\"") && !a1.contains("sim_wall_s"));
        assertTrue(ResultJson.toJson(run(b.seed(11).build())).contains("sim_wall_s"));
    }

    @Test
    void openLoopUnderLightLoadServesAtTheArrivalRate() {
        SimulationResult res = run(SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").costModel(RooflineCostModel.INSTANCE).qps(5).requests(100).lengths(64, 16).seed(5).build());
        assertEquals(100, res.requestsCompleted());
        assertEquals(5, res.requestsPerS(), 1.5);
        assertTrue(res.ttft().p50Ms() < 100);
    }

    /**
     * Offline: every request queued at t = 0, so with a batch and token budget that hold them all, the
     * first iteration prefills every prompt and yields every first token together; each request then
     * decodes one token per iteration, so all finish in the same L_out iterations.
     */
    @Test
    void offlineQueuesEveryRequestAtTimeZero() {
        SimulationRequest r = SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").costModel(RooflineCostModel.INSTANCE).offline().requests(12).maxBatch(64).lengths(32, 8)
                .tokenBudget(12 * 32).build();
        SimulationResult res = run(r);
        assertEquals("offline", res.config().get("mode"));
        assertEquals(12, res.requestsCompleted());
        assertEquals(8, res.iterations(), "1 prefill iteration (with the first token) + 7 decode iterations");
        assertEquals(res.ttft().p50Ms(), res.ttft().maxMs(), 1e-12, "all first tokens come out of the same iteration");
        assertEquals(res.e2e().p50Ms(), res.e2e().maxMs(), 1e-12);
        // TPOT of each request = (finish - first token) / (L_out - 1) = the mean gap, the same for all requests
        assertEquals(12, res.tpot().count());
        assertEquals(res.tbt().meanMs(), res.tpot().meanMs(), 1e-9);
        assertEquals((res.e2e().meanMs() - res.ttft().meanMs()) / 7, res.tpot().meanMs(), 1e-9);
    }

    /** The engine limits bound each iteration: a token budget of one prompt admits one new request per iteration. */
    @Test
    void offlineTokenBudgetAndMaxBatchBoundTheBatch() {
        SimulationResult one = run(SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").costModel(RooflineCostModel.INSTANCE).offline().requests(4).maxBatch(64).lengths(32, 2)
                .tokenBudget(33).build());
        // iteration k (k = 1..4) prefills request k (32 tokens) beside the decodes of the earlier ones; request 4
        // decodes its last token in iteration 5
        assertEquals(5, one.iterations());
        SimulationResult narrow = run(SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").costModel(RooflineCostModel.INSTANCE).offline().requests(4).maxBatch(2).lengths(32, 2)
                .tokenBudget(4096).build());
        // two at a time: (prefill 1,2) (decode 1,2 -> done) (prefill 3,4) (decode 3,4)
        assertEquals(4, narrow.iterations());
    }

    /**
     * TensorRT-LLM sizes the KV cache as a fraction of what a device finds free after its weights and its largest iteration's
     * activations, and every rank keeps its share of every token's KV, so the pool is the fullest device's room times the
     * devices: tokens = F x devices x (capacity - fullest) / KV bytes per token, recomputed here, the capacity the total the
     * driver reports.
     */
    @Test
    void kvFractionSizesTheCacheFromTheFullestDevice() {
        ModelConfig m = ModelZoo.get("Mixtral-8x7B");
        io.moesim.ir.DType dt = io.moesim.ir.DType.FP8_E4M3;
        SystemSpec h = Systems.load("h100x2");
        long fullest = 25_000_000_000L; // a device holding 25 GB of weights and activations
        double total = 81559.0 * (1 << 20); // the driver's total of an H100 (nvidia-smi: 81,559 MiB), not the datasheet's 80e9
        // per layer: K and V x 8 KV heads x 128 dims, 32 layers, 1 byte each
        double perToken = 2 * 8 * 128 * 32;
        long expected = (long) (0.9 * 2 * (total - fullest) / perToken);
        assertEquals(expected, Simulator.kvFractionTokens(m, dt, h, 0.9, fullest, 30), 1);
        assertTrue(Simulator.kvFractionTokens(m, dt, h, 0.95, fullest, 30) > expected);
        // a fuller device (4 GB more) leaves every rank less
        long fuller = (long) (0.9 * 2 * (total - fullest - 4e9) / perToken);
        assertEquals(fuller, Simulator.kvFractionTokens(m, dt, h, 0.9, fullest + 4_000_000_000L, 5), 1);
        // at F = 1 the signature rounding (up to 2^-5 above the true context) keeps 1/33 of the free memory back
        long full = (long) (2 * (total - fullest) / (1 + 1.0 / 32) / perToken);
        assertEquals(full, Simulator.kvFractionTokens(m, dt, h, 1.0, fullest, 5), 1);
        // a device with no room left: an error naming the system
        io.moesim.sim.SimulationException e = org.junit.jupiter.api.Assertions.assertThrows(io.moesim.sim.SimulationException.class,
                () -> Simulator.kvFractionTokens(m, dt, h, 0.9, (long) total, 5));
        assertTrue(e.getMessage().contains("h100x2") && e.getMessage().contains("no room for a KV cache"), e.getMessage());
    }

    @Test
    void histogramLengthsDrawRowsByWeight(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws java.io.IOException {
        java.nio.file.Path f = dir.resolve("hist.txt");
        java.nio.file.Files.writeString(f, "# L_in L_out weight\n100 10 3\n200 20 1\n300 30 0\n");
        LengthSpec spec = LengthSpec.parse("file:" + f);
        SplittableRandom rnd = new SplittableRandom(4);
        int first = 0;
        int n = 40_000;
        for (int i = 0; i < n; i++) {
            int[] len = spec.draw(i, 1, 1, rnd);
            assertTrue(len[0] != 300, "a weight of 0 is never drawn");
            assertEquals(len[0] / 10, len[1]);
            first += len[0] == 100 ? 1 : 0;
        }
        assertEquals(0.75, first / (double) n, 0.01, "weight 3 of 4");
        java.nio.file.Files.writeString(f, "100 10\n200 20\n");
        assertEquals(List.of(200, 20), java.util.Arrays.stream(LengthSpec.parse("file:" + f).draw(3, 1, 1, rnd)).boxed().toList(), "pairs in order, cycled");
    }

    @Test
    void quantisationErrorIsBoundedBySignificantBits() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (int bits : new int[] {3, 5, 8}) {
            for (int i = 0; i < 10_000; i++) {
                long x = rnd.nextLong(1, 1L << 40);
                long q = BatchSignature.quantise(x, bits);
                assertTrue(Math.abs(q - x) <= Math.scalb((double) x, -bits), x + " -> " + q);
            }
        }
        assertEquals(List.of(31L, 32L, 1024L), List.of(BatchSignature.quantise(31, 5), BatchSignature.quantise(32, 5),
                BatchSignature.quantise(1040, 5)));
    }
}
