package io.moesim.ir.model;

/**
 * Gated DeltaNet linear-attention layers of a hybrid model (Qwen3-Next): every layer is linear except each
 * {@code fullInterval}-th one (layers fullInterval−1, 2·fullInterval−1, ..., as Hugging Face's
 * {@code Qwen3NextConfig} derives {@code layer_types} from {@code full_attention_interval}), which keeps the
 * model's {@link AttentionConfig} attention.
 *
 * @param keyHeads {@code linear_num_key_heads} (q and k heads)
 * @param valueHeads {@code linear_num_value_heads} (v heads, the recurrence's heads)
 * @param keyDim {@code linear_key_head_dim}
 * @param valueDim {@code linear_value_head_dim}
 * @param convKernel {@code linear_conv_kernel_dim}, the short causal conv's width
 * @param fullInterval the period of full-attention layers (0: none, every layer linear)
 */
public record LinearAttention(int keyHeads, int valueHeads, int keyDim, int valueDim, int convKernel, int fullInterval) {
    public LinearAttention {
        ModelConfig.dimension("linear attention key heads", keyHeads, 1 << 16);
        ModelConfig.dimension("linear attention value heads", valueHeads, 1 << 16);
        ModelConfig.dimension("linear attention key head dim", keyDim, 1 << 16);
        ModelConfig.dimension("linear attention value head dim", valueDim, 1 << 16);
        ModelConfig.dimension("linear attention conv kernel", convKernel, 1 << 10);
        if (valueHeads % keyHeads != 0) {
            throw new ModelException("linear attention: value heads " + valueHeads + " is not a multiple of key heads " + keyHeads);
        }
        if (fullInterval < 0) {
            throw new ModelException("linear attention: full attention interval must be >= 0, got " + fullInterval);
        }
    }

    /** Whether layer i is a linear-attention layer. */
    public boolean isLinear(int layer) {
        return fullInterval == 0 || (layer + 1) % fullInterval != 0;
    }

    /** The in-projection's width: q, k (key heads), v and z (value heads), then b and a (one each per value head). */
    public long inProjWidth() {
        return 2L * keyHeads * keyDim + 2L * valueHeads * valueDim + 2L * valueHeads;
    }

    /** Channels of the short conv: q and k of every key head, v of every value head. */
    public long convDim() {
        return io.moesim.ir.op.GatedDeltaNet.convDim(keyHeads, valueHeads, keyDim, valueDim);
    }

    /** State elements one sequence keeps per linear layer: S (value heads × key_dim × value_dim) and the conv's last kernel−1 inputs. */
    public long stateElements() {
        return io.moesim.ir.op.GatedDeltaNet.stateElements(keyHeads, valueHeads, keyDim, valueDim, convKernel);
    }
}
