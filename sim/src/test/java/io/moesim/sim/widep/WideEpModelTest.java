package io.moesim.sim.widep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.model.Phase;
import io.moesim.ir.model.Routing;
import io.moesim.sim.SimulationException;
import org.junit.jupiter.api.Test;

/**
 * Wide EP on DeepSeek-V3 over h800x32 (EP 32, 4 nodes), priced by the roofline so that a prefill's
 * expert FFNs are compute bound and their time is proportional to their tokens: the expected figures
 * then follow from the routing's counts by hand.
 */
class WideEpModelTest {
    private static final ModelConfig DSV3 = ModelZoo.get("deepseek-v3");
    private static final SystemSpec H800X32 = Systems.load("h800x32");

    /** Per rank: 4 prompts of 4096 tokens (16,384 tokens; 524,288 over 32 ranks). */
    private static GraphRequest prefill(Routing r) {
        return new GraphRequest(DSV3, Phase.PREFILL, 4, 4096, 4096, 0, DType.BF16, r, 7);
    }

    private static WideEpModel model(int slots, int microBatches) {
        return new WideEpModel(DSV3, H800X32, RooflineCostModel.INSTANCE,
                new WideEpConfig(32, 32, EpMode.NORMAL, DType.FP8_E4M3, DType.BF16, slots, microBatches));
    }

    /** Hand: the contiguous layout puts experts 8r..8r+7 on rank r. */
    private static double handMaxOverMean(long[] counts) {
        long max = 0;
        long sum = 0;
        for (int r = 0; r < 32; r++) {
            long l = 0;
            for (int e = 8 * r; e < 8 * r + 8; e++) {
                l += counts[e];
            }
            max = Math.max(max, l);
            sum += l;
        }
        return max / (sum / 32.0);
    }

    @Test
    void theVerifierReadsEachSequencesKvOnce() {
        // Mixtral (GQA, 8 KV heads: a decode's attention is memory bound, about 4 FLOP per KV byte per query) on h800x8, EP 8,
        // 64 sequences per rank at 4,096 keys, MTP k = 1, roofline pricing. A verifier that runs 2 x 64 single-token decodes
        // reads every KV twice: its attention part exceeds the plain step's by one more read of 64 x 4,097 keys x 4 KiB
        // (the weights are read once either way). The decode-shaped verifier (2 query rows per sequence) reads each KV once,
        // so it adds far less than that: under a tenth of it.
        ModelConfig mixtral = ModelZoo.get("mixtral-8x7b");
        SystemSpec h800x8 = Systems.load("h800x8");
        WideEpModel wide = new WideEpModel(mixtral, h800x8, RooflineCostModel.INSTANCE,
                new WideEpConfig(8, 8, EpMode.LOW_LATENCY, DType.FP8_E4M3, DType.BF16, 0, 1));
        WideEpModel.Step plain = wide.step(new GraphRequest(mixtral, Phase.DECODE, 64, 1, 4096, 0, DType.BF16, Routing.UNIFORM, 7));
        WideEpModel.Step twice = wide.step(new GraphRequest(mixtral, Phase.DECODE, 128, 1, 4097, 0, DType.BF16, Routing.UNIFORM, 7));
        WideEpModel.Step verify = wide.step(WideEpRun.verifier(mixtral, 64, 4096, 1, DType.BF16, Routing.UNIFORM, 7));
        double extraRead = twice.attentionPerLayerS() - plain.attentionPerLayerS();
        double kvRead = 64.0 * 4097 * 2 * 8 * 128 * 2 / (h800x8.device().memory().hbmBandwidthGBps() * 1e9);
        assertEquals(kvRead, extraRead, 0.05 * kvRead, "the premise: a second read of the KV is what the doubled batch adds");
        assertTrue(verify.attentionPerLayerS() - plain.attentionPerLayerS() < 0.1 * extraRead,
                verify.attentionPerLayerS() + " vs plain " + plain.attentionPerLayerS() + " and doubled " + twice.attentionPerLayerS());
        assertEquals(2L * 64, verify.tokensPerRank(), "the verifier's rows: (k + 1) x the sequences");
        assertEquals(2L * 64 * 8 * 2, verify.dispatchedCopies(), "(k + 1) x 64 rows x 8 ranks x top-2 copies");
    }

    @Test
    void tokensDispatchedEqualTokensCombinedEqualTokensTimesTopK() {
        for (Routing r : new Routing[] {Routing.UNIFORM, new Routing.Zipf(1.2)}) {
            for (int slots : new int[] {0, 32}) {
                WideEpModel.Step s = model(slots, 1).step(prefill(r));
                long expected = 524_288L * 8;
                assertEquals(524_288L, s.globalTokens());
                assertEquals(expected, s.dispatchedCopies(), r + " slots " + slots);
                assertEquals(expected, s.combinedCopies(), r + " slots " + slots);
            }
        }
    }

    @Test
    void skewedRoutingLengthensTheExpertPartByTheMaxOverMeanLoad() {
        Routing zipf = new Routing.Zipf(1.2);
        long[] counts = zipf.counts(256, 8, 524_288, 7);
        double ratio = handMaxOverMean(counts);
        assertTrue(ratio > 1.5, "zipf 1.2 is skewed: " + ratio);
        WideEpModel.Step u = model(0, 1).step(prefill(Routing.UNIFORM));
        WideEpModel.Step z = model(0, 1).step(prefill(zipf));
        assertEquals(1.0, u.maxOverMeanLoad(), 1e-12, "uniform: 4,194,304 copies / 256 experts = 16,384 each");
        assertEquals(ratio, z.maxOverMeanLoad(), 1e-12);
        // compute bound, flops proportional to tokens: the slowest rank's experts take ratio x the even share
        assertEquals(ratio, z.expertMaxS() / u.expertMaxS(), 1e-9);
        assertEquals(u.expertMaxS(), z.expertMeanS(), u.expertMaxS() * 1e-9, "the mean rank does the uniform work");
        // the rest of the layer is the same; the step grows by at least the experts' growth (the skewed rank also receives more)
        assertEquals(u.attentionPerLayerS(), z.attentionPerLayerS(), 1e-15);
        assertTrue(z.seconds() - u.seconds() >= u.moeLayers() * (z.expertMaxS() - u.expertMaxS()) - 1e-12);
        assertTrue(z.dispatchS() > u.dispatchS());
    }

    @Test
    void moreRedundantSlotsNeverRaiseTheStepAndManyBringTheRatioNearOne() {
        Routing zipf = new Routing.Zipf(1.2);
        double prevStep = Double.MAX_VALUE;
        double prevRatio = Double.MAX_VALUE;
        double first = 0;
        for (int slots : new int[] {0, 32, 64, 96, 128, 256, 512, 1024, 1792}) {
            WideEpModel.Step s = model(slots, 1).step(prefill(zipf));
            assertEquals(slots, s.redundantSlots());
            assertTrue(s.usedRedundantSlots() <= slots);
            assertTrue(s.seconds() <= prevStep * (1 + 1e-12), slots + " slots: " + s.seconds() + " > " + prevStep);
            assertTrue(s.maxOverMeanLoad() <= prevRatio + 1e-12, slots + " slots: ratio " + s.maxOverMeanLoad() + " > " + prevRatio);
            prevStep = s.seconds();
            prevRatio = s.maxOverMeanLoad();
            if (slots == 0) {
                first = s.maxOverMeanLoad();
            }
        }
        assertTrue(first > 1.5);
        assertTrue(prevRatio < 1.02, "1792 redundant slots (64 per rank): max/mean " + prevRatio);
    }

    @Test
    void eplbReplicatesTheHotExpertAndPacksGreedilyAsHandComputed() {
        // loads 8,4,2,2; 2 redundant slots both go to expert 0 (8/1, then 4/2 ties expert 1's 4/1: the first keeps it)
        ExpertLayout l = ExpertLayout.eplb(new long[] {8, 4, 2, 2}, 2, 2);
        assertEquals(3, l.replicas()[0]);
        assertEquals(1, l.replicas()[1]);
        // replicas by weight: e1 (4), e0 (8/3) x3, e2 (2), e3 (2) -> r0 {e1, e0, e3}, r1 {e0, e0, e2}
        assertEquals("[1, 0, 3]", java.util.Arrays.toString(l.slots()[0]));
        assertEquals("[0, 0, 2]", java.util.Arrays.toString(l.slots()[1]));
        // expert 0's 8 tokens: 3, 3, 2 in rank order -> r0 = 4 + 3 + 2 = 9, r1 = 3 + 2 + 2 = 7
        long[] loads = l.rankLoads(new long[] {8, 4, 2, 2});
        assertEquals(9, loads[0]);
        assertEquals(7, loads[1]);
        assertEquals(9 / 8.0, ExpertLayout.maxOverMean(loads), 1e-12);
        assertThrows(SimulationException.class, () -> ExpertLayout.eplb(new long[] {1, 2, 3}, 2, 2));
    }

    @Test
    void lowLatencyAllToAllAsHandComputed() {
        // 4 nodes x 8, EP 32, 100 copies sent and received per rank, fp8 with scales: 7168 + 4 x 56 = 7392 bytes per copy
        long[] hundred = new long[32];
        java.util.Arrays.fill(hundred, 100);
        assertEquals(7392, WideEpConfig.copyBytes(7168, DType.FP8_E4M3));
        AllToAllTimer.Cost c = AllToAllTimer.time(H800X32, 32, EpMode.LOW_LATENCY, hundred, hundred, 7392, 8, 256);
        // off-node 24/32 over IB at 50 GB/s: 100 x 0.75 x 7392 B = 554,400 B -> 11.088 us; on-node 7/32 over NVLink at 160 GB/s: 1.011 us;
        // plus the IB latency 2 us and message overhead 2 us
        assertEquals(11.088e-6 + 4e-6, c.seconds(), 1e-12);
        assertEquals(554_400, c.interBytes(), 1e-6);
        assertEquals(100 * 7.0 / 32 * 7392, c.intraBytes(), 1e-6);
    }

    @Test
    void normalModeSendsATokenOncePerNode() {
        // top-1: a token goes to one rank, so node dedup changes nothing: normal = low latency on the InfiniBand
        assertEquals(0.75, AllToAllTimer.expectedRemoteNodes(256, 1, 4), 1e-12);
        // top-8 of 256 over 4 nodes: a given other node is missed with prob prod (192-i)/(256-i), i < 8
        double miss = 1;
        for (int i = 0; i < 8; i++) {
            miss *= (192.0 - i) / (256 - i);
        }
        assertEquals(3 * (1 - miss), AllToAllTimer.expectedRemoteNodes(256, 8, 4), 1e-12);
        long[] hundred = new long[32];
        java.util.Arrays.fill(hundred, 100);
        AllToAllTimer.Cost ll = AllToAllTimer.time(H800X32, 32, EpMode.LOW_LATENCY, hundred, hundred, 7392, 8, 256);
        AllToAllTimer.Cost nm = AllToAllTimer.time(H800X32, 32, EpMode.NORMAL, hundred, hundred, 7392, 8, 256);
        assertEquals(ll.interBytes() * (3 * (1 - miss)) / (8 * 0.75), nm.interBytes(), 1e-6);
        assertTrue(nm.interBytes() < ll.interBytes());
    }

    @Test
    void twoMicroBatchesOverlapAndKeepTheTokens() {
        WideEpModel.Step one = model(32, 1).step(prefill(Routing.UNIFORM));
        WideEpModel.Step two = model(32, 2).step(prefill(Routing.UNIFORM));
        assertEquals(one.dispatchedCopies(), two.dispatchedCopies());
        assertTrue(two.overlapHiddenS() > 0);
        // roofline, compute bound: halves cost half, so overlap hides the smaller side of each layer
        assertTrue(two.seconds() < one.seconds(), two.seconds() + " vs " + one.seconds());
        double comp = two.attentionPerLayerS() + two.expertMaxS();
        double comm = two.dispatchS() + two.combineS();
        assertEquals(two.moeLayers() * 2 * Math.max(comp, comm) + Math.min(comp, comm) + two.otherComputeS(), two.seconds(), 1e-12);
    }

    @Test
    void h800IsAnH100WithNvlinkAt400GBpsBidirectional() {
        SystemSpec h100 = Systems.load("h100x8");
        SystemSpec h800 = Systems.load("h800x8");
        assertEquals(h100.aggregatePeakTflops(DType.BF16), h800.aggregatePeakTflops(DType.BF16), 1e-9);
        assertEquals(h100.device().memory().hbmBandwidthGBps(), h800.device().memory().hbmBandwidthGBps(), 1e-9);
        assertEquals(200, h800.intraNodeLink().bandwidthPerDeviceGBps(), 1e-9);
        assertEquals(450, h100.intraNodeLink().bandwidthPerDeviceGBps(), 1e-9);
        SystemSpec decode = Systems.load("h800x144");
        assertEquals(144, decode.devices());
        assertEquals(18, decode.nodes());
        assertEquals(50, decode.interNodeLink().orElseThrow().bandwidthPerDeviceGBps(), 1e-9);
        assertEquals(32, Systems.load("h800x32").devices());
        assertEquals(16, Systems.load("h800x16").devices(), "built on request from the H800's interconnect");
    }
}
