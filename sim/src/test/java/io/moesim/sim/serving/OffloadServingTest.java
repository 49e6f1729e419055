package io.moesim.sim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.MemoryTier;
import io.moesim.sim.SimulationException;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.Simulator;
import io.moesim.sim.metrics.SimulationResult;
import io.moesim.sim.offload.OffloadSpec;
import org.junit.jupiter.api.Test;

/** Serving runs with expert offloading (2-layer Mixtral on duplex-x4, closed loop: the same batches whatever the iteration times). */
class OffloadServingTest {
    private static SimulationResult run(long budgetBytes, String tier, OffloadSpec.Policy p) {
        SimulationRequest.Builder b = SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").batch(8).requests(24).lengths(128, 40).seed(5);
        if (budgetBytes > 0) {
            b.offload(new OffloadSpec(budgetBytes, MemoryTier.load(tier), p));
        }
        return Simulator.simulate(b.build(), ServingLoopTest.TINY, ServingLoopTest.SYSTEM, new StandInPlanner(ServingLoopTest.SYSTEM));
    }

    private static double bound(SimulationResult r) {
        return (Double) r.config().get("upper_bound_tokens_per_s");
    }

    @Test
    void theBoundSitsAboveTheSimulatedThroughputAndPrefetchBeatsOnDemand() {
        long half = 500_000_000L;
        SimulationResult plain = run(0, null, null);
        SimulationResult onDemand = run(half, "host", OffloadSpec.Policy.ONDEMAND);
        SimulationResult prefetch = run(half, "host", OffloadSpec.Policy.PREFETCH);
        for (OffloadSpec.Policy p : OffloadSpec.Policy.values()) {
            SimulationResult r = run(half, "host", p);
            assertTrue(bound(r) >= r.throughputTokensPerS(), p + ": " + bound(r) + " < " + r.throughputTokensPerS());
            assertTrue(r.throughputTokensPerS() < plain.throughputTokensPerS(), p + " fetches experts, so it is slower than all in HBM");
            assertTrue((Double) r.config().get("experts_offloaded_GB") > 3, r.config().toString());
        }
        System.out.printf("2-layer Mixtral on duplex-x4, 0.5 GB HBM per device: all in HBM %.1f tok/s, on-demand %.1f (bound %.1f), prefetch %.1f%n",
                plain.throughputTokensPerS(), onDemand.throughputTokensPerS(), bound(onDemand), prefetch.throughputTokensPerS());
        assertTrue(prefetch.throughputTokensPerS() >= onDemand.throughputTokensPerS());
        assertEquals(onDemand.outputTokens(), prefetch.outputTokens());
    }

    @Test
    void anFp8KvCacheHalvesTheBytesPerTokenAndDoublesTheCapacity() {
        io.moesim.ir.model.ModelConfig m = io.moesim.ir.model.ModelZoo.get("mixtral-8x7b");
        // by hand: K and V x 8 KV heads x 128 x 32 layers, 2 bytes in bf16, 1 in fp8
        assertEquals(131_072, Simulator.kvBytesPerToken(m, io.moesim.ir.DType.BF16));
        assertEquals(65_536, Simulator.kvBytesPerToken(m.withKvDtype(io.moesim.ir.DType.FP8_E4M3), io.moesim.ir.DType.BF16));
        SimulationRequest.Builder b = SimulationRequest.builder("Mixtral-8x7B", "duplex-x4").batch(8).requests(8).lengths(64, 8);
        SimulationResult bf16 = Simulator.simulate(b.build(), ServingLoopTest.TINY, ServingLoopTest.SYSTEM, new StandInPlanner(ServingLoopTest.SYSTEM));
        SimulationResult fp8 = Simulator.simulate(b.kvDtype("fp8").build(), ServingLoopTest.TINY, ServingLoopTest.SYSTEM,
                new StandInPlanner(ServingLoopTest.SYSTEM));
        assertEquals(2.0, (double) fp8.kvCapacityTokens() / bf16.kvCapacityTokens(), 1e-6);
        assertEquals("fp8e4m3", fp8.config().get("kv_dtype"));
    }

    @Test
    void moreHbmOrAFasterTierNeverSlowsARunDown() {
        double small = run(500_000_000L, "host", OffloadSpec.Policy.LRU).throughputTokensPerS();
        double large = run(1_000_000_000L, "host", OffloadSpec.Policy.LRU).throughputTokensPerS();
        double c2c = run(500_000_000L, "c2c", OffloadSpec.Policy.LRU).throughputTokensPerS();
        double nvme = run(500_000_000L, "nvme", OffloadSpec.Policy.LRU).throughputTokensPerS();
        assertTrue(large >= small, large + " < " + small);
        assertTrue(c2c >= small && small >= nvme, c2c + " / " + small + " / " + nvme);
    }

    @Test
    void aBudgetThatHoldsEveryExpertChangesNothingAndOneTooSmallIsAnError() {
        SimulationResult plain = run(0, null, null);
        SimulationResult roomy = run(80_000_000_000L, "host", OffloadSpec.Policy.ONDEMAND);
        assertEquals(0.0, (Double) roomy.config().get("offload_stall_s"));
        assertEquals(plain.throughputTokensPerS(), roomy.throughputTokensPerS(), 1e-9 * plain.throughputTokensPerS());
        SimulationException e = assertThrows(SimulationException.class, () -> run(50_000_000L, "host", OffloadSpec.Policy.LRU));
        assertTrue(e.getMessage().contains("--hbm-budget"), e.getMessage());
    }
}
