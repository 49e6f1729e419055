package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.model.HfConfigImporter;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.op.LightningIndexer;
import io.moesim.ir.op.MlaAttention;
import io.moesim.sim.Simulator;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * DeepSeek-V3.2's sparse attention in the kernel model and the KV accounting: the main MLA decode kernel stops growing
 * past top-k (2048) keys, the indexer keeps growing with the context, and the indexer's fp8 key cache (128 + a 4-byte
 * scale a token and layer) is in the KV bytes per token.
 */
class SparseAttentionKernelTest {
    private static final DeviceSpec H200 = Systems.load("h200x8").device();

    private static OpEstimate mla(long batch, long kv, int topk) {
        MlaAttention op = new MlaAttention(128, 512, 64, 128, 128, batch, 1, kv, true, true, DType.FP8_E4M3, topk);
        TensorType q = TensorType.of(DType.FP8_E4M3, batch, 128L * 576);
        TensorType c = TensorType.of(DType.FP8_E4M3, batch, 576);
        List<TensorType> in = topk > 0 ? List.of(q, c, TensorType.of(DType.INT32, batch, topk)) : List.of(q, c);
        return new KernelSimulator().estimate(op, in, H200, H200.primary());
    }

    private static OpEstimate indexer(long batch, long kv) {
        LightningIndexer op = new LightningIndexer(64, 128, 2048, batch, 1, kv);
        List<TensorType> in = List.of(TensorType.of(DType.FP8_E4M3, batch, 64L * 128), TensorType.of(DType.FP8_E4M3, batch, 128),
                TensorType.of(DType.FP8_E4M3, batch, 64));
        return new KernelSimulator().estimate(op, in, H200, H200.primary());
    }

    @Test
    void sparseDecodeKernelStopsGrowingPastTopk() {
        OpEstimate edge = mla(32, 2049, 2048);
        for (long kv : new long[] {4096, 32768, 131072}) {
            assertEquals(edge.seconds(), mla(32, kv, 2048).seconds(), 0.0, "ctx " + kv);
            assertTrue(mla(32, kv, 0).seconds() > edge.seconds(), "dense grows: ctx " + kv);
        }
        // up to top-k, sparse is dense (its index operand aside: 8 KB a sequence against 1.2 MB of latent KV)
        assertEquals(mla(32, 2048, 0).seconds(), mla(32, 2048, 2048).seconds(), 0.01 * mla(32, 2048, 0).seconds());
        // the indexer grows with the context: 4 times the keys, at least 3 times the time
        assertTrue(indexer(32, 131072).seconds() > 3 * indexer(32, 32768).seconds());
    }

    /** KV bytes per token: 61 layers x (576 latent + RoPE elements in the KV dtype + the indexer's 132 bytes). */
    @Test
    void indexerKeyCacheIsInTheKvBytesPerToken() {
        ModelConfig v32 = HfConfigImporter.load(Path.of("../ir/src/test/resources/hf/deepseek-v3.2.json"));
        assertEquals(61L * (576 * 2 + 132), Simulator.kvBytesPerToken(v32, DType.BF16));
        assertEquals(61L * (576 + 132), Simulator.kvBytesPerToken(v32, DType.FP8_E4M3));
        assertEquals(61L * 576 * 2, Simulator.kvBytesPerToken(ModelZoo.get("deepseek-v3"), DType.BF16));
    }
}
