package io.moesim.sim.widep;

import io.moesim.hw.SystemSpec;
import io.moesim.ir.DType;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.model.Phase;
import io.moesim.ir.model.Routing;
import io.moesim.sim.SimulationException;
import io.moesim.sim.SimulationRequest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code moesim simulate --ep-mode ...}: one iteration shape of a wide-EP deployment. The request's
 * {@code batch} is the global batch (sequences; prompts in prefill), spread evenly over the attention-DP
 * ranks; its input length is the prompt length (prefill) or the KV context (decode).
 */
public final class WideEpRun {
    private WideEpRun() {
    }

    /** The run's echo and the step's {@code ep.*} figures, in a stable order. */
    public static Map<String, Object> run(SimulationRequest req, SystemSpec system, WideEpConfig cfg, Phase phase) {
        return run(req, system, cfg, phase, 0);
    }

    /**
     * The same with prefix caching in prefill: the first {@code prefixHit} x L tokens of every prompt are in
     * the cache, so each prompt computes the rest, attending to all L keys (the cached ones too); the
     * input throughput counts the hit tokens as well ({@code ep.input_tokens_per_s_per_node_incl_hits}),
     * as DeepSeek's published prefill figure does.
     */
    public static Map<String, Object> run(SimulationRequest req, SystemSpec system, WideEpConfig cfg, Phase phase, double prefixHit) {
        return run(req, system, cfg, phase, prefixHit, null);
    }

    /**
     * The verifier's pass of a speculative decode step, decode-shaped as the serving loops price it
     * ({@link GraphRequest#decodeQuery} = k + 1): each of the rank's {@code perRank} sequences has k + 1 query rows
     * over its context of {@code kvLen} + k keys, so the matmuls, experts and all-to-alls see (k + 1) × the rows
     * while the attention reads each sequence's KV once for its k + 1 queries (as FlashMLA does).
     */
    public static GraphRequest verifier(ModelConfig model, int perRank, long kvLen, int k, DType dtype, Routing routing, long seed) {
        return new GraphRequest(model, Phase.DECODE, perRank, 1, kvLen + k, 0, dtype, routing, seed, 1, k + 1);
    }

    /**
     * The same with speculative decoding in decode (MTP only), as the disaggregated decode pool models it
     * (see {@link io.moesim.sim.serving.DisaggregatedLoop}): the step is the verifier's pass on k + 1 tokens per
     * sequence ({@link #verifier}: decode-shaped, k + 1 rows per sequence over its context, each KV read once), itself under wide EP, plus the
     * proposer, k MTP layers (each 1/layers of a plain decode step); each step emits the expected
     * 1 + accepted tokens per sequence ({@code ep.tokens_per_step_per_sequence}).
     */
    public static Map<String, Object> run(SimulationRequest req, SystemSpec system, WideEpConfig cfg, Phase phase, double prefixHit,
            io.moesim.sim.serving.Speculation spec) {
        if (spec != null && (phase != Phase.DECODE || spec.method() != io.moesim.sim.serving.Speculation.Method.MTP)) {
            throw new SimulationException(0, "--spec-k", "with --ep-mode: MTP speculation in --ep-phase decode only");
        }
        if (!(prefixHit >= 0 && prefixHit < 1)) {
            throw new SimulationException(0, "--prefix-hit", "must be in [0, 1), got " + prefixHit);
        }
        if (prefixHit > 0 && phase != Phase.PREFILL) {
            throw new SimulationException(0, "--prefix-hit", "with --ep-mode applies to --ep-phase prefill only");
        }
        if (phase == Phase.MIXED) {
            throw new SimulationException(0, "--ep-phase", "must be prefill or decode");
        }
        if (req.batch() <= 0) {
            throw new SimulationException(0, "--batch", "one wide-EP iteration shape needs the global batch (--batch B, a multiple of --attn-dp "
                    + cfg.attnDp() + "); a serving run under wide EP needs disaggregated pools (--disagg PREFILL:DECODE)");
        }
        if (req.batch() % cfg.attnDp() != 0) {
            throw new SimulationException(0, "--batch", "the global batch " + req.batch() + " must be a multiple of --attn-dp " + cfg.attnDp()
                    + " (each DP rank runs the same shape)");
        }
        // expert formats, KV dtype and residual form as every other run takes them
        ModelConfig model = io.moesim.sim.Simulator.configured(req, ModelZoo.resolve(req.model()));
        DType dtype = req.dtypeOf(model);
        int perRank = req.batch() / cfg.attnDp();
        long len = req.inputLength();
        long hit = Math.round(prefixHit * len);
        long computed = len - hit;
        GraphRequest shape = new GraphRequest(model, phase, perRank, phase == Phase.PREFILL ? computed : 1, len, 0, dtype,
                req.routing().value(), req.seed(), phase == Phase.PREFILL ? len : 1);
        WideEpModel wide = new WideEpModel(model, system, req.costModel(), cfg);
        WideEpModel.Step s = wide.step(shape);
        WideEpModel.Step verify = null;
        double proposeS = 0;
        if (spec != null) {
            int k = spec.k();
            verify = wide.step(verifier(model, perRank, len, k, dtype, req.routing().value(), req.seed()));
            proposeS = k * s.seconds() / model.layers();
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("model", model.name());
        m.put("system", system.id());
        m.put("devices", system.devices());
        m.put("mode", "wide-ep");
        m.put("phase", phase.text());
        m.put("batch", req.batch());
        m.put("batch_per_rank", perRank);
        m.put(phase == Phase.PREFILL ? "prompt_length" : "kv_length", len);
        if (phase == Phase.PREFILL) {
            m.put("prefix_hit", prefixHit);
            m.put("computed_prompt_tokens", computed);
        }
        m.put("routing", req.routing().text());
        m.put("dtype", dtype.text());
        m.put("attn_dp", cfg.attnDp());
        m.put("moe_ep", cfg.moeEp());
        m.put("ep_mode", cfg.mode().text());
        m.put("dispatch_dtype", cfg.dispatchDtype().text());
        m.put("combine_dtype", cfg.combineDtype().text());
        m.put("eplb_slots", cfg.eplbSlots());
        m.put("micro_batches", cfg.microBatches());
        m.put("cost_model", req.costModel().name());
        m.put("framework", req.costModel() instanceof io.moesim.sim.kernel.KernelCostModel k ? k.profile(system.device()).id() : "none");
        io.moesim.sim.Simulator.servingClock(req.costModel(), system).ifPresent(v -> m.put("serving_clock_MHz", v));
        m.put("seed", req.seed());
        if (spec != null) {
            m.put("speculation", spec.describe());
        }
        m.putAll(s.toMap());
        if (spec != null) {
            // the plain step's figures stay above; the speculative step replaces the step time and rate
            double step = verify.seconds() + proposeS;
            double perSeq = spec.expectedTokensPerStep();
            m.put("ep.plain_step_ms", s.seconds() * 1e3);
            m.put("ep.verify_ms", verify.seconds() * 1e3);
            m.put("ep.propose_ms", proposeS * 1e3);
            m.put("ep.step_ms", step * 1e3);
            m.put("ep.tokens_per_step_per_sequence", perSeq);
            m.put("ep.tokens_per_s_per_node", req.batch() * perSeq / step / s.nodes());
            m.put("ep.verify_dispatched_copies", verify.dispatchedCopies());
        }
        if (phase == Phase.PREFILL) {
            m.put("ep.input_tokens_per_s_per_node_incl_hits", (double) req.batch() * len / s.seconds() / s.nodes());
        }
        return m;
    }
}
