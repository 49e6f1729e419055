package io.moesim.sim.serving;

/**
 * How requests come and how the server batches them.
 *
 * @param requests          requests to serve (a trace replays its own, up to this many)
 * @param maxBatch          sequences in flight at most
 * @param tokenBudget       tokens per iteration (decodes count one each; the rest goes to prefill chunks)
 * @param kvCapacityTokens  KV-cache capacity in tokens; 0 to derive it from the system and model
 * @param signatureBits     significant bits kept by {@link BatchSignature#quantise}
 */
public record ServingConfig(ArrivalSpec arrival, int requests, int nominalIn, int nominalOut, LengthSpec lengths, int maxBatch,
        long tokenBudget, long kvCapacityTokens, int signatureBits, long seed) {

    /** moesim default: enough for a full batch of decodes beside a long prompt chunk. */
    public static final long DEFAULT_TOKEN_BUDGET = 2048;
    public static final int DEFAULT_SIGNATURE_BITS = 5;

    public ServingConfig {
        if (requests < 1) {
            throw new IllegalArgumentException("requests must be >= 1, got " + requests);
        }
        if (nominalIn < 1 || nominalOut < 1) {
            throw new IllegalArgumentException("L_in and L_out must be >= 1, got " + nominalIn + ", " + nominalOut);
        }
        if (maxBatch < 1 || tokenBudget < 1 || kvCapacityTokens < 0) {
            throw new IllegalArgumentException("max batch and token budget must be >= 1, KV capacity >= 0");
        }
        if (signatureBits < 1 || signatureBits > 30) {
            throw new IllegalArgumentException("signature bits must be in 1..30, got " + signatureBits);
        }
    }
}
