package io.moesim.sim.tune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * The step-level serving run against figures computed by hand. Most cases give each rank one prompt per step
 * (prefill ranks = prompts per step), so a step lasts prefillS whatever it carries.
 */
class StepServingTest {
    /**
     * Requests far apart (0.001 req/s: a mean gap of 1000 s against a 0.1 s prompt and 0.01 s steps) never queue:
     * TTFT = the prefill step + the transfer = 0.1 + 0.002 s, TPOT = one decode step = 0.01 s, batch 1.
     */
    @Test
    void aloneEachRequestSeesOneStepOfEach() {
        StepServing.Outcome o = StepServing.run(true, 1, 1, 1, 0.1, 0.002, 1, 1, 64, b -> 0.01, 20, 5, 0.001, 3);
        assertEquals(0.102, o.ttftP90S(), 1e-9);
        assertEquals(0.01, o.tpotP90S(), 1e-12);
        assertEquals(1.0, o.meanBatchPerRank(), 1e-12);
    }

    /**
     * All 10 requests at once (1e12 req/s) on one prefill instance of one prompt per 0.1 s step: the i-th (from 0) gets
     * its first token at 0.1 (i + 1) s, so the nearest-rank p90 of 10 is the 9th, 0.9 s. With 4 prompts per step: the
     * first step starts at the first arrival and takes it alone (the others arrive picoseconds later), then the steps
     * take 1-4, 5-8, 9, ending at 0.1, 0.2, 0.3, 0.4 s: p90 (the 9th, index 8) = 0.3 s.
     */
    @Test
    void aBurstQueuesForThePrefillSteps() {
        assertEquals(0.9, StepServing.run(true, 1, 1, 1, 0.1, 0, 1, 1, 64, b -> 0.01, 10, 2, 1e12, 1).ttftP90S(), 1e-6);
        assertEquals(0.3, StepServing.run(true, 1, 4, 4, 0.1, 0, 1, 1, 64, b -> 0.01, 10, 2, 1e12, 1).ttftP90S(), 1e-6);
        // two instances halve the queue: steps end at 0.1 (requests 0, 1), 0.2 (2, 3), ... 0.5 (8, 9): the 9th at 0.5 s
        assertEquals(0.5, StepServing.run(true, 2, 1, 1, 0.1, 0, 1, 1, 64, b -> 0.01, 10, 2, 1e12, 1).ttftP90S(), 1e-6);
    }

    /**
     * Decode steps priced by the batch: 8 requests of 3 tokens (2 decode steps each), 8 prompts per prefill step, a
     * decode step of 0.01 s x per-rank batch over 4 ranks. The first prefill step takes request 0 alone (the rest
     * arrive picoseconds later), the second the other 7: request 0 decodes alone (2 steps at 1 per rank, 0.01 s each),
     * then 7 together (2 steps at 2 per rank, 0.02 s each). Mean batch per rank (1 + 1 + 2 + 2) / 4 = 1.5; TPOT p90 =
     * 0.02 s. A max batch of 1 per rank (4 sequences at once) makes the 7 wait in waves, so some TPOT exceeds 0.01 s.
     */
    @Test
    void decodeStepsArePricedByThePerRankBatch() {
        StepServing.Outcome o = StepServing.run(true, 1, 8, 8, 0.1, 0, 1, 4, 64, b -> 0.01 * b, 8, 3, 1e12, 1);
        assertEquals(0.02, o.tpotP90S(), 1e-9);
        assertEquals(1.5, o.meanBatchPerRank(), 1e-12);
        StepServing.Outcome w = StepServing.run(true, 1, 8, 8, 0.1, 0, 1, 4, 1, b -> 0.01 * b, 8, 3, 1e12, 1);
        assertTrue(w.tpotP90S() > 0.01, "the second wave waits for the first: its TPOT counts from its first token");
    }

    /** Aggregated: decodes stall during prefill steps, so a lone request's TPOT is one decode step and its TTFT one prefill step. */
    @Test
    void aggregatedAloneIsOneStepOfEach() {
        StepServing.Outcome o = StepServing.run(false, 1, 2, 2, 0.2, 0, 1, 2, 8, b -> 0.03, 10, 4, 0.0001, 5);
        assertEquals(0.2, o.ttftP90S(), 1e-9);
        assertEquals(0.03, o.tpotP90S(), 1e-9);
    }

    /**
     * A partly filled wide-EP prefill step lasts as long as its busiest rank's share: 4 ranks of 2 prompts each (8 per
     * step, 0.2 s full). A lone request's step carries 1 prompt, on one rank: half a full step, 0.1 s.
     */
    @Test
    void aPartlyFilledPrefillStepLastsItsBusiestRanksShare() {
        assertEquals(0.1, StepServing.run(true, 1, 8, 4, 0.2, 0, 1, 1, 64, b -> 0.01, 10, 2, 0.001, 3).ttftP90S(), 1e-9);
        // all 8 at once after the first (which runs alone, 0.1 s): 7 prompts over 4 ranks, 2 on the busiest: a full step, 0.2 s
        assertEquals(0.3, StepServing.run(true, 1, 8, 4, 0.2, 0, 1, 1, 64, b -> 0.01, 8, 2, 1e12, 3).ttftP90S(), 1e-6);
    }
}
