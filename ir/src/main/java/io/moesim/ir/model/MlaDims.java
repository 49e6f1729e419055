package io.moesim.ir.model;

/**
 * Multi-head latent attention dimensions (DeepSeek-V2/V3). {@code qLoraRank = 0} means the query is
 * projected directly from the hidden state (no query compression).
 */
public record MlaDims(int qLoraRank, int kvLoraRank, int qkNopeHeadDim, int qkRopeHeadDim, int vHeadDim) {
    public MlaDims {
        if (qLoraRank < 0) {
            throw new ModelException("mla: q_lora_rank must be >= 0, got " + qLoraRank);
        }
        ModelConfig.positive("mla kv_lora_rank", kvLoraRank);
        ModelConfig.positive("mla qk_nope_head_dim", qkNopeHeadDim);
        ModelConfig.positive("mla qk_rope_head_dim", qkRopeHeadDim);
        ModelConfig.positive("mla v_head_dim", vHeadDim);
        ModelConfig.atMost("mla q_lora_rank", qLoraRank, 1 << 20);
        ModelConfig.atMost("mla kv_lora_rank", kvLoraRank, 1 << 20);
        ModelConfig.atMost("mla qk_nope_head_dim", qkNopeHeadDim, 1 << 16);
        ModelConfig.atMost("mla qk_rope_head_dim", qkRopeHeadDim, 1 << 16);
        ModelConfig.atMost("mla v_head_dim", vHeadDim, 1 << 16);
    }

    /** Query/key width per head: the non-rotary and rotary parts. */
    public int qkHeadDim() {
        return qkNopeHeadDim + qkRopeHeadDim;
    }
}
