package io.moesim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Systems;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.model.HfConfigImporter;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.ModelZoo;
import io.moesim.ir.op.GatedDeltaNet;
import io.moesim.sim.kernel.KernelSimulator;
import io.moesim.sim.kernel.OpEstimate;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * KV accounting of a hybrid model (Qwen3-Next-80B-A3B: 12 full-attention layers of 2 KV heads x 256, 36 Gated DeltaNet
 * layers of 32 value heads x 128 x 128 and a 4-wide conv over 8192 channels), by hand, and the kernel cost of a linear
 * layer's decode step against the context.
 */
class HybridKvTest {
    private static final ModelConfig QWEN3_NEXT = HfConfigImporter.load(Path.of("../ir/src/test/resources/hf/qwen3-next-80b-a3b.json"));

    /** Per token only the 12 full-attention layers add K and V: 12 x 2 x 2 x 256 x 2 bytes. */
    @Test
    void kvBytesPerTokenCountsOnlyFullAttentionLayers() {
        assertEquals(12L * 2 * 2 * 256 * 2, Simulator.kvBytesPerToken(QWEN3_NEXT, DType.BF16));
        assertEquals(24_576L, Simulator.kvBytesPerToken(QWEN3_NEXT, DType.BF16));
        // a model without linear layers is unchanged: Mixtral 32 layers x 2 x 8 x 128 x 2 bytes, no state
        assertEquals(32L * 2 * 8 * 128 * 2, Simulator.kvBytesPerToken(ModelZoo.get("mixtral-8x7b"), DType.BF16));
        assertEquals(0, Simulator.stateBytesPerSequence(ModelZoo.get("mixtral-8x7b"), DType.BF16));
    }

    /** Per sequence the 36 linear layers keep S (32 x 128 x 128) and the conv state (3 x 8192), bf16: 39.5 MB. */
    @Test
    void stateBytesPerSequenceByHand() {
        long perLayer = 32L * 128 * 128 + 3L * 8192;
        assertEquals(36 * perLayer * 2, Simulator.stateBytesPerSequence(QWEN3_NEXT, DType.BF16));
        assertEquals(39_518_208L, Simulator.stateBytesPerSequence(QWEN3_NEXT, DType.BF16));
        assertEquals(39_518_208L / 2, Simulator.stateBytesPerSequence(QWEN3_NEXT.withKvDtype(DType.FP8_E4M3), DType.BF16));
    }

    /** The state pool of max-batch sequences comes off the KV capacity: 39,518,208 / 24,576 = 1,608 tokens a sequence. */
    @Test
    void statesOfMaxBatchSequencesComeOffTheKvCapacity() {
        SystemSpec s = Systems.load("h200x2");
        long tokens = Simulator.kvCapacityTokens(QWEN3_NEXT, DType.BF16, s);
        assertEquals(tokens - 64 * 1608L, Simulator.withStates(QWEN3_NEXT, DType.BF16, s, tokens, 64));
        ModelConfig mixtral = ModelZoo.get("mixtral-8x7b");
        assertEquals(1000, Simulator.withStates(mixtral, DType.BF16, s, 1000, 64));
        assertThrows(SimulationException.class, () -> Simulator.withStates(QWEN3_NEXT, DType.BF16, s, 1000, 64));
    }

    /** The simulated time of a linear layer's decode step (8 and 256 sequences) is the same at 1k and 128k context. */
    @Test
    void linearDecodeKernelTimeIsIndependentOfContext() {
        DeviceSpec h200 = Systems.load("h200x2").device();
        for (long batch : new long[] {8, 256}) {
            OpEstimate a = estimate(h200, batch, 1024);
            OpEstimate b = estimate(h200, batch, 131072);
            assertEquals(a.seconds(), b.seconds(), 0.0);
            // memory-bound: at least the state read and written once (2 x 36 layers' worth / 36 per layer)
            double stateBytes = 2.0 * batch * (32L * 128 * 128 + 3L * 8192) * 2;
            assertTrue(a.breakdown().dramBytes() >= stateBytes, a.breakdown().dramBytes() + " < " + stateBytes);
        }
    }

    private static OpEstimate estimate(DeviceSpec d, long batch, long kv) {
        GatedDeltaNet op = new GatedDeltaNet(16, 32, 128, 128, 4, batch, 1, kv, 64, DType.BF16);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, batch, 8192), TensorType.of(DType.BF16, batch, 4096), TensorType.of(DType.BF16, batch, 64));
        return new KernelSimulator().estimate(op, in, d, d.primary());
    }
}
