package io.moesim.validation.reference;

import io.moesim.ir.op.Scoring;

/**
 * The dimensions of one pre-norm transformer block with GQA attention and an MoE (or dense SwiGLU,
 * experts = 1) FFN: what the GPU runner and the reference both execute for "a block of a zoo model".
 * Rotary embeddings are left out: they change values, not the cost or the data flow.
 */
public record BlockShape(int hidden, int heads, int kvHeads, int headDim, int experts, int topK, int ffn, Scoring scoring) {

    public BlockShape {
        if (hidden <= 0 || heads <= 0 || kvHeads <= 0 || headDim <= 0 || experts <= 0 || topK <= 0 || ffn <= 0 || topK > experts) {
            throw new IllegalArgumentException("bad block shape");
        }
    }

    public static BlockShape of(io.moesim.ir.model.ModelConfig c) {
        if (c.attention().mla() != null) {
            throw new IllegalArgumentException(c.name() + " uses MLA attention; the block runner covers GQA/MHA models");
        }
        if (c.isMoe()) {
            return new BlockShape(c.hidden(), c.heads(), c.kvHeads(), c.headDim(), c.moe().experts(), c.moe().topK(),
                    Math.toIntExact(c.moe().expertFfn()), c.moe().scoring());
        }
        return new BlockShape(c.hidden(), c.heads(), c.kvHeads(), c.headDim(), 1, 1, Math.toIntExact(c.ffn()), Scoring.SOFTMAX);
    }
}
