package io.moesim.ir.model;

import io.moesim.ir.DType;

/**
 * What graph to generate: one iteration of {@code model} in a {@code phase}.
 * <ul>
 *   <li>prefill: {@code batch} sequences of {@code seqLen} tokens (T = batch·seqLen);</li>
 *   <li>decode: {@code batch} sequences, one new token each, attending to {@code kvLen} keys
 *       (the context including the new token; T = batch);</li>
 *   <li>mixed: {@code prefillBatch} prompts of {@code seqLen} tokens plus {@code batch} decodes at
 *       {@code kvLen} (T = prefillBatch·seqLen + batch).</li>
 * </ul>
 * {@code dtype} is the serving precision of weights and KV cache (null: the model's weight dtype), and of the
 * activations where it is 16 bits or wider ({@link #activationDtype}). {@code seed} drives seeded routings. {@code prefillContext} is the keys each
 * prefill chunk attends to: its own {@code seqLen} tokens plus the earlier chunks of its prompt
 * already in the KV cache (chunked prefill); equal to {@code seqLen} for a whole prompt.
 *
 * <p>{@code decodeQuery} is the query tokens of each decoding sequence: 1 for a plain decode step,
 * k + 1 for a speculative verifier pass (the decode kernels on a query of k + 1 tokens per sequence:
 * GEMMs on (k + 1)·batch rows, attention reading each sequence's KV once). {@code kvLen} then counts
 * the new query tokens too, so a verifier at {@code kvLen + k} reads the same past KV as a decode step
 * at {@code kvLen}.
 */
public record GraphRequest(ModelConfig model, Phase phase, int batch, long seqLen, long kvLen, int prefillBatch, DType dtype, Routing routing,
        long seed, long prefillContext, long decodeQuery) {

    /** A request whose decodes are plain steps of one query token. */
    public GraphRequest(ModelConfig model, Phase phase, int batch, long seqLen, long kvLen, int prefillBatch, DType dtype, Routing routing,
            long seed, long prefillContext) {
        this(model, phase, batch, seqLen, kvLen, prefillBatch, dtype, routing, seed, prefillContext, 1);
    }

    /** A request whose prefill chunks are whole prompts (prefill context = seqLen). */
    public GraphRequest(ModelConfig model, Phase phase, int batch, long seqLen, long kvLen, int prefillBatch, DType dtype, Routing routing,
            long seed) {
        this(model, phase, batch, seqLen, kvLen, prefillBatch, dtype, routing, seed, seqLen);
    }

    public GraphRequest {
        if (model == null || phase == null) {
            throw new ModelException("graph request: model and phase are required");
        }
        dtype = dtype == null ? model.weightDtype() : dtype;
        routing = routing == null ? Routing.UNIFORM : routing;
        if (!dtype.isFloating()) {
            throw new ModelException("graph request: dtype must be a floating type, got " + dtype);
        }
        if (batch <= 0) {
            throw new ModelException("graph request: batch must be > 0, got " + batch);
        }
        if (phase != Phase.DECODE && seqLen <= 0) {
            throw new ModelException("graph request: " + phase.text() + " needs a sequence length > 0, got " + seqLen);
        }
        if (phase != Phase.PREFILL && kvLen <= 0) {
            throw new ModelException("graph request: " + phase.text() + " needs a KV length > 0, got " + kvLen);
        }
        if (phase != Phase.DECODE && prefillContext < seqLen) {
            throw new ModelException("graph request: prefill context " + prefillContext + " is shorter than the chunk " + seqLen);
        }
        if (decodeQuery < 1 || (phase != Phase.PREFILL && decodeQuery > kvLen)) {
            throw new ModelException("graph request: decode query tokens must be in 1..kv length (" + kvLen + "), got " + decodeQuery);
        }
        if (phase == Phase.MIXED && prefillBatch <= 0) {
            throw new ModelException("graph request: mixed needs at least one prefill sequence, got " + prefillBatch);
        }
    }

    public static GraphRequest prefill(ModelConfig m, int batch, long seqLen) {
        return new GraphRequest(m, Phase.PREFILL, batch, seqLen, seqLen, 0, null, null, 0);
    }

    public static GraphRequest decode(ModelConfig m, int batch, long kvLen) {
        return new GraphRequest(m, Phase.DECODE, batch, 1, kvLen, 0, null, null, 0);
    }

    public static GraphRequest mixed(ModelConfig m, int prefillSeqs, long seqLen, int decodeSeqs, long kvLen) {
        return new GraphRequest(m, Phase.MIXED, decodeSeqs, seqLen, kvLen, prefillSeqs, null, null, 0);
    }

    public GraphRequest withRouting(Routing r) {
        return new GraphRequest(model, phase, batch, seqLen, kvLen, prefillBatch, dtype, r, seed, prefillContext, decodeQuery);
    }

    public GraphRequest withSeed(long s) {
        return new GraphRequest(model, phase, batch, seqLen, kvLen, prefillBatch, dtype, routing, s, prefillContext, decodeQuery);
    }

    public GraphRequest withDtype(DType d) {
        return new GraphRequest(model, phase, batch, seqLen, kvLen, prefillBatch, d, routing, seed, prefillContext, decodeQuery);
    }

    /** Prefill chunks that continue prompts: each attends to {@code context} keys (earlier chunks + itself). */
    public GraphRequest withPrefillContext(long context) {
        return new GraphRequest(model, phase, batch, seqLen, kvLen, prefillBatch, dtype, routing, seed, context, decodeQuery);
    }

    /** Tokens of prompts computed in this iteration. */
    public long prefillTokens() {
        return switch (phase) {
            case PREFILL -> (long) batch * seqLen;
            case DECODE -> 0;
            case MIXED -> (long) prefillBatch * seqLen;
        };
    }

    /**
     * Speculative verification: each of the {@code batch} decodes runs {@code query} tokens (k + 1)
     * against {@code kvLen} keys (its context plus the k proposed tokens).
     */
    public GraphRequest withDecodeQuery(long query) {
        return new GraphRequest(model, phase, batch, seqLen, kvLen, prefillBatch, dtype, routing, seed, prefillContext, query);
    }

    /** Decode tokens ({@code decodeQuery} per decoding sequence: one, or k + 1 in a verifier pass). */
    public long decodeTokens() {
        return phase == Phase.PREFILL ? 0 : Math.multiplyExact((long) batch, decodeQuery);
    }

    /**
     * Rows the LM head runs on, as serving engines sample them: one per prompt in the iteration (its last token; a chunk of
     * a longer prompt too, whose logits the engine computes and drops) and every decode query token (a verifier's k + 1).
     */
    public long sampledTokens() {
        return switch (phase) {
            case PREFILL -> batch;
            case DECODE -> decodeTokens();
            case MIXED -> prefillBatch + decodeTokens();
        };
    }

    /** All tokens the token-wise ops see. */
    public long tokens() {
        return prefillTokens() + decodeTokens();
    }

    /**
     * The dtype activations are held in between ops: the serving dtype, but under 8-bit weights the checkpoint's own
     * ({@link ModelConfig#vocabTableDType}: bf16 where the model's is narrower too). Serving stacks quantise only a GEMM's input, and their fp8 GEMMs write bf16:
     * TensorRT-LLM's FP8QDQLinearMethod quantises its input and asks cublas_scaled_mm for the input's dtype out
     * (tensorrt_llm/_torch/modules/linear.py), so residuals, norms, attention's q, k and v and the tensor-parallel
     * all-reduces move 16-bit values.
     */
    public DType activationDtype() {
        // the checkpoint's own precision under a narrower serving dtype, as its vocabulary tables keep
        return model.vocabTableDType(dtype);
    }
}
