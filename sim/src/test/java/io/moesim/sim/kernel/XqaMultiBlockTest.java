package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** TensorRT-LLM's XQA multi-block split, each case worked by hand from computeMultiBlockCount (decoderXQAImplCommon.h). */
class XqaMultiBlockTest {
    @Test
    void shortBatchOfModerateKeysSplitsUpToTheSquareRootCap() {
        // 64 sequences x 2 KV heads x 1024 keys on 132 SMs: 1024 / 128 = 8; round(sqrt(64)) = 8; 64 x 2 x 8 / 132 = 7.76 waves <= 8
        assertEquals(8, XqaMultiBlock.blocks(64, 2, 1024, 132));
        // one sequence x 8 KV heads x 131072 keys: 1024 blocks, capped at round(sqrt(8192)) = round(90.51) = 91; 8 x 91 / 132 = 5.5 waves
        assertEquals(91, XqaMultiBlock.blocks(1, 8, 131072, 132));
    }

    @Test
    void manyPairsShrinkTheSplitToEightWaves() {
        // 16 sequences x 8 KV heads x 4096 keys: 32 blocks, capped at round(sqrt(256)) = 16; 16 x 8 x 16 / 132 = 15.52 waves, excess
        // 1.939 -> floor(16 / 1.939) = 8
        assertEquals(8, XqaMultiBlock.blocks(16, 8, 4096, 132));
        // 256 x 8 pairs: 248 waves at 16 blocks, excess 31 -> floor(0.52) = 0 -> at least 1
        assertEquals(1, XqaMultiBlock.blocks(256, 8, 4096, 132));
    }

    @Test
    void fewKeysOrTheWorkspaceLimitTheSplit() {
        // under 128 keys: 0 blocks -> 1
        assertEquals(1, XqaMultiBlock.blocks(1, 1, 100, 132));
        // a hypothetical 1000-SM GPU, 100 sequences x 1 KV head x 10^6 keys: 7812 blocks, capped at round(sqrt(62496)) = 250; 25 waves,
        // excess 3.125 -> floor(80) = 80; the workspace allows 6000 / 100 = 60
        assertEquals(60, XqaMultiBlock.blocks(100, 1, 1_000_000, 1000));
    }
}
