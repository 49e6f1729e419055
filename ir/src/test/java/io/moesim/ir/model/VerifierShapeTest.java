package io.moesim.ir.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.graph.Block;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.GraphStats;
import io.moesim.ir.graph.Node;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.MlaAttention;
import io.moesim.ir.op.Op;
import org.junit.jupiter.api.Test;

/**
 * A speculative verifier is a decode graph on k + 1 query tokens per sequence: its GEMMs run on
 * (k + 1)·batch rows, its attention reads each sequence's KV once (the decode kernels, absorbed MLA).
 * Expected figures are by hand from the request's shape.
 */
class VerifierShapeTest {
    static final int BATCH = 88;
    static final long CTX = 4989; // a decode step's keys per sequence, the new token included

    static GraphRequest step(ModelConfig m) {
        return GraphRequest.decode(m, BATCH, CTX);
    }

    /** The verifier of k proposals after that step's context: k + 1 queries over the context plus the proposals. */
    static GraphRequest verifier(ModelConfig m, int k) {
        return GraphRequest.decode(m, BATCH, CTX + k).withDecodeQuery(k + 1);
    }

    static GraphStats.KindStats kind(GraphStats s, String mnemonic) {
        for (GraphStats.KindStats k : s.byKind()) {
            if (k.mnemonic().equals(mnemonic)) {
                return k;
            }
        }
        return null;
    }

    static <T extends Op> T find(Block b, Class<T> type) {
        for (Node n : b.nodes()) {
            if (type.isInstance(n.op())) {
                return type.cast(n.op());
            }
            if (n.hasBody()) {
                T t = find(n.body(), type);
                if (t != null) {
                    return t;
                }
            }
        }
        return null;
    }

    @Test
    void mlaVerifierIsTheAbsorbedDecodeOnKPlusOneRowsReadingTheKvOnce() {
        ModelConfig m = ModelZoo.get("deepseek-v3");
        for (int k : new int[] {1, 3}) {
            GraphStats d = GraphStats.of(GraphGenerator.generate(step(m)));
            Graph vg = GraphGenerator.generate(verifier(m, k));
            GraphStats v = GraphStats.of(vg);
            // GEMMs (dense projections, LM head, expert FFNs): FLOPs linear in the token rows, (k + 1) x BATCH against BATCH
            assertEquals((k + 1) * kind(d, "matmul").flops(), kind(v, "matmul").flops(), "k=" + k + " matmul FLOPs");
            assertEquals((k + 1) * kind(d, "expert_ffn").flops(), kind(v, "expert_ffn").flops(), "k=" + k + " expert FLOPs");
            // attention: the past KV (CTX - 1 tokens per sequence) read once, whatever k
            long kvD = kind(d, "mla_attention").traffic().kvReadBytes();
            long kvV = kind(v, "mla_attention").traffic().kvReadBytes();
            assertEquals(kvD, kvV, "k=" + k + ": the verifier reads each sequence's KV once, as a decode step does");
            // by hand: 61 layers x 88 sequences x 4988 past tokens x (512 latent + 64 RoPE) x 2 bytes (bf16)
            assertEquals(61L * 88 * 4988 * 576 * 2, kvD);
            MlaAttention op = find(vg.body(), MlaAttention.class);
            assertNotNull(op);
            assertTrue(op.absorbed(), "the decode kernel's absorbed form, not prefill's plain form");
            assertEquals(k + 1, op.qLen());
            assertTrue(op.isDecode());
            // causal among the k + 1 queries: query i (1-based) sees 4988 + i keys; absorbed FLOPs per pair 2 x 512 + 64
            long pairs = (k + 1) * 4988L + (k + 1) * (k + 2) / 2L;
            assertEquals(2L * 88 * 128 * pairs * (2 * 512 + 64), op.flops(null));
        }
    }

    @Test
    void gqaVerifierReadsTheKvOnceAndRunsKPlusOneTimesTheGemmRows() {
        ModelConfig m = ModelZoo.get("mixtral-8x7b");
        int k = 2;
        GraphStats d = GraphStats.of(GraphGenerator.generate(step(m)));
        Graph vg = GraphGenerator.generate(verifier(m, k));
        GraphStats v = GraphStats.of(vg);
        assertEquals(3 * kind(d, "matmul").flops(), kind(v, "matmul").flops());
        assertEquals(3 * kind(d, "expert_ffn").flops(), kind(v, "expert_ffn").flops());
        long kvD = kind(d, "attention").traffic().kvReadBytes();
        assertEquals(kvD, kind(v, "attention").traffic().kvReadBytes());
        // by hand: 32 layers x 88 x 4988 past tokens x (K and V) x 8 KV heads x 128 x 2 bytes
        assertEquals(32L * 88 * 4988 * 2 * 8 * 128 * 2, kvD);
        Attention a = find(vg.body(), Attention.class);
        assertEquals(3, a.qLen());
        assertTrue(a.isDecode());
        assertEquals(3L * BATCH, verifier(m, k).tokens());
    }

    @Test
    void decodeShapeIsAShortQueryAgainstALongerCache() {
        assertTrue(Attention.isDecode(1, 1));
        assertTrue(Attention.isDecode(17, 100));
        assertFalse(Attention.isDecode(18, 100), "past a verifier's longest query: prefill kernels");
        assertFalse(Attention.isDecode(4, 4), "a whole short prompt is a prefill");
        ModelConfig m = ModelZoo.get("mixtral-8x7b");
        assertThrows(ModelException.class, () -> GraphRequest.decode(m, 4, 2).withDecodeQuery(3), "more queries than keys");
        assertThrows(ModelException.class, () -> GraphRequest.decode(m, 4, 2).withDecodeQuery(0));
    }
}
