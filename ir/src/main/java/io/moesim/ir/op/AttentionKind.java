package io.moesim.ir.op;

/** Attention variants by how query heads share key/value heads. */
public enum AttentionKind {
    /** Multi-head: one KV head per query head. */
    MHA,
    /** Grouped-query: several query heads per KV head. */
    GQA,
    /** Multi-query: one KV head for all query heads. */
    MQA,
    /** Multi-head latent attention (DeepSeek): a compressed latent KV shared by all heads. */
    MLA
}
