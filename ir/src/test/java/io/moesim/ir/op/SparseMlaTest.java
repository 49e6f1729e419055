package io.moesim.ir.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.GraphStats;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.HfConfigImporter;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DeepSeek-V3.2's sparse attention (DSA) by hand: 128 heads, latent 512 + RoPE 64 (the absorbed decode form does
 * 2·512 + 64 FLOPs per head and key, reads 576 elements a key), the indexer's 64 heads of 128 over fp8 keys of 132 bytes
 * (128 + one fp32 scale), top-k 2048.
 */
class SparseMlaTest {
    private static final int TOPK = 2048;

    private static MlaAttention decode(long batch, long kv, int topk) {
        return new MlaAttention(128, 512, 64, 128, 128, batch, 1, kv, true, true, DType.BF16, topk);
    }

    private static List<TensorType> decodeOperands(long batch, boolean sparse) {
        TensorType q = TensorType.of(DType.BF16, batch, 128L * 576);
        TensorType c = TensorType.of(DType.BF16, batch, 576);
        return sparse ? List.of(q, c, TensorType.of(DType.INT32, batch, TOPK)) : List.of(q, c);
    }

    private static LightningIndexer indexer(long batch, long q, long kv) {
        return new LightningIndexer(64, 128, TOPK, batch, q, kv);
    }

    private static List<TensorType> indexerOperands(long rows) {
        return List.of(TensorType.of(DType.BF16, rows, 64L * 128), TensorType.of(DType.BF16, rows, 128), TensorType.of(DType.BF16, rows, 64));
    }

    /** Up to top-k keys the sparse attention is the dense one (the index operand aside: 4 bytes a selected key). */
    @Test
    void atContextUpToTopkSparseIsDense() {
        for (long kv : new long[] {1, 100, 2047, 2048}) {
            MlaAttention dense = decode(8, kv, 0);
            MlaAttention sparse = decode(8, kv, TOPK);
            assertEquals(dense.flops(decodeOperands(8, false)), sparse.flops(decodeOperands(8, true)), "ctx " + kv);
            Traffic d = dense.traffic(decodeOperands(8, false));
            Traffic s = sparse.traffic(decodeOperands(8, true));
            assertEquals(d.kvReadBytes(), s.kvReadBytes(), "ctx " + kv);
            assertEquals(d.activationReadBytes() + 8L * TOPK * 4, s.activationReadBytes(), "ctx " + kv);
        }
    }

    /** Past top-k, the main attention costs what it costs over a past of exactly top-k keys: 2·B·128·2048·(2·512+64) FLOPs, B·2048·576·2 bytes. */
    @Test
    void pastTopkTheMainAttentionStopsGrowing() {
        long b = 4;
        MlaAttention atTopk = decode(b, TOPK + 1, TOPK);
        assertEquals(2L * b * 128 * 2048 * (2 * 512 + 64), atTopk.flops(decodeOperands(b, true)));
        assertEquals(b * 2048L * 576 * 2, atTopk.traffic(decodeOperands(b, true)).kvReadBytes());
        for (long kv : new long[] {4096, 32768, 131072}) {
            MlaAttention far = decode(b, kv, TOPK);
            assertEquals(atTopk.flops(decodeOperands(b, true)), far.flops(decodeOperands(b, true)), "ctx " + kv);
            assertEquals(atTopk.traffic(decodeOperands(b, true)), far.traffic(decodeOperands(b, true)), "ctx " + kv);
            assertEquals(TOPK, far.attendedKeys());
            // the dense one keeps growing
            assertTrue(decode(b, kv, 0).flops(decodeOperands(b, false)) > far.flops(decodeOperands(b, true)));
        }
    }

    /** The indexer scores every key: at 32k context, 2·B·32768·64·(128 + 1) FLOPs; it reads B·32767 keys of 132 bytes, writes B. */
    @Test
    void indexerIsLinearInContextByHand() {
        long b = 3;
        LightningIndexer op = indexer(b, 1, 32768);
        assertEquals(132, op.keyBytes());
        assertEquals(2L * b * 32768 * 64 * 129, op.flops(indexerOperands(b)));
        Traffic t = op.traffic(indexerOperands(b));
        assertEquals(b * 32767L * 132, t.kvReadBytes());
        assertEquals(b * 132L, t.kvWriteBytes());
        assertEquals(List.of(TensorType.of(DType.INT32, b, TOPK)), op.inferTypes(indexerOperands(b)));
        // doubling the context doubles its work (to within the one key of the current token)
        assertEquals(2 * op.flops(indexerOperands(b)), indexer(b, 1, 65536).flops(indexerOperands(b)));
        assertThrows(TypeException.class, () -> op.inferTypes(indexerOperands(b).subList(0, 2)));
    }

    /** Prefill: each of a chunk's queries sees min(its position + 1, top-k) keys (a 4096-token prompt: 2048·2049/2 + 2048·2048 pairs). */
    @Test
    void prefillPairsAreCappedAtTopk() {
        MlaAttention p = new MlaAttention(128, 512, 64, 128, 128, 1, 4096, 4096, true, false, DType.BF16, TOPK);
        assertEquals(2048L * 2049 / 2 + 2048L * 2048, p.pairsPerSequence());
        assertEquals(0, p.kvEntriesRead(), "a first chunk has no past to read");
        MlaAttention cont = new MlaAttention(128, 512, 64, 128, 128, 1, 512, 8192, true, false, DType.BF16, TOPK);
        assertEquals(7680, cont.kvEntriesRead(), "a continued chunk's queries select over the whole past of 7,680 keys");
    }

    /**
     * In the graph: DeepSeek-V3.2's decode step at 1k context is DeepSeek-V3's plus the indexer (its projections and
     * its scoring); at 128k context the MLA ops cost what they cost at a past of 2048.
     */
    @Test
    void deepseekV32DecodeIsV3PlusTheIndexer() {
        ModelConfig v32 = HfConfigImporter.load(Path.of("src/test/resources/hf/deepseek-v3.2.json"));
        ModelConfig v3 = ModelZoo.get("deepseek-v3");
        GraphStats a = GraphStats.of(GraphGenerator.generate(GraphRequest.decode(v32, 8, 1024)));
        GraphStats d = GraphStats.of(GraphGenerator.generate(GraphRequest.decode(v3, 8, 1024)));
        GraphStats.KindStats idx = kind(a, LightningIndexer.MNEMONIC);
        assertEquals(61, idx.count());
        assertEquals(61L * 2 * 8 * 1024 * 64 * 129, idx.flops(), "2 x sequences x keys x heads x (head_dim + 1 for the weight), by hand");
        long projections = 61L * 2 * 8 * (1536L * 64 * 128 + 7168L * 128 + 7168L * 64);
        long normFlops = 61L * 8 * 128 * 8; // LayerNorm, 8 FLOPs an element
        assertEquals(d.flops() + idx.flops() + projections + normFlops, a.flops());
        assertEquals(kind(d, MlaAttention.MNEMONIC).flops(), kind(a, MlaAttention.MNEMONIC).flops());
        GraphStats far = GraphStats.of(GraphGenerator.generate(GraphRequest.decode(v32, 8, 131072)));
        GraphStats edge = GraphStats.of(GraphGenerator.generate(GraphRequest.decode(v32, 8, TOPK + 1)));
        assertEquals(kind(edge, MlaAttention.MNEMONIC).flops(), kind(far, MlaAttention.MNEMONIC).flops());
        assertEquals(kind(edge, MlaAttention.MNEMONIC).traffic(), kind(far, MlaAttention.MNEMONIC).traffic());
    }

    private static GraphStats.KindStats kind(GraphStats s, String mnemonic) {
        return s.byKind().stream().filter(k -> k.mnemonic().equals(mnemonic)).findFirst().orElseThrow();
    }
}
