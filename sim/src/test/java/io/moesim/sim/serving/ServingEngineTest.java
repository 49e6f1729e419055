package io.moesim.sim.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.FrameworkProfiles;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.sim.SimulationRequest;
import io.moesim.sim.Simulator;
import io.moesim.sim.kernel.KernelCostModel;
import io.moesim.sim.kernel.KernelSimulator;
import io.moesim.sim.metrics.SimulationResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The serving engine's own figures (a framework profile's serving: block): per-iteration host work and the admission policy. */
class ServingEngineTest {
    private static final SystemSpec H100 = Systems.load("h100x1");
    private static final ModelConfig TINY = ModelZoo.get("Mixtral-8x7B").withLayers(2);

    /** Runs a scheduler to the end; returns {most sequences running at once, preemptions}. */
    private static long[] drain(Scheduler s, int requests, int in, int out) {
        List<Sequence> all = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            all.add(new Sequence(i, 0, in, out));
            s.arrive(all.get(i));
        }
        int done = 0;
        long most = 0;
        long now = 0;
        while (done < requests) {
            Batch b = s.form(now);
            most = Math.max(most, b.decodes.size() + b.prefills.size());
            now += 1000;
            done += s.complete(b, now, ps -> { }).size();
        }
        return new long[] {most, s.preemptions()};
    }

    /**
     * GUARANTEED_NO_EVICT: a KV cache of 3 x 128 tokens holds exactly three 64 + 64 requests to their end, so
     * three run at once and none is ever preempted; admitting on the prompt alone (vLLM) runs more and preempts.
     */
    @Test
    void noEvictAdmitsWhatFitsToTheLastTokenAndNeverPreempts() {
        long[] noEvict = drain(new Scheduler(8, 2048, 3 * 128, true), 24, 64, 64);
        assertEquals(3, noEvict[0]);
        assertEquals(0, noEvict[1]);
        long[] onPrompt = drain(new Scheduler(8, 2048, 3 * 128, false), 24, 64, 64);
        assertTrue(onPrompt[0] > 3, "admits on the prompt: " + onPrompt[0]);
        assertTrue(onPrompt[1] > 0, "and preempts: " + onPrompt[1]);
    }

    /**
     * A token budget of 100 and prompts of 60: chunked prefill fills the first iteration with one whole prompt
     * and 40 tokens of the next; whole prompts only (TensorRT-LLM's default) run one prompt and leave 40 unused.
     */
    @Test
    void wholePromptsLeaveTheBudgetUnfilledWhereChunkingWouldFillIt() {
        Scheduler chunked = new Scheduler(8, 100, 10_000, false, true);
        Scheduler whole = new Scheduler(8, 100, 10_000, false, false);
        for (int i = 0; i < 3; i++) {
            chunked.arrive(new Sequence(i, 0, 60, 2));
            whole.arrive(new Sequence(i, 0, 60, 2));
        }
        Batch c = chunked.form(0);
        assertEquals(2, c.prefills.size());
        assertEquals(100, c.prefillTokens());
        Batch w = whole.form(0);
        assertEquals(1, w.prefills.size());
        assertEquals(60, w.prefillTokens());
        // a prompt longer than the whole budget still runs, in chunks (nothing stalls)
        // (chunks of 100, 100 and 50, the last yielding the first token, then one decode: 4 iterations)
        Scheduler big = new Scheduler(8, 100, 10_000, false, false);
        big.arrive(new Sequence(0, 0, 250, 2));
        int iterations = 0;
        int done = 0;
        while (done == 0) {
            Batch b = big.form(iterations);
            iterations++;
            done += big.complete(b, iterations, ps -> { }).size();
        }
        assertEquals(4, iterations);
    }

    private static SimulationResult offline(FrameworkProfile p) {
        KernelCostModel cost = new KernelCostModel(new KernelSimulator(), RooflineCostModel.INSTANCE, d -> p);
        SimulationRequest r = SimulationRequest.builder("Mixtral-8x7B", "h100x1").costModel(cost).offline().requests(12).lengths(32, 10)
                .maxBatch(4).tokenBudget(2048).build();
        return Simulator.simulate(r, TINY, H100, new StandInPlanner(H100));
    }

    /**
     * An offline run's schedule does not depend on time, so the engine's figures add exactly a·I + b·S to
     * it: I iterations and S sequence-iterations, here 12 requests x 10 tokens (each request is in one
     * iteration per output token: its prompt of 32 fits one chunk and yields the first token).
     */
    @Test
    void engineWorkAddsItsFiguresPerIterationAndPerSequence() {
        FrameworkProfile none = new FrameworkProfile("t", "test", Map.of(), false, Optional.empty());
        SimulationResult base = offline(none);
        assertNull(base.config().get("engine_overhead"), "no engine figures, no echo (as ideal)");
        SimulationResult with = offline(none.withServing(new FrameworkProfile.Serving(100, 2)));
        Map<?, ?> e = (Map<?, ?>) with.config().get("engine_overhead");
        assertEquals(12L * 10, ((Number) e.get("sequence_iterations")).longValue());
        assertEquals(base.iterations(), with.iterations());
        double expected = (100 * with.iterations() + 2 * 12 * 10) * 1e-6;
        assertEquals(expected, ((Number) e.get("total_s")).doubleValue(), 1e-12);
        assertEquals(base.simulatedS() + expected, with.simulatedS(), 1e-9);
        assertEquals(base.outputTokens(), with.outputTokens());
    }

    /** The profiles: TensorRT-LLM admits GUARANTEED_NO_EVICT, vLLM and SGLang on the prompt, ideal has no engine at all. */
    @Test
    void profilesCarryTheirEngineFigures() {
        assertTrue(FrameworkProfiles.load("trtllm").serving().guaranteedNoEvict());
        assertTrue(!FrameworkProfiles.load("vllm").serving().guaranteedNoEvict());
        assertTrue(!FrameworkProfiles.load("sglang").serving().guaranteedNoEvict());
        assertTrue(FrameworkProfiles.load("ideal").serving().isNone());
        assertTrue(FrameworkProfiles.load("ideal").isIdeal());
    }

    /**
     * A run that gives no token budget gets its engine's: TensorRT-LLM's max_num_tokens default of 8192 (its
     * profile), moesim's 2048 under a profile without one; a budget the run gives always wins.
     */
    @Test
    void aRunWithoutATokenBudgetGetsItsEnginesDefault() {
        assertEquals(8192, FrameworkProfiles.load("trtllm").serving().maxNumTokens());
        FrameworkProfile none = new FrameworkProfile("t", "test", Map.of(), false, Optional.empty());
        FrameworkProfile engine = none.withServing(new FrameworkProfile.Serving(0, 0, false, true, 8192));
        assertEquals(8192, Simulator.tokenBudget(request(engine, 0), H100));
        assertEquals(2048, Simulator.tokenBudget(request(engine, 2048), H100), "the run's own budget wins");
        assertEquals(2048, Simulator.tokenBudget(request(none, 0), H100), "no engine default: moesim's 2048");
        assertEquals(2048, Simulator.tokenBudget(SimulationRequest.builder("Mixtral-8x7B", "h100x1").batch(4).requests(4)
                .costModel(RooflineCostModel.INSTANCE).build(), H100), "another cost model: moesim's 2048");
        SimulationResult r = Simulator.simulate(request(engine, 0), TINY, H100, new StandInPlanner(H100));
        assertEquals(8192L, ((Number) r.config().get("token_budget")).longValue(), "the run echoes the budget it used");
    }

    private static SimulationRequest request(FrameworkProfile p, long budget) {
        KernelCostModel cost = new KernelCostModel(new KernelSimulator(), RooflineCostModel.INSTANCE, d -> p);
        return SimulationRequest.builder("Mixtral-8x7B", "h100x1").costModel(cost).batch(4).requests(4).lengths(32, 4)
                .tokenBudget(budget).build();
    }
}
