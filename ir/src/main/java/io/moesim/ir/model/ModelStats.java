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
     * Counts from a one-token prefill graph (both MLA forms are weight-exact; see {@link GraphGenerator}; DeepSeek-V3.2's
     * lightning indexer projections are in it).
     */
    public static ModelStats of(ModelConfig m) {
        GraphStats s = GraphStats.of(GraphGenerator.generate(GraphRequest.prefill(m, 1, 1)));
        long table = m.vocab() * m.hidden();
        long shared = m.tiedEmbeddings() ? table : 0;
        return new ModelStats(s.params() - shared, s.activeParams() - shared, table + m.learnedPositions() * m.hidden());
    }

    /** Active parameters without the embedding lookup table (how some publish "active"; the LM head stays). */
    public long activeWithoutEmbedding() {
        return active - embedding;
    }

    public long totalWithoutEmbedding() {
        return total - embedding;
    }
}
