package io.moesim.sim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.Compiler;
import io.moesim.compiler.CompilerException;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.model.Routing;
import io.moesim.sim.energy.EnergyConstants;
import io.moesim.sim.energy.EnergyModel;
import io.moesim.sim.kernel.KernelCostModel;
import io.moesim.sim.system.CollectiveAlgorithm;
import org.junit.jupiter.api.Test;

/**
 * Attention data parallelism in the serving loop: ranks run one program, so an iteration whose decodes or prefill
 * chunks do not split evenly over the ranks runs at its busiest rank's shape (each count rounded up to a multiple of
 * the ranks), where the compiler alone refuses a batch it cannot split.
 */
class DataParallelShapeTest {

    @Test
    void busiestRankRoundsEachCountUpToTheRanks() {
        // by hand: 15 decodes on 8 ranks -> one rank holds 2 -> 16; 3 prefill chunks -> one each on 3 ranks -> 8; contexts kept
        BatchSignature s = new BatchSignature(15, 1536, 3, 512, 1024, 1);
        BatchSignature b = IterationCache.busiestRank(s, 8);
        assertEquals(new BatchSignature(16, 1536, 8, 512, 1024, 1), b);
        assertEquals(new BatchSignature(16, 1536, 0, 0, 0, 1), IterationCache.busiestRank(new BatchSignature(16, 1536, 0, 0), 8), "a multiple stays");
        assertEquals(new BatchSignature(0, 0, 4, 100, 100, 1), IterationCache.busiestRank(new BatchSignature(0, 0, 1, 100), 4), "no decodes stay none");
        assertEquals(s, IterationCache.busiestRank(s, 1), "one rank: as it is");
    }

    @Test
    void anUnevenBatchRunsAsTheBusiestRanksShape() {
        ModelConfig m = ModelZoo.get("Qwen3-30B-A3B").withLayers(2);
        SystemSpec sys = Systems.load("h100x4");
        KernelCostModel cost = new KernelCostModel();
        CompileOptions.Parallelism dp = new CompileOptions.Parallelism(1, 1, 4, 1);
        CompileOptions opts = layout(dp, dp);
        PlanSource planner = g -> Compiler.compile(g, sys, opts, cost).plan();
        EnergyModel energy = new EnergyModel(sys, EnergyConstants.defaults());
        IterationCache plain = new IterationCache(m, null, Routing.parse("uniform"), 3, sys, planner, cost, CollectiveAlgorithm.AUTO, energy);
        IterationCache ranked = new IterationCache(m, null, Routing.parse("uniform"), 3, sys, planner, cost, CollectiveAlgorithm.AUTO, energy, 4);
        BatchSignature odd = new BatchSignature(15, 1024, 0, 0);
        // the compiler alone cannot split 15 sequences over 4 ranks (what simulate --dp 4 stopped on before)
        assertThrows(CompilerException.class, () -> plain.get(odd));
        // with the ranks, 15 decodes run as 16 (4 per rank): the same iteration as 16, figure for figure
        IterationOutcome o = ranked.get(odd);
        IterationOutcome sixteen = plain.get(new BatchSignature(16, 1024, 0, 0));
        assertTrue(IterationCache.same(o, sixteen));
        // a mixed iteration: 13 decodes and 1 prefill chunk run as 16 and 4
        IterationOutcome mixed = ranked.get(new BatchSignature(13, 1024, 1, 256));
        assertTrue(IterationCache.same(mixed, plain.get(new BatchSignature(16, 1024, 4, 256))));
        assertThrows(IllegalArgumentException.class,
                () -> new IterationCache(m, null, Routing.parse("uniform"), 3, sys, planner, cost, CollectiveAlgorithm.AUTO, energy, 0));
    }

    private static CompileOptions layout(CompileOptions.Parallelism attention, CompileOptions.Parallelism moe) {
        return CompileOptions.defaults().withParallelism(attention, moe);
    }

    @Test
    void rowShardsAreWhatBothSidesCut() {
        // by hand: attention's dp ranks take sequences, the MoE side's ep x dp ranks shares of the tokens; lcm of the two
        assertEquals(1, layout(new CompileOptions.Parallelism(4, 1, 1, 1), new CompileOptions.Parallelism(4, 1, 1, 1)).rowShards(), "tp 4");
        assertEquals(4, layout(new CompileOptions.Parallelism(1, 1, 4, 1), new CompileOptions.Parallelism(1, 1, 4, 1)).rowShards(), "--dp 4");
        assertEquals(8, layout(new CompileOptions.Parallelism(1, 1, 8, 1), new CompileOptions.Parallelism(1, 8, 1, 1)).rowShards(), "attn-dp 8, moe-ep 8");
        assertEquals(4, layout(new CompileOptions.Parallelism(4, 1, 1, 1), new CompileOptions.Parallelism(1, 4, 1, 1)).rowShards(), "attn-tp 4, moe-ep 4");
        assertEquals(6, layout(new CompileOptions.Parallelism(1, 1, 2, 1), new CompileOptions.Parallelism(1, 3, 1, 1)).rowShards(), "lcm(2, 3)");
        assertEquals(4, layout(new CompileOptions.Parallelism(1, 4, 1, 1), new CompileOptions.Parallelism(1, 4, 1, 1)).rowShards(),
                "--ep 4: attention's ep ranks split its rows as dp ranks do");
    }

    @Test
    void dataParallelRanksKeepTheirOwnWeights() {
        ModelConfig m = ModelZoo.get("Qwen3-30B-A3B");
        io.moesim.ir.DType bf16 = io.moesim.ir.DType.parse("bf16");
        // routed experts by hand: 48 layers x 128 experts x 3 matrices x 2048 x 768, 2 bytes each
        long routed = 2L * 48 * 128 * 3 * 2048 * 768;
        assertEquals(routed, io.moesim.ir.model.ExpertQuant.routedExpertBytes(m, bf16));
        double all = io.moesim.ir.model.ExpertQuant.weightBytes(m, bf16);
        CompileOptions.Parallelism tp4 = new CompileOptions.Parallelism(4, 1, 1, 1);
        CompileOptions.Parallelism dp4 = new CompileOptions.Parallelism(1, 1, 4, 1);
        CompileOptions.Parallelism ep4 = new CompileOptions.Parallelism(1, 4, 1, 1);
        assertEquals(all, io.moesim.sim.Simulator.storedWeightBytes(m, bf16, layout(tp4, tp4)), "tensor parallel: one copy");
        assertEquals(4 * all, io.moesim.sim.Simulator.storedWeightBytes(m, bf16, layout(dp4, dp4)), "data parallel: a copy per rank");
        assertEquals(4 * (all - routed) + routed, io.moesim.sim.Simulator.storedWeightBytes(m, bf16, layout(dp4, ep4)),
                "attention data parallel, experts split over EP: the dense weights copied, the experts once");
        // the KV capacity on h100x4 under --dp 4: 90% of 4 x 81,559 MiB (the driver's total) less four copies of the weights,
        // over 98,304 bytes a token (48 layers x 4 KV heads x 128 x K and V x 2 bytes), by hand
        SystemSpec sys = Systems.load("h100x4");
        long perToken = 48L * 4 * 128 * 2 * 2;
        assertEquals(perToken, io.moesim.sim.Simulator.kvBytesPerToken(m, bf16));
        double usable = 0.9 * 4 * 81559.0 * (1 << 20);
        assertEquals((long) ((usable - 4 * all) / perToken),
                io.moesim.sim.Simulator.kvCapacityTokensHolding(m, bf16, sys, io.moesim.sim.Simulator.storedWeightBytes(m, bf16, layout(dp4, dp4))));
    }
}
