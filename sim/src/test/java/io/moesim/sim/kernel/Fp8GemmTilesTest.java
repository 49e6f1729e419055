package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.hw.DeviceSpec;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.FrameworkProfiles;
import io.moesim.hw.GemmTileRule;
import io.moesim.hw.Targets;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.MatMul;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** An fp8 GEMM on a library's own tiles with no split of K ({@link FrameworkProfile.Fp8GemmTiles}), by hand. */
class Fp8GemmTilesTest {
    private final DeviceSpec h100 = Targets.load("h100");

    private FrameworkCost.GemmDims dims(long m, long n, long k, DeviceSpec d) {
        return FrameworkCost.GemmDims.of(new MatMul(k, n, DType.FP8_E4M3), List.of(TensorType.of(DType.FP8_E4M3, m, k)), d, d.primary());
    }

    @Test
    void fewOutputTilesRunOneWaveOfWholeK() {
        // vLLM, m=3329 n=32 k=12288 (a database row: 104-129 us measured): M > 128 takes the 128x128x128 tile, so
        // ceil(3329/128) x ceil(32/128) = 27 CTAs, one wave on 132 SMs, each walking all of K.
        // Matrix work of one CTA: 128 x 128 x 12288 MACs / (4096 MACs per clock x 1830 MHz) = 26.859 us, at a 0.625
        // compute share 42.974 us; its operand stream: (128 rows of A + the 32 columns of B) x 12288 B at 114.3 GB/s = 17.20 us
        FrameworkProfile.Fp8GemmTiles vllm = new FrameworkProfile.Fp8GemmTiles(GemmTileRule.VLLM_CUTLASS_SM90, 114.3);
        assertEquals(4.2974426e-5, dims(3329, 32, 12288, h100).tileFloorSeconds(vllm, 0.625), 1e-11);
        // m=10 n=128 k=65536: M <= 16 swaps A/B, 64x16x256 tiles: 1 x 2 CTAs; work 16 x 64 x 65536 / (4096 x 1.83e9)
        // = 8.953 us, stream (10 rows of A + 64 columns of B) x 65536 B at 100 GB/s = 48.497 us: the stream decides
        FrameworkProfile.Fp8GemmTiles slow = new FrameworkProfile.Fp8GemmTiles(GemmTileRule.VLLM_CUTLASS_SM90, 100);
        assertEquals(4.849664e-5, dims(10, 128, 65536, h100).tileFloorSeconds(slow, 1.0), 1e-11);
        // SGLang, m=4096 n=8192 k=4096: 128x128 tiles, 32 x 64 = 2048 CTAs = ceil(2048/132) = 16 waves of
        // max(128 x 128 x 4096 / (4096 x 1.83e9) = 8.953 us, 256 x 4096 B at 63.5 GB/s = 16.513 us)
        FrameworkProfile.Fp8GemmTiles sgl = new FrameworkProfile.Fp8GemmTiles(GemmTileRule.SGLANG_CUTLASS_SM90, 63.5);
        assertEquals(16 * 256 * 4096 / 63.5e9, dims(4096, 8192, 4096, h100).tileFloorSeconds(sgl, 1.0), 1e-12);
    }

    @Test
    void aTimePerTokenIsPaidPerWaveOfRowsOverTheSms() {
        // vLLM's fp8 GEMM with a per-token time (per_item_ns) of 753.8 ns: m=32768 rows over 132 SMs = ceil(248.24) = 249
        // waves of rows, 249 x 753.8 ns = 187.696 us on top of the same GEMM without it (k=256, n=3072: measured 329.5 us)
        KernelSimulator sim = new KernelSimulator();
        MatMul mm = new MatMul(256, 3072, DType.FP8_E4M3);
        List<TensorType> in = List.of(TensorType.of(DType.FP8_E4M3, 32768, 256));
        FrameworkProfile vllm = FrameworkProfiles.load("vllm");
        FrameworkProfile.ClassFigures f = vllm.figures("gemm_fp8");
        FrameworkProfile.ClassFigures per = new FrameworkProfile.ClassFigures(f.callOverheadUs(), f.matrixEfficiency(), f.bandwidthFraction(),
                java.util.OptionalDouble.of(753.8), f.maxKvGroup());
        FrameworkProfile.ClassFigures none = new FrameworkProfile.ClassFigures(f.callOverheadUs(), f.matrixEfficiency(), f.bandwidthFraction(),
                java.util.OptionalDouble.empty(), f.maxKvGroup());
        for (boolean tiles : new boolean[] {true, false}) {
            FrameworkProfile base = tiles ? vllm : vllm.withFp8GemmTiles(Optional.empty());
            double with = FrameworkCost.seconds(base.withClass("gemm_fp8", per), sim, mm, in, h100, h100.primary());
            double without = FrameworkCost.seconds(base.withClass("gemm_fp8", none), sim, mm, in, h100, h100.primary());
            assertEquals(187.6962e-6, with - without, 1e-10);
        }
        // a bf16 matmul has no items
        assertEquals(0, FrameworkCost.items(new MatMul(256, 3072, DType.BF16), List.of(TensorType.of(DType.BF16, 32768, 256))), 0);
    }

    /** A fused fp8 MoE block's grouped GEMMs on FlashInfer's untuned 128x16 tile ({@link FrameworkCost.MoeGemmDims}), by hand. */
    @Test
    void moeTilesRunEachExpertsTokens128AtATimeBySixteenWeightRows() {
        FrameworkProfile.Fp8GemmTiles tiles = new FrameworkProfile.Fp8GemmTiles(GemmTileRule.FLASHINFER_MOE_SM90_UNTUNED, 10);
        // gated experts, hidden 128, ffn 128: the first GEMM 256 columns deep 128, the second 128 columns deep 128; a tile is
        // 128 tokens by 16 weight rows. Draw 1, loads {40, 0, 16}: GEMM 1: each loaded expert 1 token tile x 16 weight tiles,
        // 32 CTAs (one wave on 132 SMs) streaming token rows 16 x 40 + 16 x 16 and weight rows 256 + 256 (each token row in
        // all 16 weight tiles, each weight row in the expert's one token tile): 1408 rows / 32 = 44 rows of 128 B = 5632 B at
        // 10 GB/s = 0.5632 us; GEMM 2: 8 + 8 CTAs, (8 x 40 + 8 x 16 + 2 x 128) / 16 = 44 rows, 0.5632 us: 1.1264 us. Draw 2,
        // loads {0, 0, 4}: 16 CTAs of (16 x 4 + 256) / 16 = 20 rows and 8 of (8 x 4 + 128) / 8 = 20: 0.256 us each, 0.512 us.
        // Mean 0.8192 us.
        FrameworkCost.MoeGemmDims d = FrameworkCost.MoeGemmDims.of(List.of(new long[] {40, 0, 16}, new long[] {0, 0, 4}), 256, 128, 128,
                DType.FP8_E4M3, h100, h100.primary());
        assertEquals(0.8192e-6, d.tileFloorSeconds(tiles, 1.0), 1e-15);
        // a linear layer's rule is refused
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> d.tileFloorSeconds(new FrameworkProfile.Fp8GemmTiles(GemmTileRule.VLLM_CUTLASS_SM90, 10), 1.0));
        // 4096 tokens on one expert: 32 token tiles x 16 weight tiles = 512 CTAs = 4 waves, each streaming (16 x 4096 + 32 x 256)
        // / 512 = 144 rows = 18432 B, 1.8432 us; then 32 x 8 = 256 CTAs = 2 waves of (8 x 4096 + 32 x 128) / 256 = 144 rows
        FrameworkCost.MoeGemmDims one = FrameworkCost.MoeGemmDims.of(List.of(new long[] {4096}), 256, 128, 128, DType.FP8_E4M3, h100, h100.primary());
        assertEquals(6 * 1.8432e-6, one.tileFloorSeconds(tiles, 1.0), 1e-15);
        // at a stream no CTA waits on, the tile's matrix work: 128 x 16 x 128 MACs / (4096 MACs a clock x 1830 MHz) per
        // wave at a 0.5 compute share, 6 waves
        FrameworkProfile.Fp8GemmTiles fast = new FrameworkProfile.Fp8GemmTiles(GemmTileRule.FLASHINFER_MOE_SM90_UNTUNED, 1e9);
        assertEquals(6 * 128 * 16 * 128 / (4096 * 1.83e9) / 0.5, one.tileFloorSeconds(fast, 0.5), 1e-15);
        // off Hopper, or for bf16 experts: none
        assertNull(FrameworkCost.MoeGemmDims.of(List.of(new long[] {40}), 256, 128, 128, DType.FP8_E4M3, Targets.load("mi300x"),
                Targets.load("mi300x").primary()));
        assertNull(FrameworkCost.MoeGemmDims.of(List.of(new long[] {40}), 256, 128, 128, DType.BF16, h100, h100.primary()));
    }

    /** The MoE tiles are the kernel database's harness (an untuned kernel): simulate's cost of an fp8 expert FFN ignores them. */
    @Test
    void simulateIgnoresTheHarnesssMoeTiles() {
        KernelSimulator sim = new KernelSimulator();
        io.moesim.ir.op.ExpertFfn ffn = new io.moesim.ir.op.ExpertFfn(8, 2, it.unimi.dsi.fastutil.longs.LongImmutableList.of(new long[] {64, 64, 64, 64, 64, 64, 64, 64}),
                4096, 14336, io.moesim.ir.op.FfnActivation.SWIGLU, DType.FP8_E4M3);
        List<TensorType> in = List.of(TensorType.of(DType.FP8_E4M3, 512, 4096));
        FrameworkProfile vllm = FrameworkProfiles.load("vllm");
        assertTrue(vllm.fp8MoeTiles().isPresent());
        assertEquals(FrameworkCost.seconds(vllm.withFp8MoeTiles(Optional.empty()), sim, ffn, in, h100, h100.primary()),
                FrameworkCost.seconds(vllm, sim, ffn, in, h100, h100.primary()), 0);
    }

    @Test
    void onlyHopperFp8MatmulsHaveLibraryTiles() {
        assertNull(dims(3329, 32, 12288, Targets.load("mi300x")));
        assertNull(dims(3329, 32, 12288, Targets.load("b200")));
        assertNull(FrameworkCost.GemmDims.of(new MatMul(12288, 32, DType.BF16), List.of(TensorType.of(DType.BF16, 3329, 12288)), h100, h100.primary()));
    }

    @Test
    void theProfileTimesTheGemmOnItsTilesAndIdealIsUntouched() {
        KernelSimulator sim = new KernelSimulator();
        MatMul mm = new MatMul(12288, 32, DType.FP8_E4M3);
        List<TensorType> in = List.of(TensorType.of(DType.FP8_E4M3, 3329, 12288));
        // the tiles alone: vLLM's figures without their time per token (aTimePerTokenIsPaidPerWaveOfRowsOverTheSms)
        FrameworkProfile.ClassFigures g = FrameworkProfiles.load("vllm").figures("gemm_fp8");
        FrameworkProfile vllm = FrameworkProfiles.load("vllm").withClass("gemm_fp8", new FrameworkProfile.ClassFigures(g.callOverheadUs(),
                g.matrixEfficiency(), g.bandwidthFraction(), java.util.OptionalDouble.empty(), g.maxKvGroup()));
        FrameworkProfile.ClassFigures f = vllm.figures("gemm_fp8");
        double floor = dims(3329, 32, 12288, h100).tileFloorSeconds(vllm.fp8GemmTiles().orElseThrow(), f.matrixEfficiency().orElseThrow());
        double with = FrameworkCost.seconds(vllm, sim, mm, in, h100, h100.primary());
        double without = FrameworkCost.seconds(vllm.withFp8GemmTiles(Optional.empty()), sim, mm, in, h100, h100.primary());
        // the kernel model's fastest tile splits K over more SMs; the library's 27 CTAs take at least the floor
        assertTrue(without < floor, without + " vs floor " + floor);
        assertTrue(with >= floor + f.callOverheadUs().orElseThrow() * 1e-6 - 1e-12, with + " vs floor " + floor);
        // where the floor does not bind (a large square GEMM at vLLM's 114 GB/s per SM), the profile's figures alone
        List<TensorType> big = List.of(TensorType.of(DType.FP8_E4M3, 8192, 8192));
        MatMul sq = new MatMul(8192, 8192, DType.FP8_E4M3);
        assertEquals(FrameworkCost.seconds(vllm.withFp8GemmTiles(Optional.empty()), sim, sq, big, h100, h100.primary()),
                FrameworkCost.seconds(vllm, sim, sq, big, h100, h100.primary()), 1e-12);
        // ideal has none
        assertEquals(sim.estimate(mm, in, h100, h100.primary()).seconds(), FrameworkCost.seconds(FrameworkProfile.ideal(), sim, mm, in, h100, h100.primary()), 0);
    }
}
