package io.moesim.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * vLLM's tuned Triton MoE configs as its loader picks them. Expected tiles are read off the upstream file by hand:
 * github.com/vllm-project/vllm vllm/model_executor/layers/fused_moe/configs/E=8,N=3584,device_name=NVIDIA_H100_80GB_HBM3.json
 * at 702e0e2 (batch 8: BLOCK_SIZE_M 16, BLOCK_SIZE_K 128; 48: 32, 128; 96: 32, 128; 128: 64, 128; 256: 128, 64; 4096: 128, 64).
 */
class TritonMoeConfigsTest {
    private static final DeviceSpec H100 = Targets.load("h100");
    private static final DeviceSpec H200 = Targets.load("h200");

    private static MoeTileRule.Tile tile(int m, int k) {
        return new MoeTileRule.Tile(m, k);
    }

    @Test
    void theEntryNearestTheCallsTokensTheSmallerOnATie() {
        // Mixtral-8x7B at TP 4 on H100 (E=8, N=3584)
        assertEquals(Optional.of(tile(16, 128)), TritonMoeConfigs.tile("vllm", H100, 8, 3584, 8));
        // 100 tokens: 96 is nearer than 128
        assertEquals(Optional.of(tile(32, 128)), TritonMoeConfigs.tile("vllm", H100, 8, 3584, 100));
        // 112 tokens: 16 from 96 and from 128, the smaller key (Python's min keeps the first of the ascending keys)
        assertEquals(Optional.of(tile(32, 128)), TritonMoeConfigs.tile("vllm", H100, 8, 3584, 112));
        assertEquals(Optional.of(tile(64, 128)), TritonMoeConfigs.tile("vllm", H100, 8, 3584, 113));
        // 192 tokens: as near 128 as 256, the smaller
        assertEquals(Optional.of(tile(64, 128)), TritonMoeConfigs.tile("vllm", H100, 8, 3584, 192));
        // beyond the largest key, the largest
        assertEquals(Optional.of(tile(128, 64)), TritonMoeConfigs.tile("vllm", H100, 8, 3584, 16384));
        // a calibrated overlay is the same GPU
        assertEquals(Optional.of(tile(16, 128)), TritonMoeConfigs.tile("vllm", Targets.load("h100-calibrated"), 8, 3584, 8));
    }

    @Test
    void noFileNoTunedTileAndNoOtherDevicesFile() {
        // E=1, N=512: no file on either GPU (vLLM runs get_default_config)
        assertTrue(TritonMoeConfigs.tile("vllm", H100, 1, 512, 8).isEmpty());
        // E=1, N=3072 has an H100 file only: vLLM never reads another device's file
        assertTrue(TritonMoeConfigs.tile("vllm", H100, 1, 3072, 8).isPresent());
        assertTrue(TritonMoeConfigs.tile("vllm", H200, 1, 3072, 8).isEmpty());
        // SGLang's files are not listed (its 0.5.9 config folder is not in the code index), nor any GPU off the list
        assertTrue(TritonMoeConfigs.tile("sglang", H100, 8, 3584, 8).isEmpty());
        assertTrue(TritonMoeConfigs.tile("vllm", Targets.load("b200"), 8, 3584, 8).isEmpty());
    }

    @Test
    void theRuleTakesATunedTileWhereTheFrameworkShipsOne() {
        MoeTileRule t = MoeTileRule.TRITON_DEFAULT;
        // tuned: Mixtral TP 4, 8 tokens -> 16 x 128 K; its K steps by hand: 4096 / 128 + 3584 / 128 = 32 + 28 = 60
        MoeTileRule.Tile tuned = t.tile("vllm", H100, 8, 8, 3584);
        assertEquals(tile(16, 128), tuned);
        assertEquals(60, MoeTileRule.kSteps(tuned, 4096, 3584));
        // untuned: get_default_config, 8 tokens over 8 experts (M <= E) -> 16 x 64; 9 tokens -> 64 x 32
        assertEquals(tile(16, 64), t.tile("vllm", H100, 8, 8, 512));
        assertEquals(tile(64, 32), t.tile("vllm", H100, 9, 8, 512));
        assertEquals(tile(16, 64), t.tile("sglang", H100, 8, 8, 3584));
        // TensorRT-LLM's rule never reads the Triton files
        assertEquals(tile(16, 64), MoeTileRule.CUTLASS_SM90_AUTOTUNED.tile("vllm", H100, 8, 8, 3584));
        // each expert's rows padded to the tuned 16: {1, 0, 17, 64} -> 16 + 0 + 32 + 64
        assertEquals(112, MoeTileRule.paddedToBlock(new long[] {1, 0, 17, 64}, tuned.blockM()));
    }
}
