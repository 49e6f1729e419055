package io.moesim.sim.serving;

import io.moesim.hw.FrameworkProfile;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A serving engine's own work and admission policy, as its framework profile's {@code serving:} block gives
 * them: host work per iteration ({@code iteration_overhead_us} + {@code per_sequence_us} × the iteration's
 * sequences, added to the iteration's time as the GPUs wait for it), GUARANTEED_NO_EVICT admission and
 * whole prompts ({@link Scheduler}). One home for every loop that runs iterations on an engine: the
 * aggregated {@link ServingLoop} and each pool of the {@link DisaggregatedLoop} charge and schedule through it,
 * so that the two are priced alike. A null profile (hypothetical hardware, the {@code ideal} profile, a cost
 * model without a framework) charges nothing and admits as moesim's default scheduler does (chunked prefill,
 * preemption by recompute).
 */
public final class EngineWork {
    private final FrameworkProfile.Serving engine;
    private long iterations;
    private long sequenceIterations;
    private long totalPs;

    /** @param engine the profile's serving figures; null for none */
    public EngineWork(FrameworkProfile.Serving engine) {
        this.engine = engine;
    }

    /** The profile's figures, null for none. */
    public FrameworkProfile.Serving engine() {
        return engine;
    }

    /** A scheduler under this engine's admission policy (no-evict, whole or chunked prompts). */
    Scheduler scheduler(int maxBatch, long tokenBudget, long kvCapacity) {
        return new Scheduler(maxBatch, tokenBudget, kvCapacity, engine != null && engine.guaranteedNoEvict(),
                engine == null || engine.chunkedPrefill());
    }

    /** Charges one iteration of {@code sequences} sequences; returns its engine work in picoseconds (0 without an engine). */
    long charge(int sequences) {
        long ps = engine == null ? 0 : engine.ps(sequences);
        iterations++;
        sequenceIterations += sequences;
        totalPs += ps;
        return ps;
    }

    long totalPs() {
        return totalPs;
    }

    /**
     * The {@code engine_overhead} echo (figures, policy, iterations, sequence-iterations, total seconds, and the profile whose fp8
     * MoE kernel the engine runs where it names one), so that a reader and the serving fit can take the engine's part apart; null
     * without an engine.
     */
    Map<String, Object> echo() {
        if (engine == null) {
            return null;
        }
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("iteration_overhead_us", engine.iterationOverheadUs());
        e.put("per_sequence_us", engine.perSequenceUs());
        e.put("guaranteed_no_evict", engine.guaranteedNoEvict());
        e.put("chunked_prefill", engine.chunkedPrefill());
        e.put("iterations", iterations);
        e.put("sequence_iterations", sequenceIterations);
        e.put("total_s", totalPs / 1e12);
        // the profile whose kernel the engine's fused fp8 MoE blocks run on (where a run has any), where not its own figures
        engine.fp8MoeKernel().ifPresent(k -> e.put("fp8_moe_kernel", k));
        // an fp8 linear layer's input quantised with its checkpoint's scale: the cast alone (only where the profile says so)
        if (engine.staticActivationScales()) {
            e.put("static_activation_scales", true);
        }
        return e;
    }
}
