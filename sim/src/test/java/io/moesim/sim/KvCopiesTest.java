package io.moesim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moesim.ir.model.ModelZoo;
import org.junit.jupiter.api.Test;

/** Copies of each token's KV a tensor-parallel attention layout keeps (the serving KV capacity divides by them); by hand from the configs. */
class KvCopiesTest {
    @Test
    void gqaSplitsUntilEachRankHoldsOneHeadThenReplicates() {
        var qwen3 = ModelZoo.get("qwen3-30b-a3b"); // 4 KV heads
        assertEquals(1, Simulator.kvCopies(qwen3, 1));
        assertEquals(1, Simulator.kvCopies(qwen3, 4));
        assertEquals(2, Simulator.kvCopies(qwen3, 8), "8 ranks of one head each: every head twice");
        assertEquals(4, Simulator.kvCopies(qwen3, 16));
        assertEquals(1, Simulator.kvCopies(ModelZoo.get("mixtral-8x7b"), 8), "8 KV heads over 8 ranks");
    }

    @Test
    void mlaKeepsTheWholeLatentOnEveryRank() {
        assertEquals(8, Simulator.kvCopies(ModelZoo.get("deepseek-v3"), 8));
        assertEquals(1, Simulator.kvCopies(ModelZoo.get("deepseek-v3"), 1));
    }
}
