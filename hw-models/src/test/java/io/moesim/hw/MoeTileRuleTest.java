package io.moesim.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MoeTileRuleTest {
    @TempDir
    Path dir;

    private static final MoeTileRule T = MoeTileRule.TRITON_DEFAULT;

    @Test
    void sglangsDefaultConfigByHand() {
        // get_default_config: M <= E -> 16 x 32 x 64, else 64 x 64 x 32
        assertEquals(16, T.blockM(4, 4));
        assertEquals(64, T.blockM(5, 4));
        assertEquals(64, T.blockK(4, 4));
        assertEquals(32, T.blockK(5, 4));
        long[] loads = {1, 0, 17, 64};
        // 3 tokens over 4 experts: 16-row blocks: 16 + 0 + 32 + 64
        assertEquals(112, T.paddedRows(loads, 3));
        // 10 tokens: 64-row blocks: 64 + 0 + 64 + 64 (an expert with no rows takes no block)
        assertEquals(192, T.paddedRows(loads, 10));
        // a CTA's K steps, gate/up over hidden then down over ffn: 4096 / 64 + 1536 / 64 = 88; at 32-wide steps 128 + 48 = 176;
        // a part step counts whole (100 / 64 -> 2)
        assertEquals(88, T.kSteps(1, 1, 4096, 1536));
        assertEquals(176, T.kSteps(2, 1, 4096, 1536));
        assertEquals(3, T.kSteps(1, 1, 100, 1));
        assertEquals(Optional.of(T), MoeTileRule.forFramework("sglang"));
        assertEquals(Optional.of(T), MoeTileRule.forFramework("vllm"));
        assertEquals(Optional.of(MoeTileRule.CUTLASS_SM90_AUTOTUNED), MoeTileRule.forFramework("trtllm"));
        assertEquals(Optional.empty(), MoeTileRule.forFramework("ideal"));
    }

    @Test
    void tensorRtLlmsAutotunedCutlassTileByHand() {
        MoeTileRule c = MoeTileRule.CUTLASS_SM90_AUTOTUNED;
        // the finest token tile of get_candidate_tiles_sm90's grouped GEMMs, 16, whatever the call; K steps of 128 bytes, 64 bf16
        assertEquals(16, c.blockM(4, 4));
        assertEquals(16, c.blockM(16384, 4));
        assertEquals(64, c.blockK(4, 4));
        assertEquals(64, c.blockK(16384, 4));
        // {1, 0, 17, 64} -> 16 + 0 + 32 + 64, at any token count (no switch at M = E as Triton's default config has)
        assertEquals(112, c.paddedRows(new long[] {1, 0, 17, 64}, 3));
        assertEquals(112, c.paddedRows(new long[] {1, 0, 17, 64}, 10));
        // 4096 / 64 + 1536 / 64 = 64 + 24 = 88 steps at every token count
        assertEquals(88, c.kSteps(1, 1, 4096, 1536));
        assertEquals(88, c.kSteps(2, 1, 4096, 1536));
    }

    @Test
    void theWalkIsAFloorOnlyWhereTheHarnessMissesL2() {
        FrameworkProfile.MoeTiles m = new FrameworkProfile.MoeTiles(T, 300, 0.5);
        // 88 steps x 300 ns = 26.4 us where the call's bytes are more than half the L2; none at or below
        assertEquals(26.4e-6, m.floorSeconds(88, 0.51), 1e-12);
        assertEquals(0, m.floorSeconds(88, 0.5), 0);
        assertEquals(26.4e-6, m.floorSeconds(88, Double.POSITIVE_INFINITY), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new FrameworkProfile.MoeTiles(T, 300, 0));
        assertThrows(IllegalArgumentException.class, () -> new FrameworkProfile.MoeTiles(T, 0, 0.5));
    }

    @Test
    void tritonRunsAWidthNotAMultipleOf16Unaligned() {
        // Triton specialises integer arguments on divisibility by 16: Gemma-4-26B-A4B's 704 at TP 8 is 88 wide (88 = 5 x 16 + 8),
        // at TP 4 176 = 11 x 16; Nemotron-3-Nano's 1856 at TP 16 is 116 (7 x 16 + 4), at TP 2 928 = 58 x 16
        assertTrue(T.unalignedWidth(88));
        assertTrue(T.unalignedWidth(116));
        assertTrue(T.unalignedWidth(22));
        assertTrue(!T.unalignedWidth(176));
        assertTrue(!T.unalignedWidth(928));
        assertTrue(!T.unalignedWidth(704));
        // TensorRT-LLM's CUTLASS MoE takes no such path
        assertTrue(!MoeTileRule.CUTLASS_SM90_AUTOTUNED.unalignedWidth(88));
    }

    @Test
    void anUnalignedDownGemmStretchesItsShareOfTheBlock() {
        FrameworkProfile.MoeTiles m = new FrameworkProfile.MoeTiles(T, 300, 0.5, 3);
        // a gated block's down GEMM is a third of its MACs (gate and up 2 x ffn x hidden, down ffn x hidden): 1 + 2 x 1/3
        assertEquals(5.0 / 3, m.unalignedFactor(1.0 / 3), 1e-15);
        // a non-gated block's, a half: 1 + 2 x 1/2; an aligned block (share 0) is as it was
        assertEquals(2, m.unalignedFactor(0.5), 1e-15);
        assertEquals(1, m.unalignedFactor(0), 0);
        // the three-figure tiles have no slowdown; below 1 is refused
        assertEquals(1, new FrameworkProfile.MoeTiles(T, 300, 0.5).unalignedFactor(0.5), 0);
        assertEquals(m, new FrameworkProfile.MoeTiles(T, 300, 0.5).withUnalignedDownSlowdown(3));
        assertThrows(IllegalArgumentException.class, () -> new FrameworkProfile.MoeTiles(T, 300, 0.5, 0.9));
    }

    @Test
    void profileSectionLoadsAndBadOnesSayWhere() throws IOException {
        Path p = dir.resolve("fw.yaml");
        Files.writeString(p, "name: x\nmoe_tiles:\n  rule: triton-default\n  k_step_ns: {value: 315, source: t}\n  l2_share: {value: 0.5, source: t}\n");
        FrameworkProfile f = FrameworkProfiles.load(p.toString());
        assertEquals(Optional.of(new FrameworkProfile.MoeTiles(T, 315, 0.5)), f.moeTiles());
        assertTrue(!f.isIdeal());
        // the section survives the profile's other changes
        assertEquals(f.moeTiles(), f.withClass("moe", FrameworkProfile.ClassFigures.NONE).withQuantize(true).named("y", "y").kernelsOnly().moeTiles());
        Files.writeString(p, "name: x\nmoe_tiles:\n  rule: triton-tuned\n  k_step_ns: {value: 315, source: t}\n  l2_share: {value: 0.5, source: t}\n");
        SpecException e = assertThrows(SpecException.class, () -> FrameworkProfiles.load(p.toString()));
        assertTrue(e.getMessage().contains("moe_tiles.rule") && e.getMessage().contains("triton-default"), e.getMessage());
        Files.writeString(p, "name: x\nmoe_tiles:\n  rule: triton-default\n  l2_share: {value: 0.5, source: t}\n");
        e = assertThrows(SpecException.class, () -> FrameworkProfiles.load(p.toString()));
        assertTrue(e.getMessage().contains("moe_tiles.k_step_ns") && e.getMessage().contains("missing"), e.getMessage());
        Files.writeString(p, "name: x\nmoe_tiles:\n  rule: triton-default\n  k_step_ns: {value: 315, source: t}\n  l2_share: {value: 1.5, source: t}\n");
        e = assertThrows(SpecException.class, () -> FrameworkProfiles.load(p.toString()));
        assertTrue(e.getMessage().contains("moe_tiles.l2_share") && e.getMessage().contains("(0, 1]"), e.getMessage());
        String head = "name: x\nmoe_tiles:\n  rule: triton-default\n  k_step_ns: {value: 315, source: t}\n  l2_share: {value: 0.5, source: t}\n";
        Files.writeString(p, head + "  unaligned_down_slowdown: {value: 3, source: t}\n");
        assertEquals(Optional.of(new FrameworkProfile.MoeTiles(T, 315, 0.5, 3)), FrameworkProfiles.load(p.toString()).moeTiles());
        Files.writeString(p, head + "  unaligned_down_slowdown: {value: 0.5, source: t}\n");
        e = assertThrows(SpecException.class, () -> FrameworkProfiles.load(p.toString()));
        assertTrue(e.getMessage().contains("moe_tiles.unaligned_down_slowdown") && e.getMessage().contains(">= 1"), e.getMessage());
        // the built-in SGLang and vLLM profiles run their bf16 blocks on Triton's default tile, TensorRT-LLM's on its autotuned
        // CUTLASS tile (each framework's calibration rows chose its rule over the kernel model's fastest tile)
        assertEquals(T, FrameworkProfiles.load("sglang").moeTiles().orElseThrow().rule());
        assertEquals(T, FrameworkProfiles.load("vllm").moeTiles().orElseThrow().rule());
        assertEquals(MoeTileRule.CUTLASS_SM90_AUTOTUNED, FrameworkProfiles.load("trtllm").moeTiles().orElseThrow().rule());
        assertEquals(Optional.empty(), FrameworkProfiles.load("ideal").moeTiles());
    }
}
