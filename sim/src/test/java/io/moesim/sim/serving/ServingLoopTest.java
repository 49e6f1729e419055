package io.moesim.sim.serving;

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
        SimulationRequest r = SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").batch(16).requests(60).lengths(128, 40)
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
        SimulationRequest r = SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").batch(b).requests(40 * b).lengths(32, 16).build();
        SimulationResult res = run(r);
        // L = λ·W: requests in the system = completion rate × mean time in the system
        double l = res.requestsPerS() * res.e2e().meanMs() / 1000;
        assertEquals(b, l, 0.05 * b, "λ·W = " + l);
    }

    @Test
    void tinyKvCacheForcesPreemptionAndIsNeverExceeded() {
        SimulationRequest r = SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").batch(8).requests(24).lengths(64, 64)
                .kvCapacityTokens(3 * 128).build();
        SimulationResult res = run(r);
        assertTrue(res.preemptions() > 0, "preemptions " + res.preemptions());
        assertTrue(res.peakKvTokens() <= 3 * 128);
        assertEquals(24 * 64, res.outputTokens());
        assertTrue(res.promptTokens() > 24 * 64, "recomputed prompts add prefill work");
    }

    @Test
    void sameSeedGivesByteIdenticalJsonAndAnotherSeedDiffers() {
        SimulationRequest.Builder b = SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").qps(200).requests(50).lengths(96, 24)
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
        SimulationResult res = run(SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").qps(5).requests(100).lengths(64, 16).seed(5).build());
        assertEquals(100, res.requestsCompleted());
        assertEquals(5, res.requestsPerS(), 1.5);
        assertTrue(res.ttft().p50Ms() < 100);
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
