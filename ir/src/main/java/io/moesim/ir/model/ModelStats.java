package io.moesim.ir.model;

import io.moesim.ir.graph.GraphStats;

/**
 * Parameter counts of a model, computed from its generated graph ({@link GraphStats}): every
 * weight-holding op, router and norms included. With tied embeddings the LM head reuses the
 * embedding table and is counted once. Active = what one token uses (top_k routed experts, all
 * shared and dense weights, embedding and LM head).
 *
 * @param total all parameters
 * @param active parameters one token uses
 * @param embedding the token (and learned position) embedding tables
 */
public record ModelStats(long total, long active, long embedding) {

    /**
     * Counts from a one-token prefill graph (both MLA forms are weight-exact; see {@link GraphGenerator}),
     * plus the weights the graph does not hold: DeepSeek-V3.2's lightning indexer
     * ({@link MlaDims#indexerParams}, every layer, used by every token).
     */
    public static ModelStats of(ModelConfig m) {
        GraphStats s = GraphStats.of(GraphGenerator.generate(GraphRequest.prefill(m, 1, 1)));
        long table = m.vocab() * m.hidden();
        long shared = m.tiedEmbeddings() ? table : 0;
        MlaDims mla = m.attention().mla();
        long outside = mla == null ? 0 : m.layers() * mla.indexerParams(m.hidden());
        return new ModelStats(s.params() - shared + outside, s.activeParams() - shared + outside, table + m.learnedPositions() * m.hidden());
    }

    /** Active parameters without the embedding lookup table (how some publish "active"; the LM head stays). */
    public long activeWithoutEmbedding() {
        return active - embedding;
    }

    public long totalWithoutEmbedding() {
        return total - embedding;
    }
}
