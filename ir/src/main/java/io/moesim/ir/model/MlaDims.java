package io.moesim.ir.model;

/**
 * Multi-head latent attention dimensions (DeepSeek-V2/V3). {@code qLoraRank = 0} means the query is
 * projected directly from the hidden state (no query compression).
 *
 * <p>{@code indexHeads}, {@code indexHeadDim} and {@code indexTopk} describe DeepSeek-V3.2's sparse attention
 * (DSA; 0, 0, 0: none, as in V2/V3): the graph holds the lightning indexer's projections and its
 * {@link io.moesim.ir.op.LightningIndexer} op, and the MLA attention attends to the {@code indexTopk} keys it selects.
 */
public record MlaDims(int qLoraRank, int kvLoraRank, int qkNopeHeadDim, int qkRopeHeadDim, int vHeadDim, int indexHeads, int indexHeadDim,
        int indexTopk) {
    public MlaDims {
        if (indexTopk < 0 || (indexHeads > 0) != (indexTopk > 0)) {
            throw new ModelException("mla: an indexer (index_n_heads > 0) needs index_topk > 0 and index_topk needs an indexer, got "
                    + indexHeads + " heads and top-k " + indexTopk);
        }
        if (qLoraRank < 0) {
            throw new ModelException("mla: q_lora_rank must be >= 0, got " + qLoraRank);
        }
        ModelConfig.atMost("mla q_lora_rank", qLoraRank, 1 << 20);
        ModelConfig.dimension("mla kv_lora_rank", kvLoraRank, 1 << 20);
        ModelConfig.dimension("mla qk_nope_head_dim", qkNopeHeadDim, 1 << 16);
        ModelConfig.dimension("mla qk_rope_head_dim", qkRopeHeadDim, 1 << 16);
        ModelConfig.dimension("mla v_head_dim", vHeadDim, 1 << 16);
        if (indexHeads < 0 || indexHeadDim < 0 || (indexHeads > 0) != (indexHeadDim > 0)) {
            throw new ModelException("mla: index_n_heads and index_head_dim must both be > 0 (an indexer) or both 0, got " + indexHeads + " and "
                    + indexHeadDim);
        }
        if (indexHeads > 0 && qLoraRank == 0) {
            throw new ModelException("mla: the indexer reads the query latent, so it needs q_lora_rank > 0");
        }
    }

    /** MLA without an indexer (DeepSeek-V2/V3). */
    public MlaDims(int qLoraRank, int kvLoraRank, int qkNopeHeadDim, int qkRopeHeadDim, int vHeadDim) {
        this(qLoraRank, kvLoraRank, qkNopeHeadDim, qkRopeHeadDim, vHeadDim, 0, 0, 0);
    }

    /** Query/key width per head: the non-rotary and rotary parts. */
    public int qkHeadDim() {
        return qkNopeHeadDim + qkRopeHeadDim;
    }

    public boolean hasIndexer() {
        return indexHeads > 0;
    }
}
