package io.moesim.hw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrameworkProfilesTest {
    @TempDir
    Path dir;

    @Test
    void builtInProfilesLoad() {
        assertEquals(List.of("ideal", "sglang", "trtllm", "vllm"), FrameworkProfiles.ids());
        assertTrue(FrameworkProfiles.load("ideal").isIdeal());
        for (String id : List.of("trtllm", "vllm", "sglang")) {
            FrameworkProfile p = FrameworkProfiles.load(id);
            assertFalse(p.isIdeal(), id);
            assertTrue(p.figures("gemm").callOverheadUs().isPresent(), id);
        }
    }

    @Test
    void realGpusDefaultToAFramework() {
        assertEquals("trtllm", FrameworkProfiles.defaultId(Targets.load("h100")));
        assertEquals("trtllm", FrameworkProfiles.defaultId(Targets.load("h200-calibrated")));
        // TensorRT-LLM is CUDA only: AMD's MI300X serves with ROCm vLLM
        assertEquals("vllm", FrameworkProfiles.defaultId(Targets.load("mi300x")));
        assertEquals("vllm", FrameworkProfiles.defaultId(Targets.load("mi300x-calibrated")));
        assertEquals("ideal", FrameworkProfiles.defaultId(Targets.load("duplex")));
        assertEquals("ideal", FrameworkProfiles.defaultId(Targets.load("xpu")));
    }

    @Test
    void fallbackKernelAboveTheKvGroupByHand() {
        // model: 10 us in all, 2 us launch, compute 6 us, memory 4 us (2 us of fill/drain); call 1 us, 100 ns per CTA,
        // XQA-style passes of at most 32 query heads; 100 (sequence, KV head) items on 100 engines; 2 MB of DRAM bytes,
        // 1 MB of them the KV cache
        FrameworkProfile.ClassFigures f = new FrameworkProfile.ClassFigures(OptionalDouble.of(1), OptionalDouble.empty(), OptionalDouble.empty(),
                OptionalDouble.of(100), OptionalDouble.of(32));
        FrameworkProfile.ClassFigures mmha = f.withFallbackGBps(10);
        // group 32: one pass, no fallback: 1 + 2 + max(6, 4) + ceil(100 / 100) x 0.1 = 9.1 us, with or without the figure
        assertEquals(9.1e-6, f.seconds(10e-6, 2e-6, 6e-6, 4e-6, 2e6, 100, 100, 32, 1e6), 1e-12);
        assertEquals(9.1e-6, mmha.seconds(10e-6, 2e-6, 6e-6, 4e-6, 2e6, 100, 100, 32, 1e6), 1e-12);
        // group 64 without it: two passes, the DRAM part twice (8 us, its 4 us added to the model's time: rest 14 - 2 - 8 = 4):
        // 1 + 4 + 8 + ceil(200 / 100) x 0.1 = 13.2 us
        assertEquals(13.2e-6, f.seconds(10e-6, 2e-6, 6e-6, 4e-6, 2e6, 100, 100, 64, 1e6), 1e-12);
        // group 64 on the fallback: DRAM once, but the KV cache read by each of the 64 query heads' CTAs at 10 GB/s per
        // engine: (2 MB + 63 x 1 MB) / (100 x 10 GB/s) = 65 us; CTAs 100 x 64 = 6400, 64 per engine x 0.1 us = 6.4 us:
        // 1 + 2 + max(6, 65) + 6.4 = 74.4 us
        assertEquals(74.4e-6, mmha.seconds(10e-6, 2e-6, 6e-6, 4e-6, 2e6, 100, 100, 64, 1e6), 1e-12);
        assertTrue(mmha.fallsBack(33) && !mmha.fallsBack(32) && !f.fallsBack(64));
        // fallback_item_ns: the fallback's CTAs at their own time, in place of per_item_ns: 64 per engine x 50 ns = 3.2 us:
        // 1 + 2 + 65 + 3.2 = 71.2 us
        FrameworkProfile.ClassFigures own = mmha.withFallbackItemNs(50);
        assertEquals(71.2e-6, own.seconds(10e-6, 2e-6, 6e-6, 4e-6, 2e6, 100, 100, 64, 1e6), 1e-12);
        // a group of 1 (plain MHA) runs the fallback too: 100 CTAs, one per engine x 50 ns; its KV stream (2 MB / 1 TB/s =
        // 2 us) is under the model's 4 us: 1 + 2 + 6 + 0.05 = 9.05 us (9.1 us at per_item_ns without the figure)
        assertTrue(mmha.fallsBack(1) && !f.fallsBack(1));
        assertEquals(9.05e-6, own.seconds(10e-6, 2e-6, 6e-6, 4e-6, 2e6, 100, 100, 1, 0), 1e-12);
        assertEquals(9.1e-6, mmha.seconds(10e-6, 2e-6, 6e-6, 4e-6, 2e6, 100, 100, 1, 0), 1e-12);
        // the built-in TensorRT-LLM profile falls back above its XQA group (32) for decode attention only
        FrameworkProfile trt = FrameworkProfiles.load("trtllm");
        assertTrue(trt.figures("attention_decode").fallsBack(64) && !trt.figures("attention_decode").fallsBack(32));
        assertTrue(trt.figures("attention_decode").fallbackItemNs().isPresent());
        assertTrue(trt.figures("attention_prefill").fallbackGBps().isEmpty());
        assertTrue(trt.kernelsOnly().figures("attention_decode").fallbackGBps().isEmpty());
    }

    @Test
    void fallbackSplitIntoWavesByHand() {
        // model: 8 us in all, 2 us launch, compute 1 us, memory 4 us (2 us of fill/drain); call 1 us; the fallback at 5 GB/s per
        // engine, 50 ns per CTA; 64 pairs of group 1 on 132 engines, 1.92 MB of DRAM bytes (all KV)
        FrameworkProfile.ClassFigures mmha = new FrameworkProfile.ClassFigures(OptionalDouble.of(1), OptionalDouble.empty(), OptionalDouble.empty(),
                OptionalDouble.of(100), OptionalDouble.of(32)).withFallbackGBps(5).withFallbackItemNs(50);
        // unsplit: DRAM max(4, 1.92 MB / (132 x 5 GB/s) = 2.91) = 4 us; one CTA per engine: 1 + 2 + 4 + 0.05 = 7.05 us
        assertEquals(7.05e-6, mmha.seconds(8e-6, 2e-6, 1e-6, 4e-6, 1.92e6, 64, 132, 1, 1.92e6), 1e-12);
        // split 3 ways, 2 us a wave: 192 CTAs of 10 KB (2 us each at 5 GB/s); a full wave of 132 takes max(132 / 192 x 4 = 2.75, 2) us,
        // the partial one of 60 max(60 / 192 x 4 = 1.25, 2) = 2 us: DRAM 4.75 us; 2 waves x 2 us: 1 + 2 + 4.75 + 4 = 11.75 us
        FrameworkProfile.ClassFigures split = mmha.withFallbackSplitWaveNs(2000);
        assertTrue(split.splitsFallback() && !mmha.splitsFallback());
        assertEquals(11.75e-6, split.seconds(8e-6, 2e-6, 1e-6, 4e-6, 1.92e6, 64, 132, 1, 1.92e6, 0, 3), 1e-12);
        // no split (a launch of one tile per pair), or figures without the split: as unsplit
        assertEquals(7.05e-6, split.seconds(8e-6, 2e-6, 1e-6, 4e-6, 1.92e6, 64, 132, 1, 1.92e6, 0, 1), 1e-12);
        assertEquals(7.05e-6, mmha.seconds(8e-6, 2e-6, 1e-6, 4e-6, 1.92e6, 64, 132, 1, 1.92e6, 0, 3), 1e-12);
        // a grouped kernel's op (group 4, XQA's) is no fallback: the tiles change nothing
        assertEquals(split.seconds(8e-6, 2e-6, 1e-6, 4e-6, 1.92e6, 64, 132, 4, 1.92e6), split.seconds(8e-6, 2e-6, 1e-6, 4e-6, 1.92e6, 64, 132, 4, 1.92e6, 0, 3), 0);
        // every rebuilt figure set keeps it; the kernel figures alone drop the fallback with it
        assertTrue(split.withPerHeadNs(5).withXqaMultiBlock(true).withExposedMemory(0.5).withWideHeadMatrixEfficiency(0.4).forHeadDim(512)
                .withFallbackItemNs(60).withFallbackGBps(7).withEngineGBps(3).withWideHeadProgramNs(9).withPacksGqa(false).splitsFallback());
        assertFalse(split.withFallbackSplitWaveNs(0).splitsFallback());
        // the built-in TensorRT-LLM profile splits its fallback; vLLM and SGLang have none
        assertTrue(FrameworkProfiles.load("trtllm").figures("attention_decode").splitsFallback());
        assertFalse(FrameworkProfiles.load("trtllm").kernelsOnly().figures("attention_decode").splitsFallback());
        assertFalse(FrameworkProfiles.load("vllm").figures("attention_decode").splitsFallback());
        assertFalse(FrameworkProfiles.load("sglang").figures("attention_decode").splitsFallback());
    }

    @Test
    void varlenScanByHand() throws IOException {
        // FlashAttention-3's varlen scheduler walks the batch 31 sequences a step: 512 sequences are ceil(512 / 31) = 17 steps, 31 one,
        // 32 two; at 200 ns a step 3.4, 0.2 and 0.4 us
        FrameworkProfile.ClassFigures f = FrameworkProfile.ClassFigures.NONE.withVarlenScanStepNs(200);
        assertEquals(3.4e-6, f.varlenScanSeconds(512, 128), 1e-12);
        assertEquals(0.2e-6, f.varlenScanSeconds(31, 128), 1e-12);
        assertEquals(0.4e-6, f.varlenScanSeconds(32, 64), 1e-12);
        // above FlashAttention's head dims (vLLM's Triton kernel) and without the figure: no walk
        assertEquals(0, f.varlenScanSeconds(512, 512), 0);
        assertEquals(0, FrameworkProfile.ClassFigures.NONE.varlenScanSeconds(512, 128), 0);
        // every rebuilt figure set keeps it, the kernel figures alone too (it is the kernel's own scheduler)
        assertEquals(3.4e-6, f.withPerHeadNs(5).withXqaMultiBlock(true).withExposedMemory(0.5).withFallbackGBps(7).withFallbackItemNs(60)
                .withFallbackSplitWaveNs(9).withEngineGBps(3).withWideHeadProgramNs(9).withPacksGqa(false).withWideHeadMatrixEfficiency(0.4)
                .varlenScanSeconds(512, 128), 1e-12);
        FrameworkProfile p = new FrameworkProfile("x", "x", java.util.Map.of("attention_decode", f), false, java.util.Optional.empty());
        assertEquals(3.4e-6, p.kernelsOnly().figures("attention_decode").varlenScanSeconds(512, 128), 1e-12);
        SpecException e = error("name: x\nclasses:\n  attention_decode:\n    varlen_scan_step_ns: {value: -1, source: t}\n");
        assertTrue(e.getMessage().contains("varlen_scan_step_ns") && e.getMessage().contains("must be > 0, got -1"), e.getMessage());
    }

    @Test
    void fallbackSplitWaveNsMustBePositive() throws IOException {
        SpecException e = error("name: x\nclasses:\n  attention_decode:\n    fallback_split_wave_ns: {value: 0, source: t}\n");
        assertTrue(e.getMessage().contains("fallback_split_wave_ns") && e.getMessage().contains("must be > 0, got 0"), e.getMessage());
    }

    @Test
    void wideHeadDecodeByHand() {
        // vLLM's head dims above FlashAttention's 256 run its Triton 3D kernel up to a batch of 128 / kv_heads: batch x kv_heads
        // x 16 programs over the engines, each 18 us, after an 8 us call overhead
        FrameworkProfile.ClassFigures f = new FrameworkProfile.ClassFigures(OptionalDouble.of(8), OptionalDouble.empty(), OptionalDouble.empty())
                .withWideHeadProgramNs(18000);
        // batch 32, 1 KV head: 512 programs over 132 engines = 4 waves: 8 + 4 x 18 = 80 us, above the 14 us of the other figures
        assertEquals(80e-6, f.wideHeadSeconds(14e-6, 32, 1, 512, 132), 1e-12);
        // the floor only: 100 us of the other figures stand
        assertEquals(100e-6, f.wideHeadSeconds(100e-6, 32, 1, 512, 132), 1e-12);
        // batch 64, 2 KV heads (64 <= 128 / 2): 2048 programs = 15.5 -> 16 waves: 8 + 16 x 18 = 296 us
        assertEquals(296e-6, f.wideHeadSeconds(14e-6, 64, 2, 512, 132), 1e-12);
        // batch 128, 2 KV heads (> 64): the 2D kernel, not modelled; head dim 256: FlashAttention; no figure: nothing
        assertEquals(14e-6, f.wideHeadSeconds(14e-6, 128, 2, 512, 132), 0);
        assertEquals(14e-6, f.wideHeadSeconds(14e-6, 32, 1, 256, 132), 0);
        assertEquals(14e-6, f.withWideHeadProgramNs(0).wideHeadSeconds(14e-6, 32, 1, 512, 132), 0);
        // the built-in vLLM profile carries it for decode attention only; TensorRT-LLM's and SGLang's do not
        assertTrue(FrameworkProfiles.load("vllm").figures("attention_decode").wideHeadProgramNs().isPresent());
        assertTrue(FrameworkProfiles.load("vllm").figures("attention_prefill").wideHeadProgramNs().isEmpty());
        assertTrue(FrameworkProfiles.load("trtllm").figures("attention_decode").wideHeadProgramNs().isEmpty());
        assertTrue(FrameworkProfiles.load("sglang").figures("attention_decode").wideHeadProgramNs().isEmpty());
    }

    @Test
    void wideHeadProgramNsMustBePositive() throws IOException {
        SpecException e = error("name: x\nclasses:\n  attention_decode:\n    wide_head_program_ns: {value: -5, source: t}\n");
        assertTrue(e.getMessage().contains("wide_head_program_ns") && e.getMessage().contains("must be > 0, got -5"), e.getMessage());
    }

    @Test
    void packsGqaIsAKernelChoice() throws IOException {
        // TensorRT-LLM's context FMHA tiles Q one head wide (fmhaRunner.cpp): its fitted profile says so; the others pack
        assertFalse(FrameworkProfiles.load("trtllm").figures("attention_prefill").packs());
        assertTrue(FrameworkProfiles.load("vllm").figures("attention_prefill").packs());
        assertTrue(FrameworkProfiles.load("sglang").figures("attention_prefill").packs());
        assertTrue(FrameworkProfile.ClassFigures.NONE.packs());
        // a kernel property: kept in the kernel figures alone (what a plain timing loop of the kernels sees)
        assertFalse(FrameworkProfiles.load("trtllm").kernelsOnly().figures("attention_prefill").packs());
        assertFalse(FrameworkProfile.ClassFigures.NONE.withPacksGqa(false).packs());
        SpecException e = error("name: x\nclasses:\n  attention_prefill:\n    packs_gqa: {value: 0, source: t}\n");
        assertTrue(e.getMessage().contains("packs_gqa") && e.getMessage().contains("expected true or false"), e.getMessage());
    }

    @Test
    void xqaMultiBlockIsTensorRtLlmsDecodeKernelChoice() throws IOException {
        // TensorRT-LLM's fitted profile runs XQA in multi-block mode (its calibration rows chose it); vLLM and SGLang never
        assertTrue(FrameworkProfiles.load("trtllm").figures("attention_decode").splitsKvAsXqa());
        assertFalse(FrameworkProfiles.load("vllm").figures("attention_decode").splitsKvAsXqa());
        assertFalse(FrameworkProfiles.load("sglang").figures("attention_decode").splitsKvAsXqa());
        assertFalse(FrameworkProfile.ClassFigures.NONE.splitsKvAsXqa());
        // a kernel property, kept in the kernel figures alone as packs_gqa is
        assertTrue(FrameworkProfiles.load("trtllm").kernelsOnly().figures("attention_decode").splitsKvAsXqa());
        // the figure survives every other figure's change
        FrameworkProfile.ClassFigures x = FrameworkProfile.ClassFigures.NONE.withXqaMultiBlock(true);
        assertTrue(x.withPerHeadNs(5).withFallbackGBps(50).withFallbackItemNs(900).withEngineGBps(10).withExposedMemory(0.5).withPacksGqa(false)
                .withWideHeadProgramNs(100).withWideHeadMatrixEfficiency(0.4).forHeadDim(512).splitsKvAsXqa());
        Path ok = dir.resolve("xqa.yaml");
        Files.writeString(ok, "name: x\nclasses:\n  attention_decode:\n    xqa_multi_block: {value: true, source: t}\n");
        assertTrue(FrameworkProfiles.load(ok.toString()).figures("attention_decode").splitsKvAsXqa());
        Files.writeString(ok, "name: y\nclasses:\n  attention_decode:\n    xqa_multi_block: {value: false, source: t}\n");
        assertFalse(FrameworkProfiles.load(ok.toString()).figures("attention_decode").splitsKvAsXqa());
        SpecException e = error("name: x\nclasses:\n  attention_decode:\n    xqa_multi_block: {value: 1, source: t}\n");
        assertTrue(e.getMessage().contains("xqa_multi_block") && e.getMessage().contains("expected true or false"), e.getMessage());
    }

    @Test
    void anFp8CacheDecodesOnItsOwnFiguresOrOnTheDecodeClasssFigures() throws IOException {
        // a profile with figures for the fp8 cache's kernel uses them; one without falls back on attention_decode's
        Path f = dir.resolve("fp8kv.yaml");
        Files.writeString(f, "name: x\nclasses:\n  attention_decode:\n    per_item_ns: {value: 3000, source: t}\n"
                + "  attention_decode_fp8_kv:\n    per_item_ns: {value: 600, source: t}\n");
        FrameworkProfile both = FrameworkProfiles.load(f.toString());
        assertEquals(FrameworkProfile.ATTENTION_DECODE_FP8_KV, both.resolvedClass(FrameworkProfile.ATTENTION_DECODE_FP8_KV));
        assertEquals(600, both.figures(FrameworkProfile.ATTENTION_DECODE_FP8_KV).perItemNs().getAsDouble(), 0);
        Files.writeString(f, "name: x\nclasses:\n  attention_decode:\n    per_item_ns: {value: 3000, source: t}\n");
        FrameworkProfile one = FrameworkProfiles.load(f.toString());
        assertEquals("attention_decode", one.resolvedClass(FrameworkProfile.ATTENTION_DECODE_FP8_KV));
        assertEquals(3000, one.figures(FrameworkProfile.ATTENTION_DECODE_FP8_KV).perItemNs().getAsDouble(), 0);
        // the three measured profiles have their own (fitted on the kernel database's fp8-cache rows)
        for (String id : List.of("trtllm", "vllm", "sglang")) {
            assertEquals(FrameworkProfile.ATTENTION_DECODE_FP8_KV, FrameworkProfiles.load(id).resolvedClass(FrameworkProfile.ATTENTION_DECODE_FP8_KV), id);
        }
    }

    @Test
    void vllmsWideHeadPrefillRunsItsTritonKernel() throws IOException {
        // vLLM's FlashAttention takes head dims up to 256; above, its Triton unified attention, at a compute share of its own
        FrameworkProfile.ClassFigures v = FrameworkProfiles.load("vllm").figures("attention_prefill");
        double wide = v.wideHeadMatrixEfficiency().getAsDouble();
        assertTrue(wide < v.matrixEfficiency().getAsDouble(), wide + " vs " + v.matrixEfficiency());
        assertEquals(OptionalDouble.of(wide), v.forHeadDim(512).matrixEfficiency());
        assertEquals(v, v.forHeadDim(256));
        assertTrue(FrameworkProfiles.load("trtllm").figures("attention_prefill").wideHeadMatrixEfficiency().isEmpty());
        assertTrue(FrameworkProfiles.load("sglang").figures("attention_prefill").wideHeadMatrixEfficiency().isEmpty());
        assertEquals(OptionalDouble.of(wide), FrameworkProfiles.load("vllm").kernelsOnly().figures("attention_prefill").forHeadDim(512).matrixEfficiency());
        // by hand: 10 us per call; the model's parts total 10, launch 2, compute 6, DRAM 4 us: 10 + 2 + 6 at a share of 1,
        // 10 + 2 + 6 / 0.5 at a wide-head share of 0.5
        FrameworkProfile.ClassFigures f = new FrameworkProfile.ClassFigures(OptionalDouble.of(10), OptionalDouble.of(1), OptionalDouble.empty())
                .withWideHeadMatrixEfficiency(0.5);
        assertEquals(18e-6, f.forHeadDim(128).seconds(10e-6, 2e-6, 6e-6, 4e-6), 1e-12);
        assertEquals(24e-6, f.forHeadDim(512).seconds(10e-6, 2e-6, 6e-6, 4e-6), 1e-12);
        SpecException e = error("name: x\nclasses:\n  attention_prefill:\n    wide_head_matrix_efficiency: {value: 3, source: t}\n");
        assertTrue(e.getMessage().contains("wide_head_matrix_efficiency") && e.getMessage().contains("(0, 2]"), e.getMessage());
    }

    @Test
    void classFiguresByHand() {
        // model: 10 us in all, 2 us launch, compute 6 us, memory 4 us -> 2 us of fill/drain outside the overlap
        FrameworkProfile.ClassFigures f = new FrameworkProfile.ClassFigures(OptionalDouble.of(5), OptionalDouble.of(0.5), OptionalDouble.of(0.8),
                OptionalDouble.of(100));
        // 5 (call) + 2 (rest) + max(6 / 0.5, 4 / 0.8) = 19 us; + ceil(264 items / 132 engines) x 100 ns = 19.2 us
        assertEquals(19e-6, f.seconds(10e-6, 2e-6, 6e-6, 4e-6), 1e-12);
        assertEquals(19.2e-6, f.seconds(10e-6, 2e-6, 6e-6, 4e-6, 264, 132), 1e-12);
        assertEquals(10e-6, FrameworkProfile.ClassFigures.NONE.seconds(10e-6, 2e-6, 6e-6, 4e-6), 0);
        // exposed_memory: the shorter part (memory 4 / 0.8 = 5 us) not hidden under the compute (12 us):
        // serial 5 + 2 + 12 + 5 = 24 us; half exposed 5 + 2 + 12 + 2.5 = 21.5 us
        assertEquals(24e-6, f.withExposedMemory(1).seconds(10e-6, 2e-6, 6e-6, 4e-6), 1e-12);
        assertEquals(21.5e-6, f.withExposedMemory(0.5).seconds(10e-6, 2e-6, 6e-6, 4e-6), 1e-12);
        assertEquals(19e-6, f.withExposedMemory(0).seconds(10e-6, 2e-6, 6e-6, 4e-6), 1e-12);
        // per_head_ns: decode CTAs of (sequence, KV head), 8 query heads each: 264 CTAs x 8 = 2112 query heads over 132
        // engines = 16 per engine x 50 ns = 0.8 us, beside the 2 x 100 ns per CTA: 19 + 0.2 + 0.8 = 20 us
        assertEquals(20e-6, f.withPerHeadNs(50).seconds(10e-6, 2e-6, 6e-6, 4e-6, 264, 132, 8), 1e-12);
        assertEquals(19.2e-6, f.withPerHeadNs(0).seconds(10e-6, 2e-6, 6e-6, 4e-6, 264, 132, 8), 1e-12);
        // the built-in TensorRT-LLM profile carries the figure for decode attention only
        FrameworkProfile trt = FrameworkProfiles.load("trtllm");
        assertTrue(trt.figures("attention_decode").perHeadNs().isPresent());
        assertTrue(trt.figures("attention_prefill").perHeadNs().isEmpty());
        // engine_GBps: the DRAM part at least bytes / (engines x rate). 132 engines x 10 GB/s = 1.32 TB/s: 6.6 MB take
        // 5 us > the model's 4 us (compute share absent: 6 us): 1 + 2 (rest) + max(6, 5) = 9 us; 13.2 MB take 10 us:
        // 1 + 2 + 10 = 13 us; 2.64 MB take 2 us < 4 us: the model's memory stands, 1 + 2 + 6 = 9 us
        FrameworkProfile.ClassFigures rate = new FrameworkProfile.ClassFigures(OptionalDouble.of(1), OptionalDouble.empty(), OptionalDouble.empty())
                .withEngineGBps(10);
        assertEquals(9e-6, rate.seconds(10e-6, 2e-6, 6e-6, 4e-6, 6.6e6, 0, 132, 1), 1e-12);
        assertEquals(13e-6, rate.seconds(10e-6, 2e-6, 6e-6, 4e-6, 13.2e6, 0, 132, 1), 1e-12);
        assertEquals(9e-6, rate.seconds(10e-6, 2e-6, 6e-6, 4e-6, 2.64e6, 0, 132, 1), 1e-12);
        // without bytes the bound has nothing to bind
        assertEquals(9e-6, rate.seconds(10e-6, 2e-6, 6e-6, 4e-6), 1e-12);
        // TensorRT-LLM's amax pass runs at an engine rate, with quantize's figures where a profile has no quantize_amax
        assertTrue(trt.figures("quantize_amax").engineGBps().isPresent());
        assertEquals(FrameworkProfiles.load("sglang").figures("quantize"), FrameworkProfiles.load("sglang").figures("quantize_amax"));
    }

    @Test
    void customAllReduceByHand() {
        FrameworkProfile.CustomAllReduce a = new FrameworkProfile.CustomAllReduce(4, 0.5, 1 << 20);
        // one-shot, 8 GPUs, 512 KiB at 450 GB/s x 0.5: 4 us + 7 peers' buffers read / 225 GB/s
        assertEquals(4e-6 + 7.0 * 524288 / 225e9, a.seconds(524288, 8, 450), 1e-12);
        // two-shot above 1 MiB: two phases of overhead, 2 x 7/8 of the buffer
        assertEquals(8e-6 + 2 * 7.0 / 8 * 4194304 / 225e9, a.seconds(4194304, 8, 450), 1e-12);
        assertEquals("two-shot", a.regime(4194304, 8));
        // NCCL above 8 MiB: 40 us, 0.7 of 450 GB/s = 315 GB/s; NVLS from 4 GPUs sends and receives (g+1)/g of the buffer,
        // a ring (2 GPUs) 2(g-1)/g
        FrameworkProfile.CustomAllReduce n = a.withNccl(8 << 20, 40, 0.7, 4);
        assertEquals(40e-6 + 9.0 / 8 * 16777216 / 315e9, n.seconds(16777216, 8, 450), 1e-12);
        assertEquals("nccl-nvls", n.regime(16777216, 8));
        assertEquals(40e-6 + 16777216 / 315e9, n.seconds(16777216, 2, 450), 1e-12);
        assertEquals("nccl-ring", n.regime(16777216, 2));
        // 8 MiB itself is still the framework's two-shot kernel
        assertEquals(8e-6 + 2 * 7.0 / 8 * 8388608 / 225e9, n.seconds(8388608, 8, 450), 1e-12);
        assertEquals(7.0 * 524288, n.movedBytes(524288, 8), 0);
        // the built-in TensorRT-LLM profile hands large messages to NCCL
        assertTrue(FrameworkProfiles.load("trtllm").customAllReduce().orElseThrow().hasNccl());
    }

    private SpecException error(String yaml) throws IOException {
        Path p = dir.resolve("fw.yaml");
        Files.writeString(p, yaml);
        return assertThrows(SpecException.class, () -> FrameworkProfiles.load(p.toString()));
    }

    @Test
    void vllmsServingFp8MoeKernelIsTensorRtLlmsWithItsOwnCall() throws IOException {
        FrameworkProfile vllm = FrameworkProfiles.load("vllm");
        FrameworkProfile trt = FrameworkProfiles.load("trtllm");
        assertEquals(java.util.Optional.of("trtllm"), vllm.serving().fp8MoeKernel());
        DeviceSpec h100 = Targets.load("h100");
        FrameworkProfile.ClassFigures served = vllm.servingFigures("moe_fp8", h100);
        FrameworkProfile.ClassFigures kernel = trt.figures("moe_fp8");
        // the kernel: TensorRT-LLM's figures, every one of them; the call: vLLM's
        assertEquals(kernel.withCallOverheadUs(vllm.figures("moe_fp8").callOverheadUs()), served);
        assertEquals(vllm.figures("moe_fp8").callOverheadUs(), served.callOverheadUs());
        assertFalse(served.equals(vllm.figures("moe_fp8")), "the harness's figures stay what the database's rows run on");
        // every other class, and every profile without the key, as before
        assertEquals(vllm.figures("moe"), vllm.servingFigures("moe", h100));
        assertEquals(vllm.figures("gemm_fp8"), vllm.servingFigures("gemm_fp8", h100));
        assertEquals(trt.figures("moe_fp8"), trt.servingFigures("moe_fp8", h100));
        // the same on H200 and B200; vLLM on ROCm (MI300X) and a hypothetical device keep vLLM's own: FlashInfer is CUDA
        assertEquals(served, vllm.servingFigures("moe_fp8", Targets.load("h200")));
        assertEquals(served, vllm.servingFigures("moe_fp8", Targets.load("b200")));
        assertEquals(vllm.figures("moe_fp8"), vllm.servingFigures("moe_fp8", Targets.load("mi300x")));
        assertEquals(vllm.figures("moe_fp8"), vllm.servingFigures("moe_fp8", Targets.load("xpu")));
        assertTrue(FrameworkProfiles.load("sglang").serving().fp8MoeKernel().isEmpty());
        // a key the engine's section names wrongly says so
        SpecException e = error("name: x\nserving:\n  fp8_moe_kernel: trtlm\n");
        assertTrue(e.getMessage().contains("serving.fp8_moe_kernel") && e.getMessage().contains("trtllm"), e.getMessage());
        // a profile with no fp8 MoE kernel figures of its own (SGLang's moe_fp8 would be its bf16 Triton figures) is no kernel
        e = error("name: x\nserving:\n  fp8_moe_kernel: sglang\n");
        assertTrue(e.getMessage().contains("serving.fp8_moe_kernel") && e.getMessage().contains("unknown value 'sglang'"), e.getMessage());
    }

    @Test
    void staticActivationScalesAreAServingEnginesFlag() throws IOException {
        Path f = dir.resolve("static.yaml");
        Files.writeString(f, "name: x\nserving:\n  static_activation_scales: {value: true, source: t}\n");
        FrameworkProfile on = FrameworkProfiles.load(f.toString());
        assertTrue(on.serving().staticActivationScales());
        assertFalse(on.serving().isNone(), "a serving section that says only this is still a serving section");
        // carried through the serving fit's candidates and a harness's chunking; dropped with the framework's costs
        assertTrue(on.serving().withCosts(100, 2).staticActivationScales());
        assertTrue(on.serving().withChunkedPrefill(false).staticActivationScales());
        assertFalse(on.kernelsOnly().serving().staticActivationScales());
        Files.writeString(f, "name: x\nserving:\n  iteration_overhead_us: {value: 100, source: t}\n");
        assertFalse(FrameworkProfiles.load(f.toString()).serving().staticActivationScales(), "absent: the dynamic pair");
        SpecException e = error("name: x\nserving:\n  static_activation_scales: {value: 1, source: t}\n");
        assertTrue(e.getMessage().contains("static_activation_scales") && e.getMessage().contains("expected true or false"), e.getMessage());
    }

    @Test
    void badProfilesSayWhere() throws IOException {
        SpecException e = error("name: x\nclasses:\n  gemm:\n    matrix_efficiency: {value: 3, source: t}\n");
        assertTrue(e.getMessage().contains("classes.gemm.matrix_efficiency") && e.getMessage().contains("(0, 2]"), e.getMessage());
        e = error("name: x\nclasses:\n  gemmm:\n    call_overhead_us: {value: 3, source: t}\n");
        assertTrue(e.getMessage().contains("unknown op class") && e.getMessage().contains("gemm"), e.getMessage());
        e = error("name: x\nclasses:\n  gemm:\n    call_overhead_us: 3\n");
        assertTrue(e.getMessage().contains("needs a source"), e.getMessage());
        e = error("name: x\nspeed: {value: 1, source: t}\n");
        assertTrue(e.getMessage().contains("speed") && e.getMessage().contains("unknown key"), e.getMessage());
        e = error("name: x\nclasses:\n  attention_prefill:\n    exposed_memory: {value: 1.5, source: t}\n");
        assertTrue(e.getMessage().contains("classes.attention_prefill.exposed_memory") && e.getMessage().contains("[0, 1]"), e.getMessage());
        e = error("classes: {}\n");
        assertTrue(e.getMessage().contains("name") && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void kernelsOnlyDropsFrameworkCosts() {
        FrameworkProfile p = FrameworkProfiles.load("trtllm").kernelsOnly();
        assertTrue(p.figures("gemm").callOverheadUs().isEmpty());
        assertFalse(p.fp8QuantizesActivation());
        assertTrue(p.customAllReduce().isEmpty());
        assertEquals(FrameworkProfiles.load("trtllm").figures("gemm").matrixEfficiency(), p.figures("gemm").matrixEfficiency());
    }
}
