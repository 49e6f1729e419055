package io.moesim.validation.reference;

/**
 * Shape of one attention call, as in the IR's {@code attention} op: {@code batch} sequences, each with
 * {@code qLen} new queries at the end of {@code kvLen} positions. q is {@code [batch·qLen, heads·headDim]};
 * k and v hold all kvLen positions (the cache plus the new ones): {@code [batch·kvLen, kvHeads·headDim]}.
 */
public record AttentionShape(int batch, int heads, int kvHeads, int headDim, int qLen, int kvLen, boolean causal) {
    public AttentionShape {
        if (batch <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0 || qLen <= 0 || kvLen <= 0) {
            throw new IllegalArgumentException("attention dimensions must be > 0");
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("heads " + heads + " is not a multiple of kv_heads " + kvHeads);
        }
        if (qLen > kvLen) {
            throw new IllegalArgumentException("q_len " + qLen + " exceeds kv_len " + kvLen);
        }
    }

    public int groupSize() {
        return heads / kvHeads;
    }
}
