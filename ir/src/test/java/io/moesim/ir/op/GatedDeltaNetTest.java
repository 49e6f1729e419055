package io.moesim.ir.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.GraphStats;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.HfConfigImporter;
import io.moesim.ir.model.ModelConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Gated DeltaNet's cost, by hand for Qwen3-Next's dimensions (16 key heads, 32 value heads, 128 x 128, conv 4:
 * conv_dim 2·16·128 + 32·128 = 8192), and its decode cost's independence of the context.
 */
class GatedDeltaNetTest {

    private static GatedDeltaNet qwen3Next(long batch, long qLen, long kvLen) {
        return new GatedDeltaNet(16, 32, 128, 128, 4, batch, qLen, kvLen, 64, DType.BF16);
    }

    private static List<TensorType> operands(long rows) {
        return List.of(TensorType.of(DType.BF16, rows, 8192), TensorType.of(DType.BF16, rows, 32 * 128), TensorType.of(DType.BF16, rows, 64));
    }

    /** The state one sequence keeps per layer: S = 32 x 128 x 128, the conv's last 3 inputs of 8192 channels; bf16. */
    @Test
    void stateBytesPerSequenceByHand() {
        GatedDeltaNet op = qwen3Next(8, 1, 4096);
        assertEquals(32L * 128 * 128 + 3L * 8192, op.stateElements());
        assertEquals(548_864L, op.stateElements());
        Traffic t = op.traffic(operands(8));
        assertEquals(8 * 548_864L * 2, t.kvReadBytes());
        assertEquals(8 * 548_864L * 2, t.kvWriteBytes());
        // a first prefill chunk has no state to read, only the final one to write
        Traffic p = qwen3Next(1, 128, 128).traffic(operands(128));
        assertEquals(0, p.kvReadBytes());
        assertEquals(548_864L * 2, p.kvWriteBytes());
    }

    /** Decode, the recurrent form: conv 2·4·8192 and 7·128·128 per value head per token. */
    @Test
    void decodeFlopsByHand() {
        assertEquals(3 * (2L * 4 * 8192 + 32L * 7 * 128 * 128), qwen3Next(3, 1, 100).flops(operands(3)));
        assertEquals(3_735_552L, qwen3Next(1, 1, 100).flops(operands(1)));
    }

    /**
     * Prefill, the chunked form over two chunks of 64: per chunk and head 6·64²·128 + 4·64²·128 + 6·64·128·128 +
     * 64³/3 + 128·128 = 3,145,728 + 2,097,152 + 6,291,456 + 87,381 + 16,384 = 11,638,101; two chunks, 32 heads, plus
     * the conv over 128 tokens (2·4·8192·128 = 8,388,608). Each chunk's state (32·128·128 bf16) is written and read back.
     */
    @Test
    void prefillFlopsByHand() {
        GatedDeltaNet op = qwen3Next(1, 128, 128);
        assertEquals(2L * 32 * 11_638_101 + 8_388_608, op.flops(operands(128)));
        assertEquals(2, op.chunks());
        Traffic t = op.traffic(operands(128));
        long in = 128L * (8192 + 4096 + 64) * 2;
        long chunkStates = 2L * 32 * 128 * 128 * 2;
        assertEquals(in + chunkStates, t.activationReadBytes());
        assertEquals(128L * 4096 * 2 + chunkStates, t.activationWriteBytes());
        assertEquals((8192L * 4 + 64 + 128) * 2, t.weightBytes());
        // per token the chunked form costs C·(6dk + 4dv) + 6·dk·dv more or less: within 2% here
        double perToken = (double) op.recurrenceFlopsPerSequence() / (128 * 32);
        double approx = 64 * (6 * 128 + 4 * 128) + 6 * 128 * 128;
        assertTrue(Math.abs(perToken / approx - 1) < 0.02, perToken + " vs " + approx);
    }

    /** Property: a decode step of a linear layer costs the same whatever the context (seeded draws of batch and context). */
    @Test
    void decodeCostIsIndependentOfContext() {
        Random r = new Random(18);
        for (int i = 0; i < 50; i++) {
            long batch = 1 + r.nextInt(256);
            long q = 1 + r.nextInt(4);
            long a = q + 1 + r.nextInt(1000);
            long b = q + 1 + (long) r.nextInt(1 << 20);
            GatedDeltaNet x = qwen3Next(batch, q, a);
            GatedDeltaNet y = qwen3Next(batch, q, b);
            List<TensorType> in = operands(batch * q);
            assertEquals(x.flops(in), y.flops(in), "flops at " + a + " vs " + b);
            assertEquals(x.traffic(in), y.traffic(in), "traffic at " + a + " vs " + b);
        }
    }

    /** In the graph: Qwen3-Next's decode step grows with the context only in its 12 full-attention layers. */
    @Test
    void qwen3NextDecodeGrowsOnlyInItsAttentionLayers() {
        ModelConfig m = HfConfigImporter.load(Path.of("src/test/resources/hf/qwen3-next-80b-a3b.json"));
        GraphStats shortCtx = GraphStats.of(GraphGenerator.generate(GraphRequest.decode(m, 8, 1024)));
        GraphStats longCtx = GraphStats.of(GraphGenerator.generate(GraphRequest.decode(m, 8, 131072)));
        GraphStats.KindStats g1 = kind(shortCtx, GatedDeltaNet.MNEMONIC);
        GraphStats.KindStats g2 = kind(longCtx, GatedDeltaNet.MNEMONIC);
        assertEquals(36, g1.count());
        assertEquals(g1.flops(), g2.flops());
        assertEquals(g1.traffic(), g2.traffic());
        GraphStats.KindStats a1 = kind(shortCtx, Attention.MNEMONIC);
        GraphStats.KindStats a2 = kind(longCtx, Attention.MNEMONIC);
        assertEquals(12, a1.count());
        // KV read of the 12 attention layers: 8 sequences x past x 2 x 2 kv heads x 256 x bf16
        assertEquals(12L * 8 * 1023 * 2 * 2 * 256 * 2, a1.traffic().kvReadBytes());
        assertEquals(12L * 8 * 131071 * 2 * 2 * 256 * 2, a2.traffic().kvReadBytes());
        assertEquals(shortCtx.flops() - a1.flops(), longCtx.flops() - a2.flops());
    }

    private static GraphStats.KindStats kind(GraphStats s, String mnemonic) {
        return s.byKind().stream().filter(k -> k.mnemonic().equals(mnemonic)).findFirst().orElseThrow();
    }
}
