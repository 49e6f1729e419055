package io.moesim.ir.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.moesim.ir.graph.Block;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.Node;
import io.moesim.ir.op.Attention;
import org.junit.jupiter.api.Test;

/** A prefill chunk that continues a prompt attends to the earlier chunks in the KV cache too. */
class ChunkedPrefillTest {

    private static Attention prefillAttention(Graph g) {
        return find(g.body());
    }

    private static Attention find(Block b) {
        for (Node n : b.nodes()) {
            if (n.op() instanceof Attention a && !a.isDecode()) {
                return a;
            }
            if (n.hasBody()) {
                Attention a = find(n.body());
                if (a != null) {
                    return a;
                }
            }
        }
        return null;
    }

    @Test
    void secondChunkAttendsToTheFirst() {
        ModelConfig m = ModelZoo.get("mixtral-8x7b");
        // the second 2048-token chunk of a 4096-token prompt
        GraphRequest r = GraphRequest.mixed(m, 1, 2048, 16, 1024).withPrefillContext(4096);
        Attention a = prefillAttention(GraphGenerator.generate(r));
        assertEquals(2048, a.qLen());
        assertEquals(4096, a.kvLen());
        // causal pairs: query i of the chunk (0-based) sees 2048 + i + 1 keys: 2048*2048 + 2048*2049/2
        assertEquals(2048L * 2048 + 2048L * 2049 / 2, a.pairsPerSequence());
        // the first chunk (a whole prompt so far) sees only itself
        Attention first = prefillAttention(GraphGenerator.generate(GraphRequest.mixed(m, 1, 2048, 16, 1024)));
        assertEquals(2048L * 2049 / 2, first.pairsPerSequence());
    }

    @Test
    void contextShorterThanTheChunkIsRejected() {
        ModelConfig m = ModelZoo.get("mixtral-8x7b");
        assertThrows(ModelException.class, () -> GraphRequest.prefill(m, 1, 2048).withPrefillContext(1024));
    }
}
