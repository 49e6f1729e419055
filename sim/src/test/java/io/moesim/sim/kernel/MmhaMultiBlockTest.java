package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * TensorRT-LLM's MMHA multi-block split, each case worked by hand from mmha_launch_kernel_ex and multi_block_grid_setup
 * (decoderMaskedMultiheadAttentionLaunch.h) and AttentionOp::getMaxNumSeqLenTile: divUp(SMs, pairs), clamped to one
 * unrolled key loop per CTA, divUp(kv + 1, divUp(1024, threads per value) x 8).
 */
class MmhaMultiBlockTest {
    @Test
    void fewPairsSplitToFillTheSmsOnce() {
        // 64 pairs, head dim 128 (16 threads per value: 128 x 2 B / 16 B), 2048 keys, 132 SMs: divUp(132, 64) = 3; a key loop is
        // divUp(1024, 16) x 8 = 512 keys, divUp(2049, 512) = 5 >= 3: 3 CTAs per pair (192 CTAs: a full wave and one of 60)
        assertEquals(3, MmhaMultiBlock.tiles(64, 128, 2048, 132));
        // 8 pairs, head dim 64 (8 threads per value, loops of 1024 keys), 32768 keys: divUp(132, 8) = 17 <= divUp(32769, 1024) = 33
        assertEquals(17, MmhaMultiBlock.tiles(8, 64, 32768, 132));
        // 131 pairs: divUp(132, 131) = 2
        assertEquals(2, MmhaMultiBlock.tiles(131, 128, 4096, 132));
    }

    @Test
    void shortKeysLimitTheSplit() {
        // 2 pairs, head dim 256 (32 threads per value, loops of 256 keys), 1024 keys: divUp(1025, 256) = 5 < divUp(132, 2) = 66
        assertEquals(5, MmhaMultiBlock.tiles(2, 256, 1024, 132));
        // head dim 192 rounds up to 256 (mmha::dh_max): the same loop of 256 keys
        assertEquals(5, MmhaMultiBlock.tiles(2, 192, 1024, 132));
        // one pair, 100 keys, head dim 128: divUp(101, 512) = 1: no split
        assertEquals(1, MmhaMultiBlock.tiles(1, 128, 100, 132));
    }

    @Test
    void asManyPairsAsSmsNeverSplit() {
        // divUp(132, 132) = 1: the workspace holds one tile per pair
        assertEquals(1, MmhaMultiBlock.tiles(132, 128, 65536, 132));
        assertEquals(1, MmhaMultiBlock.tiles(4096, 64, 65536, 132));
        assertEquals(128, MmhaMultiBlock.headDimMax(128));
        assertEquals(256, MmhaMultiBlock.headDimMax(192));
        assertEquals(16, MmhaMultiBlock.threadsPerValue(128));
    }
}
