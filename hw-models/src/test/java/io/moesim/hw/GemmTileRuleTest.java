package io.moesim.hw;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The libraries' fp8 tile rules at their thresholds, read off the dispatch code each rule cites, and their profile key. */
class GemmTileRuleTest {
    @TempDir
    Path dir;

    @Test
    void vllmTilesByTheDispatchThresholds() {
        GemmTileRule r = GemmTileRule.VLLM_CUTLASS_SM90;
        // M in [1, 16]: swap A/B, TileShape 64x16x256 (the 64 side along N, the 16 side along M), whatever N
        assertArrayEquals(new int[] {16, 64, 256}, r.tile(1, 64));
        assertArrayEquals(new int[] {16, 64, 256}, r.tile(16, 8192));
        // M in (16, 64]: 64x16x256 up to N 1280, 64x64x256 above
        assertArrayEquals(new int[] {16, 64, 256}, r.tile(17, 1280));
        assertArrayEquals(new int[] {64, 64, 256}, r.tile(64, 1281));
        // M in (64, 128]: 64x128x128; above: 128x128x128
        assertArrayEquals(new int[] {64, 128, 128}, r.tile(65, 32));
        assertArrayEquals(new int[] {64, 128, 128}, r.tile(128, 32));
        assertArrayEquals(new int[] {128, 128, 128}, r.tile(129, 32));
    }

    @Test
    void sglangTilesByTheDispatchThresholds() {
        GemmTileRule r = GemmTileRule.SGLANG_CUTLASS_SM90;
        assertArrayEquals(new int[] {64, 64, 128}, r.tile(1, 64));
        assertArrayEquals(new int[] {64, 64, 128}, r.tile(256, 64));
        assertArrayEquals(new int[] {128, 128, 128}, r.tile(257, 64));
        assertArrayEquals(new int[] {128, 128, 128}, r.tile(16384, 128));
    }

    @Test
    void flashinfersUntunedMoeTileIsItsFirstTactic() {
        // CtaShape128x16x128B, not swapped: the tokens on its 128 side, 16 weight rows, 128 fp8 elements of K a stage, any shape
        GemmTileRule r = GemmTileRule.FLASHINFER_MOE_SM90_UNTUNED;
        assertArrayEquals(new int[] {128, 16, 128}, r.tile(1, 64));
        assertArrayEquals(new int[] {128, 16, 128}, r.tile(16384, 28672));
        // the harness's fp8 MoE: vLLM's collector runs FlashInfer's CUTLASS MoE; the others name none
        assertEquals(Optional.of(r), GemmTileRule.forFrameworkMoe("vllm"));
        assertEquals(Optional.empty(), GemmTileRule.forFrameworkMoe("trtllm"));
        assertEquals(Optional.empty(), GemmTileRule.forFrameworkMoe("sglang"));
    }

    @Test
    void rulesBelongToVllmAndSglangOnHopper() {
        assertEquals(Optional.of(GemmTileRule.VLLM_CUTLASS_SM90), GemmTileRule.forFramework("vllm"));
        assertEquals(Optional.of(GemmTileRule.SGLANG_CUTLASS_SM90), GemmTileRule.forFramework("sglang"));
        assertEquals(Optional.empty(), GemmTileRule.forFramework("trtllm"));
        assertTrue(GemmTileRule.runsOn(Targets.load("h100")));
        assertTrue(GemmTileRule.runsOn(Targets.load("h200-calibrated")));
        assertFalse(GemmTileRule.runsOn(Targets.load("mi300x")));
        assertFalse(GemmTileRule.runsOn(Targets.load("b200")));
        assertFalse(GemmTileRule.runsOn(Targets.load("duplex")));
    }

    @Test
    void profilesCarryTheirRule() throws IOException {
        assertEquals(GemmTileRule.VLLM_CUTLASS_SM90, FrameworkProfiles.load("vllm").fp8GemmTiles().orElseThrow().rule());
        assertEquals(GemmTileRule.SGLANG_CUTLASS_SM90, FrameworkProfiles.load("sglang").fp8GemmTiles().orElseThrow().rule());
        assertTrue(FrameworkProfiles.load("trtllm").fp8GemmTiles().isEmpty());
        assertTrue(FrameworkProfiles.load("ideal").fp8GemmTiles().isEmpty());
        Path p = dir.resolve("fw.yaml");
        Files.writeString(p, "name: x\nfp8_gemm_tiles:\n  rule: cutlass-sm91\n  cta_stream_GBps: {value: 100, source: t}\n");
        SpecException e = assertThrows(SpecException.class, () -> FrameworkProfiles.load(p.toString()));
        assertTrue(e.getMessage().contains("fp8_gemm_tiles.rule") && e.getMessage().contains("vllm-cutlass-sm90"), e.getMessage());
        Files.writeString(p, "name: x\nfp8_gemm_tiles:\n  rule: vllm-cutlass-sm90\n");
        e = assertThrows(SpecException.class, () -> FrameworkProfiles.load(p.toString()));
        assertTrue(e.getMessage().contains("fp8_gemm_tiles.cta_stream_GBps") && e.getMessage().contains("missing"), e.getMessage());
        // the fused fp8 MoE tiles: vLLM's profile only, read with the same keys and checks
        assertEquals(GemmTileRule.FLASHINFER_MOE_SM90_UNTUNED, FrameworkProfiles.load("vllm").fp8MoeTiles().orElseThrow().rule());
        assertTrue(FrameworkProfiles.load("trtllm").fp8MoeTiles().isEmpty());
        assertTrue(FrameworkProfiles.load("sglang").fp8MoeTiles().isEmpty());
        Files.writeString(p, "name: x\nfp8_moe_tiles:\n  rule: flashinfer-cutlass-moe-sm90-untuned\n  cta_stream_GBps: {value: 66, source: t}\n");
        assertEquals(66, FrameworkProfiles.load(p.toString()).fp8MoeTiles().orElseThrow().ctaStreamGBps(), 0);
        // a harness figure simulate never applies: the profile stays ideal for it
        assertTrue(FrameworkProfiles.load(p.toString()).isIdeal());
        Files.writeString(p, "name: x\nfp8_moe_tiles:\n  rule: flashinfer\n  cta_stream_GBps: {value: 66, source: t}\n");
        e = assertThrows(SpecException.class, () -> FrameworkProfiles.load(p.toString()));
        assertTrue(e.getMessage().contains("fp8_moe_tiles.rule") && e.getMessage().contains("flashinfer-cutlass-moe-sm90-untuned"), e.getMessage());
        // each key takes its own kind of rule: a linear layer's under fp8_moe_tiles, a MoE block's under fp8_gemm_tiles, refused
        Files.writeString(p, "name: x\nfp8_moe_tiles:\n  rule: vllm-cutlass-sm90\n  cta_stream_GBps: {value: 66, source: t}\n");
        e = assertThrows(SpecException.class, () -> FrameworkProfiles.load(p.toString()));
        assertTrue(e.getMessage().contains("fp8_moe_tiles.rule") && !e.getMessage().contains("one of vllm"), e.getMessage());
        Files.writeString(p, "name: x\nfp8_gemm_tiles:\n  rule: flashinfer-cutlass-moe-sm90-untuned\n  cta_stream_GBps: {value: 66, source: t}\n");
        e = assertThrows(SpecException.class, () -> FrameworkProfiles.load(p.toString()));
        assertTrue(e.getMessage().contains("fp8_gemm_tiles.rule") && e.getMessage().contains("vllm-cutlass-sm90"), e.getMessage());
    }
}
