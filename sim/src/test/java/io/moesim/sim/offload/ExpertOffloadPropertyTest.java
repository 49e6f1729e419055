package io.moesim.sim.offload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Properties of the expert cache and its upper bound over random models, budgets, tiers, routings
 * and token sequences (QuickTheories; each example's figures come from its seed).
 */
class ExpertOffloadPropertyTest {

    /** A random offloading case; the same seed gives the same case. */
    private record Case(int layers, int moeLayers, int experts, int topK, long[] bytes, double[][] pop, long all, long cap, double bw, long lat,
            long[] tokens, long[] compute, long drawSeed) {

        static Case of(long seed) {
            SplittableRandom r = new SplittableRandom(seed);
            int moe = 1 + r.nextInt(6);
            int layers = moe + r.nextInt(3);
            int experts = 2 + r.nextInt(40);
            int topK = 1 + r.nextInt(Math.min(8, experts));
            long[] bytes = new long[moe];
            long base = 1 + r.nextLong(1L << 28);
            long all = 0;
            for (int l = 0; l < moe; l++) {
                bytes[l] = r.nextInt(3) == 0 ? 1 + r.nextLong(1L << 28) : base; // mixed formats now and then
                all += bytes[l] * experts;
            }
            double s = r.nextInt(3) == 0 ? 0 : r.nextDouble() * 2;
            double[][] pop = new double[moe][experts];
            for (int l = 0; l < moe; l++) {
                double sum = 0;
                for (int e = 0; e < experts; e++) {
                    pop[l][e] = Math.pow(1 + ((e * 7 + l * 3) % experts), -s);
                    sum += pop[l][e];
                }
                for (int e = 0; e < experts; e++) {
                    pop[l][e] /= sum;
                }
            }
            long cap = r.nextInt(5) == 0 ? 0 : r.nextLong(all + 1);
            double bw = 1e9 * (1 + r.nextDouble() * 500);
            long lat = r.nextLong(200_000_000L);
            int n = 1 + r.nextInt(30);
            long[] tokens = new long[n];
            long[] compute = new long[n];
            for (int i = 0; i < n; i++) {
                tokens[i] = 1 + r.nextLong(r.nextBoolean() ? 64 : 4096);
                compute[i] = 1 + r.nextLong(2_000_000_000L);
            }
            return new Case(layers, moe, experts, topK, bytes, pop, all, cap, bw, lat, tokens, compute, r.nextLong());
        }

        ExpertOffload model(OffloadSpec.Policy p, long capacity, double bandwidth, long latency) {
            return new ExpertOffload(p, layers, experts, topK, bytes, pop, capacity, bandwidth, latency, drawSeed, host());
        }

        /** A host CPU drawn from the case's seed: 1 to 300 TFLOP/s, 10 to 700 GB/s, 2 FLOP per token per weight byte, activations up to 64 KiB. */
        ExpertOffload.HostCpu host() {
            SplittableRandom r = new SplittableRandom(drawSeed ^ 77);
            long[] flops = new long[bytes.length];
            for (int l = 0; l < flops.length; l++) {
                flops[l] = 2 * bytes[l];
            }
            return new ExpertOffload.HostCpu(1e12 * (1 + r.nextDouble() * 299), 1e9 * (10 + r.nextDouble() * 690), flops, 1 + r.nextLong(1 << 16));
        }

        /** Total time of the iterations under p: compute + stalls. */
        long time(OffloadSpec.Policy p, long capacity, double bandwidth, long latency) {
            ExpertOffload o = model(p, capacity, bandwidth, latency);
            long t = 0;
            for (int i = 0; i < tokens.length; i++) {
                t += compute[i] + o.next(tokens[i], compute[i]).stallPs();
            }
            return t;
        }
    }

    @Test
    void theUpperBoundIsNeverBelowTheSimulatedThroughput() {
        qt().withExamples(400).forAll(longs().all()).checkAssert(seed -> {
            Case c = Case.of(seed);
            for (OffloadSpec.Policy p : OffloadSpec.Policy.values()) {
                ExpertOffload o = c.model(p, c.cap, c.bw, c.lat);
                for (int i = 0; i < c.tokens.length; i++) {
                    ExpertOffload.Step s = o.next(c.tokens[i], c.compute[i]);
                    // bound time <= simulated time, iteration by iteration, so bound throughput >= simulated throughput
                    assertTrue(s.boundPs() <= c.compute[i] + s.stallPs(), "seed " + seed + " " + p + " iteration " + i + ": " + s);
                    assertTrue(s.boundPs() >= c.compute[i]);
                }
            }
        });
    }

    @Test
    void moreHbmNeverLowersThroughput() {
        qt().withExamples(2000).forAll(longs().all()).checkAssert(seed -> {
            Case c = Case.of(seed);
            long more = c.cap + new SplittableRandom(seed ^ 5).nextLong(c.all - c.cap + 1);
            boolean equalSizes = java.util.Arrays.stream(c.bytes).distinct().count() == 1;
            for (OffloadSpec.Policy p : OffloadSpec.Policy.values()) {
                boolean cache = p == OffloadSpec.Policy.LRU || p == OffloadSpec.Policy.LFU;
                if (cache && !equalSizes) {
                    continue; // a byte-sized cache of unequal items is not a stack algorithm: no monotonicity to claim
                }
                assertTrue(c.time(p, more, c.bw, c.lat) <= c.time(p, c.cap, c.bw, c.lat), "seed " + seed + " " + p + ": " + c.cap + " -> " + more);
            }
        });
    }

    @Test
    void aFasterTierNeverRaisesLatency() {
        qt().withExamples(300).forAll(longs().all()).checkAssert(seed -> {
            Case c = Case.of(seed);
            SplittableRandom r = new SplittableRandom(seed ^ 9);
            double bw = c.bw * (1 + r.nextDouble() * 10);
            long lat = r.nextLong(c.lat + 1);
            for (OffloadSpec.Policy p : OffloadSpec.Policy.values()) {
                assertTrue(c.time(p, c.cap, bw, lat) <= c.time(p, c.cap, c.bw, c.lat), "seed " + seed + " " + p);
            }
        });
    }

    @Test
    void prefetchNeverLosesAgainstOnDemandAtTheSameBudget() {
        qt().withExamples(400).forAll(longs().all()).checkAssert(seed -> {
            Case c = Case.of(seed);
            assertTrue(c.time(OffloadSpec.Policy.PREFETCH, c.cap, c.bw, c.lat) <= c.time(OffloadSpec.Policy.ONDEMAND, c.cap, c.bw, c.lat), "seed " + seed);
        });
    }

    @Test
    void preGatedRoutingNeverLosesAgainstPrefetchOrOnDemand() {
        qt().withExamples(400).forAll(longs().all()).checkAssert(seed -> {
            Case c = Case.of(seed);
            long pregated = c.time(OffloadSpec.Policy.PREGATED, c.cap, c.bw, c.lat);
            assertTrue(pregated <= c.time(OffloadSpec.Policy.PREFETCH, c.cap, c.bw, c.lat), "seed " + seed);
            assertTrue(pregated <= c.time(OffloadSpec.Policy.ONDEMAND, c.cap, c.bw, c.lat), "seed " + seed);
        });
    }

    @Test
    void cpuExecutionNeverLosesAgainstOnDemandWhenItMayChoosePerExpert() {
        qt().withExamples(600).forAll(longs().all()).checkAssert(seed -> {
            Case c = Case.of(seed);
            assertTrue(c.time(OffloadSpec.Policy.CPU, c.cap, c.bw, c.lat) <= c.time(OffloadSpec.Policy.ONDEMAND, c.cap, c.bw, c.lat), "seed " + seed);
        });
    }

    @Test
    void aColdExpertRunsOnTheCpuWhenThatBeatsFetchingIt() {
        // by hand: 1 layer of 4 experts of 1 MB, top-1, 4 tokens, nothing cached, tier 1 GB/s with 1 us latency: on demand
        // fetches every active expert (1 ms each). A CPU of 1 TFLOP/s and 100 GB/s runs one 1 MB expert for one token in
        // max(2 MFLOP / 1 TFLOP/s, 1 MB / 100 GB/s) = 10 us plus 2 x 1 KB of activations over the tier (2 us):
        // every active expert goes to the CPU, the layer waits ~ (1 us + active x 12 us) - window instead of 1 us + active x 1 ms
        double[][] pop = {{.25, .25, .25, .25}};
        ExpertOffload onDemand = new ExpertOffload(OffloadSpec.Policy.ONDEMAND, 1, 4, 1, new long[] {1_000_000}, pop, 0, 1e9, 1_000_000, 3);
        ExpertOffload cpu = new ExpertOffload(OffloadSpec.Policy.CPU, 1, 4, 1, new long[] {1_000_000}, pop, 0, 1e9, 1_000_000, 3,
                new ExpertOffload.HostCpu(1e12, 1e11, new long[] {2_000_000}, 1000));
        ExpertOffload.Step a = onDemand.next(4, 1000);
        ExpertOffload.Step b = cpu.next(4, 1000);
        assertEquals(a.activeExperts(), b.activeExperts(), "the same activation draws");
        long n = a.activeExperts();
        assertTrue(n >= 1);
        assertEquals(1_000_000 + n * 1_000_000_000L, a.stallPs());
        assertEquals(n, cpu.cpuExperts());
        assertEquals(0, b.fetchedBytes());
        // expected tokens of an active expert: 4 x 0.25 / (1 - 0.75^4) = 1.4629...; CPU time per expert: 10 us weights-bound
        // + 2 x 1.4629 x 1000 B at 1 GB/s = 2.926 us; one 1 us latency; window 1000 ps
        double perExpert = 10e6 + 2 * 4 * 0.25 / (1 - Math.pow(0.75, 4)) * 1000 * 1000;
        assertEquals(1_000_000 + n * perExpert - 1000, b.stallPs(), n * 2.0);
        assertTrue(b.boundPs() <= 1000 + b.stallPs());
    }

    @Test
    void allInHbmNeverStallsAndNothingInHbmFetchesEveryActiveExpert() {
        Case c = Case.of(42);
        for (OffloadSpec.Policy p : OffloadSpec.Policy.values()) {
            assertEquals(0, c.time(p, c.all, c.bw, c.lat) - java.util.Arrays.stream(c.compute).sum(), p.toString());
        }
        // by hand: 2 layers of 4 experts, top-1, 100 tokens: every expert is active (1 - 0.75^100 ~ 1); nothing cached:
        // each layer fetches 4 x 1000 bytes at 1 GB/s (4 us) after a 1 us latency: stall 2 x 5 us
        ExpertOffload o = new ExpertOffload(OffloadSpec.Policy.ONDEMAND, 2, 4, 1, new long[] {1000, 1000}, new double[][] {{.25, .25, .25, .25},
            {.25, .25, .25, .25}}, 0, 1e9, 1_000_000, 1);
        ExpertOffload.Step s = o.next(100, 1);
        assertEquals(8, s.activeExperts());
        assertEquals(10_000_000, s.stallPs());
        assertEquals(8000, s.fetchedBytes());
        assertEquals(8_000_000, s.boundPs()); // 8000 bytes that cannot be resident, at 1 GB/s
    }
}
