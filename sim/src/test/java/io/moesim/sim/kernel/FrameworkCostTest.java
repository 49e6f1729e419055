package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.FrameworkProfiles;
import io.moesim.hw.Targets;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.GroupedMatMul;
import io.moesim.ir.op.FfnActivation;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.Quantize;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class FrameworkCostTest {
    private final DeviceSpec h100 = Targets.load("h100");

    @Test
    void decodeAttentionPassesItsKvBytesToTheFallbackKernel() {
        // MQA decode, 64 sequences x 128 query heads on one KV head, head_dim 256, 1024 cached tokens (bf16): above
        // TensorRT-LLM's XQA group of 32, so its profile runs the MMHA fallback; the KV bytes it re-reads per query head are
        // the cached K and V of every sequence (kv_len counts the new token, which comes in as the op's k and v inputs):
        // 64 x 1023 x 256 x 2 (K, V) x 2 bytes = 67,043,328 B
        KernelSimulator sim = new KernelSimulator();
        FrameworkProfile trt = io.moesim.hw.FrameworkProfiles.load("trtllm");
        io.moesim.ir.op.Attention a = new io.moesim.ir.op.Attention(128, 1, 256, 64, 1, 1024, false, 0, DType.BF16);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, 64, 128 * 256), TensorType.of(DType.BF16, 64, 256), TensorType.of(DType.BF16, 64, 256));
        assertEquals(67_043_328.0, FrameworkCost.kvBytes(a, in), 0);
        OpEstimate e = sim.estimate(a, in, h100, h100.primary());
        FrameworkProfile.ClassFigures f = trt.figures("attention_decode");
        assertTrue(f.fallsBack(FrameworkCost.kvGroup(a)));
        double expect = FrameworkCost.apply(f, e, 64, h100.primary().engines(), 128, 67_043_328.0);
        assertEquals(expect, FrameworkCost.seconds(trt, sim, a, in, h100, h100.primary()), 0);
        assertEquals(expect, KernelCostModel.withProfiles(d -> trt).seconds(a, in, h100, h100.primary()), 0);
        // the KV stream alone bounds it: 128 reads of 67 MB at the profile's rate per SM over 132 SMs
        double kvStream = 128 * 67_043_328.0 / (h100.primary().engines() * f.fallbackGBps().getAsDouble() * 1e9);
        assertTrue(expect > kvStream, expect + " vs " + kvStream);
    }

    @Test
    void mmhaFallbackComputesOnTheCudaCoresNotOnPaddedMatrixTiles() {
        // TensorRT-LLM decode with one query head per KV head (2048 sequences x 16 heads, head_dim 256, 4 cached tokens, a
        // shape of its H100 generation table): a group of 1 runs MMHA, whose dot products are FMAs on the CUDA cores.
        FrameworkProfile trt = io.moesim.hw.FrameworkProfiles.load("trtllm");
        FrameworkProfile.ClassFigures f = trt.figures("attention_decode");
        io.moesim.ir.op.Attention mha = new io.moesim.ir.op.Attention(16, 16, 256, 2048, 1, 4, false, 0, DType.BF16);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, 2048, 16 * 256), TensorType.of(DType.BF16, 2048, 16 * 256),
                TensorType.of(DType.BF16, 2048, 16 * 256));
        assertTrue(f.fallsBack(FrameworkCost.kvGroup(mha)));
        // its FLOPs by hand: 4 (QK and PV, 2 each) x 2048 x 16 x 256 x 4 keys = 134,217,728, at H100's vector rate: 132 SMs x
        // 256 FP32 FLOP per clock x 1830 MHz (h100.yaml) = 61.83 TFLOP/s -> 2.1708 us
        FrameworkCost.AttentionKernel k = FrameworkCost.AttentionKernel.of(mha, in, h100, h100.primary());
        assertEquals(134_217_728 / (132 * 256 * 1830e6), k.vectorSeconds(), 1e-15);
        // so the kernel model's matrix part (its query rows padded to the MAC array's tile) does not reach the fallback's time:
        // the same memory part under a small or a huge compute part gives one time
        int e = h100.primary().engines();
        double launch = 2e-6;
        double memory = 60e-6;
        double bytes = 167_772_160;
        double small = k.seconds(f, launch + memory, launch, 1e-6, memory, bytes, 2048 * 16, e, 1, 134_217_728);
        double huge = k.seconds(f, launch + 500e-6, launch, 500e-6, memory, bytes, 2048 * 16, e, 1, 134_217_728);
        assertEquals(small, huge, 1e-15);
        // by hand: call overhead + the DRAM part (the model's at the profile's share, or the fallback's KV rate per SM, whichever
        // is longer) + ceil(32768 CTAs / 132 SMs) = 249 waves x the fallback's time per CTA
        double dram = Math.max(memory / f.bandwidthFraction().getAsDouble(), bytes / (e * f.fallbackGBps().getAsDouble() * 1e9));
        assertEquals(f.callOverheadUs().getAsDouble() * 1e-6 + dram + 249 * f.fallbackItemNs().getAsDouble() * 1e-9, small, 1e-12);
        // a group XQA takes (4 query heads per KV head) keeps the matrix part
        io.moesim.ir.op.Attention gqa = new io.moesim.ir.op.Attention(16, 4, 256, 2048, 1, 4, false, 0, DType.BF16);
        List<TensorType> inG = List.of(TensorType.of(DType.BF16, 2048, 16 * 256), TensorType.of(DType.BF16, 2048, 4 * 256),
                TensorType.of(DType.BF16, 2048, 4 * 256));
        FrameworkCost.AttentionKernel kg = FrameworkCost.AttentionKernel.of(gqa, inG, h100, h100.primary());
        assertTrue(kg.seconds(f, launch + 500e-6, launch, 500e-6, memory, bytes, 2048 * 4, e, 4, 0)
                > kg.seconds(f, launch + memory, launch, 1e-6, memory, bytes, 2048 * 4, e, 4, 0) + 100e-6);
    }

    @Test
    void xqaMultiBlockSplitMultipliesTheGroupedKernelsCtas() {
        // TensorRT-LLM decode, 64 sequences x 8 query heads on 2 KV heads (group 4, XQA), head_dim 64, 1024 cached keys: XQA splits
        // each pair's keys over 8 CTAs (XqaMultiBlockTest), so 64 x 2 x 8 = 1024 CTAs over 132 SMs (8 waves, 1024 x 4 = 4096 query
        // heads: 32 waves) in place of 128 CTAs (1 wave; 512 heads: 4 waves)
        FrameworkProfile.ClassFigures plain = new FrameworkProfile.ClassFigures(OptionalDouble.of(6), OptionalDouble.of(0.5), OptionalDouble.of(1),
                OptionalDouble.of(2000), OptionalDouble.of(32)).withPerHeadNs(100);
        FrameworkProfile.ClassFigures split = plain.withXqaMultiBlock(true);
        assertTrue(split.splitsKvAsXqa() && !plain.splitsKvAsXqa());
        io.moesim.ir.op.Attention a = new io.moesim.ir.op.Attention(8, 2, 64, 64, 1, 1024, false, 0, DType.BF16);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, 64, 8 * 64), TensorType.of(DType.BF16, 64, 2 * 64), TensorType.of(DType.BF16, 64, 2 * 64));
        FrameworkCost.AttentionKernel k = FrameworkCost.AttentionKernel.of(a, in, h100, h100.primary());
        int e = h100.primary().engines();
        double launch = 2e-6;
        double memory = 20e-6;
        double body = 6e-6 + memory; // call overhead + the DRAM part (compute 1 us / 0.5 is shorter)
        assertEquals(body + 1 * 2000e-9 + 4 * 100e-9, k.seconds(plain, launch + memory, launch, 1e-6, memory, 0, 128, e, 4, 0), 1e-12);
        assertEquals(body + 8 * 2000e-9 + 32 * 100e-9, k.seconds(split, launch + memory, launch, 1e-6, memory, 0, 128, e, 4, 0), 1e-12);
        // a group of 1 runs the MMHA fallback, which the split does not touch
        FrameworkProfile.ClassFigures withFallback = split.withFallbackGBps(50).withFallbackItemNs(1000);
        io.moesim.ir.op.Attention mha = new io.moesim.ir.op.Attention(2, 2, 64, 64, 1, 1024, false, 0, DType.BF16);
        FrameworkCost.AttentionKernel km = FrameworkCost.AttentionKernel.of(mha, in, h100, h100.primary());
        assertEquals(km.seconds(withFallback.withXqaMultiBlock(false), launch + memory, launch, 1e-6, memory, 0, 128, e, 1, 0),
                km.seconds(withFallback, launch + memory, launch, 1e-6, memory, 0, 128, e, 1, 0), 1e-15);
    }

    @Test
    void mmhaMultiBlockSplitsTheFallbacksPairsOverTheirKeys() {
        // TensorRT-LLM decode of plain multi-head attention (group 1: MMHA), 8 sequences x 8 heads, head dim 128, 2048 cached keys on
        // H100 (132 SMs): 64 pairs split 3 ways (MmhaMultiBlockTest), so the op runs 192 CTAs; with figures that split the fallback
        // its time is the figures' own of those tiles, and without them (or with a batch of 132 pairs or more) the tiles are not asked
        FrameworkProfile.ClassFigures plain = new FrameworkProfile.ClassFigures(OptionalDouble.of(6), OptionalDouble.of(0.5), OptionalDouble.of(1),
                OptionalDouble.of(2000), OptionalDouble.of(32)).withFallbackGBps(50).withFallbackItemNs(1000);
        FrameworkProfile.ClassFigures split = plain.withFallbackSplitWaveNs(5000);
        io.moesim.ir.op.Attention mha = new io.moesim.ir.op.Attention(8, 8, 128, 8, 1, 2048, false, 0, DType.BF16);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, 8, 8 * 128), TensorType.of(DType.BF16, 8, 8 * 128), TensorType.of(DType.BF16, 8, 8 * 128));
        FrameworkCost.AttentionKernel k = FrameworkCost.AttentionKernel.of(mha, in, h100, h100.primary());
        int e = h100.primary().engines();
        double launch = 2e-6;
        double memory = 20e-6;
        double bytes = 67e6;
        double t = launch + memory + Math.max(k.vectorSeconds(), memory) - Math.max(1e-6, memory);
        assertEquals(split.seconds(t, launch, k.vectorSeconds(), memory, bytes, 64, e, 1, bytes, 0, 3),
                k.seconds(split, launch + memory, launch, 1e-6, memory, bytes, 64, e, 1, bytes), 1e-15);
        assertEquals(plain.seconds(t, launch, k.vectorSeconds(), memory, bytes, 64, e, 1, bytes),
                k.seconds(plain, launch + memory, launch, 1e-6, memory, bytes, 64, e, 1, bytes), 1e-15);
        // by hand (the op's FLOPs on the vector units, 67 MFLOP, are well under the 20 us DRAM part, so the model's total stands and its
        // rest is 0): 192 CTAs of 67 MB / 192 = 348,958 B, 6.979 us each at 50 GB/s; the full wave of 132 takes max(132 / 192 x 20 = 13.75,
        // 6.979) us, the partial one of 60 max(6.25, 6.979) = 6.979 us: DRAM 20.729 us over the compute part (< 10 us at a share of 0.5);
        // 6 us call + 20.729 + 2 waves x 5 us = 36.729 us
        assertTrue(k.vectorSeconds() < 5e-6, "vector part " + k.vectorSeconds());
        assertEquals(6e-6 + 13.75e-6 + bytes / 192 / 50e9 + 2 * 5e-6, k.seconds(split, launch + memory, launch, 1e-6, memory, bytes, 64, e, 1, bytes), 1e-12);
        assertEquals(36.729e-6, k.seconds(split, launch + memory, launch, 1e-6, memory, bytes, 64, e, 1, bytes), 1e-9);
    }

    @Test
    void flashAttention3sVarlenSchedulerWalksTheBatch() {
        // vLLM decode of 512 sequences x 4 query heads on 1 KV head, head dim 128, 4 cached keys: with a walk of 200 ns a step the
        // op takes ceil(512 / 31) = 17 steps = 3.4 us more than the same figures without it; a prefill op takes nothing more
        FrameworkProfile.ClassFigures plain = new FrameworkProfile.ClassFigures(OptionalDouble.of(8), OptionalDouble.of(0.5), OptionalDouble.of(1),
                OptionalDouble.of(2000));
        FrameworkProfile.ClassFigures walk = plain.withVarlenScanStepNs(200);
        io.moesim.ir.op.Attention decode = new io.moesim.ir.op.Attention(4, 1, 128, 512, 1, 4, false, 0, DType.BF16);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, 512, 4 * 128), TensorType.of(DType.BF16, 512, 128), TensorType.of(DType.BF16, 512, 128));
        FrameworkCost.AttentionKernel k = FrameworkCost.AttentionKernel.of(decode, in, h100, h100.primary());
        int e = h100.primary().engines();
        assertEquals(3.4e-6, k.seconds(walk, 5e-6, 2e-6, 1e-6, 2e-6, 0, 512, e, 4, 0) - k.seconds(plain, 5e-6, 2e-6, 1e-6, 2e-6, 0, 512, e, 4, 0), 1e-12);
        io.moesim.ir.op.Attention prefill = new io.moesim.ir.op.Attention(4, 1, 128, 512, 64, 64, true, 0, DType.BF16);
        FrameworkCost.AttentionKernel kp = FrameworkCost.AttentionKernel.of(prefill, in, h100, h100.primary());
        assertEquals(kp.seconds(plain, 5e-6, 2e-6, 1e-6, 2e-6, 0, 512, e, 4, 0), kp.seconds(walk, 5e-6, 2e-6, 1e-6, 2e-6, 0, 512, e, 4, 0), 0);
    }

    @Test
    void vllmDecodeAboveFlashAttentionsHeadDimTakesTheTriton3dKernelsWaves() {
        // vLLM decode, 32 sequences x 2 query heads on one KV head, head_dim 512, 2 cached tokens: above FlashAttention's 256,
        // batch 32 <= 128 / 1, so vLLM's Triton 3D kernel: 32 x 1 x 16 = 512 programs over 132 SMs = 4 waves; the op takes at
        // least the profile's call overhead plus 4 x its time per program, and that floor is above the other figures here
        KernelSimulator sim = new KernelSimulator();
        FrameworkProfile vllm = io.moesim.hw.FrameworkProfiles.load("vllm");
        FrameworkProfile.ClassFigures f = vllm.figures("attention_decode");
        io.moesim.ir.op.Attention a = new io.moesim.ir.op.Attention(2, 1, 512, 32, 1, 2, false, 0, DType.BF16);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, 32, 2 * 512), TensorType.of(DType.BF16, 32, 512), TensorType.of(DType.BF16, 32, 512));
        double floor = f.callOverheadUs().getAsDouble() * 1e-6 + 4 * f.wideHeadProgramNs().getAsDouble() * 1e-9;
        assertEquals(floor, FrameworkCost.seconds(vllm, sim, a, in, h100, h100.primary()), 1e-15);
        OpEstimate e = sim.estimate(a, in, h100, h100.primary());
        assertTrue(FrameworkCost.apply(f, e, 32, h100.primary().engines(), 2) < floor);
        // the same op at head_dim 256 runs FlashAttention(-3): the figures without the floor, plus its scheduler's walk of the 32
        // sequences (ceil(32 / 31) = 2 steps of the profile's time per step), which the 512 case above does not pay
        io.moesim.ir.op.Attention b = new io.moesim.ir.op.Attention(2, 1, 256, 32, 1, 2, false, 0, DType.BF16);
        List<TensorType> inB = List.of(TensorType.of(DType.BF16, 32, 2 * 256), TensorType.of(DType.BF16, 32, 256), TensorType.of(DType.BF16, 32, 256));
        OpEstimate eb = sim.estimate(b, inB, h100, h100.primary());
        assertEquals(FrameworkCost.apply(f, eb, 32, h100.primary().engines(), 2, FrameworkCost.kvBytes(b, inB)) + 2 * f.varlenScanStepNs().orElse(0) * 1e-9,
                FrameworkCost.seconds(vllm, sim, b, inB, h100, h100.primary()), 1e-15);
    }

    @Test
    void idealIsTheKernelModel() {
        KernelSimulator sim = new KernelSimulator();
        MatMul mm = new MatMul(4096, 4096, DType.BF16);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, 512, 4096));
        double model = sim.estimate(mm, in, h100, h100.primary()).seconds();
        assertEquals(model, FrameworkCost.seconds(FrameworkProfile.ideal(), sim, mm, in, h100, h100.primary()), 0);
        assertEquals(model, new KernelCostModel().seconds(mm, in, h100, h100.primary()), 0);
    }

    @Test
    void callOverheadReplacesTheLaunchAndQuantiseRunsOnlyForFp8() {
        KernelSimulator sim = new KernelSimulator();
        FrameworkProfile.ClassFigures over = new FrameworkProfile.ClassFigures(OptionalDouble.of(20), OptionalDouble.empty(), OptionalDouble.empty());
        FrameworkProfile.ClassFigures quant = new FrameworkProfile.ClassFigures(OptionalDouble.of(3), OptionalDouble.empty(), OptionalDouble.empty());
        FrameworkProfile p = new FrameworkProfile("t", "test", Map.of("gemm", over, "gemm_fp8", over, "quantize", quant), true, Optional.empty());
        MatMul bf = new MatMul(64, 64, DType.BF16);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, 16, 64));
        OpEstimate e = sim.estimate(bf, in, h100, h100.primary());
        // a tiny GEMM: the framework's 20 us stands where the model's launch stood
        assertEquals(e.seconds() - e.breakdown().launchUs() * 1e-6 + 20e-6, FrameworkCost.seconds(p, sim, bf, in, h100, h100.primary()), 1e-12);
        MatMul f8 = new MatMul(64, 64, DType.FP8_E4M3);
        List<TensorType> in8 = List.of(TensorType.of(DType.FP8_E4M3, 16, 64));
        OpEstimate e8 = sim.estimate(f8, in8, h100, h100.primary());
        // the quantise kernels: amax (reads 2 B per element: a copy of 1 B each) and cast (reads 2, writes 1: a copy of 1.5 B each)
        OpEstimate amax = sim.memcpy(16 * 64, h100, h100.primary());
        OpEstimate q = sim.memcpy(16 * 64 * 3 / 2, h100, h100.primary());
        double expected = e8.seconds() - e8.breakdown().launchUs() * 1e-6 + 20e-6 + q.seconds() - q.breakdown().launchUs() * 1e-6 + 3e-6
                + amax.seconds() - amax.breakdown().launchUs() * 1e-6 + 3e-6;
        // the quantise is its own op (lowering puts it before the GEMM): the GEMM alone, then the Quantize op under
        // the quantize figures; together they are the bundled estimate the GEMM carried before
        double gemm = FrameworkCost.seconds(p, sim, f8, in8, h100, h100.primary());
        assertEquals(e8.seconds() - e8.breakdown().launchUs() * 1e-6 + 20e-6, gemm, 1e-12);
        Quantize qop = Quantize.before(f8, in8).orElseThrow();
        assertEquals(new Quantize(DType.BF16, DType.FP8_E4M3), qop);
        assertEquals(expected, gemm + FrameworkCost.seconds(p, sim, qop, in8, h100, h100.primary()), 1e-12);
        assertEquals(gemm, FrameworkCost.seconds(p.withQuantize(false), sim, f8, in8, h100, h100.primary()), 1e-12);
        // a bf16 GEMM needs none
        assertTrue(Quantize.before(bf, in).isEmpty());
    }

    @Test
    void aStaticScaleQuantisesWithTheCastAlone() {
        // the same figures as above, 3 us per quantise call; an engine that quantises with its checkpoint's scale runs the cast
        // (a copy of 1.5 B per element) and no amax pass (a copy of 1 B per element): the dynamic pair less the amax kernel
        KernelSimulator sim = new KernelSimulator();
        FrameworkProfile.ClassFigures quant = new FrameworkProfile.ClassFigures(OptionalDouble.of(3), OptionalDouble.empty(), OptionalDouble.empty());
        FrameworkProfile dynamic = new FrameworkProfile("t", "test", Map.of("quantize", quant), true, Optional.empty());
        FrameworkProfile fixed = new FrameworkProfile("t", "test", Map.of("quantize", quant), true, Optional.empty(),
                new FrameworkProfile.Serving(0, 0, false, true, 0, Optional.empty(), true));
        long el = 1000L * 4096;
        OpEstimate cast = sim.memcpy(el * 3 / 2, h100, h100.primary());
        OpEstimate amax = sim.memcpy(el, h100, h100.primary());
        double castS = cast.seconds() - cast.breakdown().launchUs() * 1e-6 + 3e-6;
        double amaxS = amax.seconds() - amax.breakdown().launchUs() * 1e-6 + 3e-6;
        assertEquals(castS + amaxS, FrameworkCost.gemmQuantizeSeconds(dynamic, sim, 1000, el, h100, h100.primary()), 1e-12);
        assertEquals(castS, FrameworkCost.gemmQuantizeSeconds(fixed, sim, 1000, el, h100, h100.primary()), 1e-12);
        // and the Quantize op lowering puts before an fp8 GEMM is priced so
        List<TensorType> x = List.of(TensorType.of(DType.BF16, 1000, 4096));
        assertEquals(castS, FrameworkCost.seconds(fixed, sim, new Quantize(DType.BF16, DType.FP8_E4M3), x, h100, h100.primary()), 1e-12);
        // TensorRT-LLM's engine does (its performance tables ran ModelOpt checkpoints); the other built-in profiles do not say so
        assertTrue(FrameworkProfiles.load("trtllm").serving().staticActivationScales());
        assertTrue(!FrameworkProfiles.load("vllm").serving().staticActivationScales() && !FrameworkProfiles.load("sglang").serving().staticActivationScales());
    }

    @Test
    void aWholePromptRunsTheContextKernelAtOneTokenToo() {
        // a 1-token prompt (causal, no KV cache before it) is a context-phase request: the prefill class, one CTA per
        // (sequence, KV head) packed, or per query head where the kernel does not pack; a decode step against a cache is not
        io.moesim.ir.op.Attention prompt = new io.moesim.ir.op.Attention(32, 1, 64, 64, 1, 1, true, 0, DType.BF16);
        io.moesim.ir.op.Attention step = new io.moesim.ir.op.Attention(32, 1, 64, 64, 1, 2, true, 0, DType.BF16);
        assertTrue(prompt.isDecode() && prompt.isWholePrompt() && !FrameworkCost.runsDecodeKernel(prompt));
        assertEquals("attention_prefill", FrameworkCost.opClass(prompt));
        assertEquals("attention_decode", FrameworkCost.opClass(step));
        // on an fp8 cache the decode step is its own class (TensorRT-LLM's XQA GMMA kernel), the prompt still the context kernel's
        io.moesim.ir.op.Attention fp8Step = new io.moesim.ir.op.Attention(32, 1, 64, 64, 1, 2, true, 0, DType.FP8_E4M3);
        io.moesim.ir.op.Attention fp8Prompt = new io.moesim.ir.op.Attention(32, 1, 64, 64, 1, 1, true, 0, DType.FP8_E4M3);
        assertEquals(FrameworkProfile.ATTENTION_DECODE_FP8_KV, FrameworkCost.opClass(fp8Step));
        assertEquals("attention_prefill", FrameworkCost.opClass(fp8Prompt));
        assertTrue(FrameworkCost.runsDecodeKernel(false, 1, 1), "not causal: a decode kernel's row");
        // 64 sequences x 1 KV head: FlashAttention-3 packs the group of 32 into one tile each (64 CTAs); per head, 64 x 32
        assertEquals(new FrameworkCost.PrefillTiles(64, 2048), FrameworkCost.PrefillTiles.of(prompt));
        assertEquals(64.0, FrameworkCost.items(prompt), 0);
        assertEquals(null, FrameworkCost.PrefillTiles.of(step));
    }

    @Test
    void prefillTilesOneHeadWideByHand() {
        // 64 sequences, 32 query heads on 1 KV head, 16-token prompts: packed, 64 x ceil(16 x 32 / 128) = 256 CTAs (2 waves
        // on 132 SMs); one head wide, 64 x 32 = 2048 CTAs (16 waves)
        io.moesim.ir.op.Attention a = new io.moesim.ir.op.Attention(32, 1, 128, 64, 16, 16, true, 0, DType.BF16);
        FrameworkCost.PrefillTiles t = FrameworkCost.PrefillTiles.of(a);
        assertEquals(new FrameworkCost.PrefillTiles(256, 2048), t);
        // figures: 10 us per call, 1000 ns per CTA; model parts: total 10, launch 2, compute 6, memory 4 us (2 us of fill)
        FrameworkProfile.ClassFigures f = new FrameworkProfile.ClassFigures(OptionalDouble.of(10), OptionalDouble.empty(), OptionalDouble.empty(),
                OptionalDouble.of(1000));
        // packed: 10 + 2 (fill) + max(6, 4) + ceil(256 / 132) x 1 = 20 us
        assertEquals(20e-6, t.seconds(f, 10e-6, 2e-6, 6e-6, 4e-6, 0, 132, 32, 0), 1e-12);
        // one head wide: compute 6 x 16 / 2 waves = 48; 10 + 2 + 48 + ceil(2048 / 132) x 1 = 76 us
        assertEquals(76e-6, t.seconds(f.withPacksGqa(false), 10e-6, 2e-6, 6e-6, 4e-6, 0, 132, 32, 0), 1e-12);
        // and FrameworkCost.seconds runs the same tiles under a profile
        KernelSimulator sim = new KernelSimulator();
        List<TensorType> in = List.of(TensorType.of(DType.BF16, 64 * 16, 32 * 128), TensorType.of(DType.BF16, 64 * 16, 128),
                TensorType.of(DType.BF16, 64 * 16, 128));
        OpEstimate e = sim.estimate(a, in, h100, h100.primary());
        FrameworkProfile p = new FrameworkProfile("t", "test", Map.of("attention_prefill", f.withPacksGqa(false)), false, Optional.empty());
        OpEstimate.Breakdown b = e.breakdown();
        assertEquals(t.seconds(f.withPacksGqa(false), e.seconds(), b.launchUs() * 1e-6, b.computeUs() * 1e-6, b.memoryUs() * 1e-6, b.dramBytes(),
                h100.primary().engines(), 32, FrameworkCost.kvBytes(a, in)), FrameworkCost.seconds(p, sim, a, in, h100, h100.primary()), 1e-15);
    }

    @Test
    void wideHeadAttentionTakesItsOwnComputeShare() {
        // a prefill of head dim 512 under figures whose wide-head share is 0.5: the same op as apply() on forHeadDim(512)'s
        // figures, and slower than at the plain share
        KernelSimulator sim = new KernelSimulator();
        io.moesim.ir.op.Attention a = new io.moesim.ir.op.Attention(8, 8, 512, 4, 2048, 2048, true, 0, DType.BF16);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, 4 * 2048, 8 * 512), TensorType.of(DType.BF16, 4 * 2048, 8 * 512),
                TensorType.of(DType.BF16, 4 * 2048, 8 * 512));
        FrameworkProfile.ClassFigures f = new FrameworkProfile.ClassFigures(OptionalDouble.of(10), OptionalDouble.of(1), OptionalDouble.empty());
        FrameworkProfile plain = new FrameworkProfile("t", "test", Map.of("attention_prefill", f), false, Optional.empty());
        FrameworkProfile wide = new FrameworkProfile("t", "test", Map.of("attention_prefill", f.withWideHeadMatrixEfficiency(0.5)), false, Optional.empty());
        OpEstimate e = sim.estimate(a, in, h100, h100.primary());
        double expect = FrameworkCost.apply(f.withWideHeadMatrixEfficiency(0.5).forHeadDim(512), e, FrameworkCost.items(a), h100.primary().engines(), 1,
                FrameworkCost.kvBytes(a, in));
        assertEquals(expect, FrameworkCost.seconds(wide, sim, a, in, h100, h100.primary()), 1e-15);
        double slower = FrameworkCost.seconds(wide, sim, a, in, h100, h100.primary()) - FrameworkCost.seconds(plain, sim, a, in, h100, h100.primary());
        assertEquals(e.breakdown().computeUs() * 1e-6, slower, 1e-9, "compute-bound: the compute part once more");
    }

    @Test
    void costModelChoosesTheProfilePerDevice() {
        FrameworkProfile.ClassFigures over = new FrameworkProfile.ClassFigures(OptionalDouble.of(50), OptionalDouble.empty(), OptionalDouble.empty());
        FrameworkProfile p = new FrameworkProfile("t", "test", Map.of("gemm", over), false, Optional.empty());
        KernelCostModel m = new KernelCostModel(new KernelSimulator(), RooflineCostModel.INSTANCE, d -> d.id().equals("h100") ? p : FrameworkProfile.ideal());
        MatMul mm = new MatMul(64, 64, DType.BF16);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, 16, 64));
        assertTrue(m.seconds(mm, in, h100, h100.primary()) > 50e-6);
        DeviceSpec x = Targets.load("xpu");
        assertTrue(m.seconds(mm, in, x, x.primary()) < 50e-6);
        assertEquals("t", m.profile(h100).id());
    }

    @Test
    void fusedMoeOnTheFrameworksTileByHand() {
        // a profile whose bf16 fused MoE runs Triton's default tile: moe call 10 us, gemm call 3 us, K step 300 ns
        FrameworkProfile.ClassFigures moe = new FrameworkProfile.ClassFigures(OptionalDouble.of(10), OptionalDouble.empty(), OptionalDouble.empty());
        FrameworkProfile.ClassFigures gemm = new FrameworkProfile.ClassFigures(OptionalDouble.of(3), OptionalDouble.empty(), OptionalDouble.empty());
        FrameworkProfile p = new FrameworkProfile("t", "test", Map.of("moe", moe, "gemm", gemm), false, Optional.empty())
                .withMoeTiles(Optional.of(new FrameworkProfile.MoeTiles(io.moesim.hw.MoeTileRule.TRITON_DEFAULT, 300, 0.5)));
        KernelSimulator sim = new KernelSimulator();
        // 4 experts, top 2, loads 3, 0, 0, 5 (8 rows: 4 tokens <= 4 experts, so 16-row blocks): 16 + 16 = 32 padded rows x
        // (4096 x 3072 + 1536 x 4096) MACs = 603,979,776 at 2048 MACs x 1830 MHz x 132 SMs = 1.2209 us of compute
        ExpertFfn x = new ExpertFfn(4, 2, it.unimi.dsi.fastutil.longs.LongImmutableList.of(3, 0, 0, 5), 4096, 1536, FfnActivation.SWIGLU, DType.BF16);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, 8, 4096));
        OpEstimate e = sim.estimate(x, in, h100, h100.primary());
        double c = 603_979_776.0 / (2048 * 1830e6 * 132);
        // a CTA's walk from DRAM (a serving step never finds its weights in L2): 4096 / 64 + 1536 / 64 = 88 steps x 300 ns
        double floor = 88 * 300e-9;
        OpEstimate.Breakdown b = e.breakdown();
        double rest = e.seconds() - b.launchUs() * 1e-6 - Math.max(b.computeUs(), b.memoryUs()) * 1e-6;
        double expect = 10e-6 + rest + Math.max(c, Math.max(b.memoryUs() * 1e-6, floor));
        assertEquals(expect, FrameworkCost.seconds(p, sim, x, in, h100, h100.primary()), 1e-12);
        assertTrue(floor > b.memoryUs() * 1e-6, "the walk binds: two experts' 75 MB stream in about 22 us");
        // a dense FFN is the framework's linear layers, not its fused MoE kernel: its body on the gemm figures (none here: the
        // model's own), its call the moe class's (10 us, the stand-in for the layer's untimed small kernels), no tile
        ExpertFfn dense = ExpertFfn.dense(8, 4096, 1536, FfnActivation.SWIGLU, DType.BF16);
        OpEstimate d = sim.estimate(dense, in, h100, h100.primary());
        assertEquals(10e-6 + d.seconds() - d.breakdown().launchUs() * 1e-6, FrameworkCost.seconds(p, sim, dense, in, h100, h100.primary()), 1e-12);
        FrameworkProfile.ClassFigures half = new FrameworkProfile.ClassFigures(OptionalDouble.of(3), OptionalDouble.of(0.5), OptionalDouble.of(0.5));
        FrameworkProfile slowGemm = p.withClass("gemm", half);
        assertEquals(FrameworkCost.apply(new FrameworkProfile.ClassFigures(OptionalDouble.of(10), OptionalDouble.of(0.5), OptionalDouble.of(0.5)), d),
                FrameworkCost.seconds(slowGemm, sim, dense, in, h100, h100.primary()), 0);
        // without the tile: the moe figures on the kernel model's own tile
        FrameworkProfile plain = p.withMoeTiles(Optional.empty());
        assertEquals(FrameworkCost.apply(moe, e), FrameworkCost.seconds(plain, sim, x, in, h100, h100.primary()), 0);
    }

    @Test
    void anFp8DenseFfnIsTheFrameworksLinearLayersAsTheGraphPricesThem() {
        // Llama-3-70B's MLP on one of two GPUs (TP 2), a prefill of 8192 tokens, fp8: hidden 8192, width 28672 / 2 = 14336.
        // The second computation is the graph's own ops for a linear layer (a Quantize op, then an fp8 MatMul on its output)
        // twice, with the gated activation between them: a streaming kernel under 'other' that moves 8192 x (28672 + 14336)
        // bf16 elements read and written (a copy of that many bytes)
        KernelSimulator sim = new KernelSimulator();
        long t = 8192;
        long h = 8192;
        long ffn = 14336;
        ExpertFfn dense = ExpertFfn.dense(t, h, ffn, FfnActivation.SWIGLU, DType.FP8_E4M3);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, t, h));
        for (String id : List.of("trtllm", "vllm", "sglang")) {
            FrameworkProfile p = io.moesim.hw.FrameworkProfiles.load(id);
            double upGemm = gemmAsTheGraph(p, sim, t, h, 2 * ffn);
            double downGemm = gemmAsTheGraph(p, sim, t, ffn, h);
            double up = quantizeAsTheGraph(p, sim, t, h) + upGemm;
            double down = quantizeAsTheGraph(p, sim, t, ffn) + downGemm;
            // the activation's bytes by hand: the up projection's 2 x 14336 columns read and 14336 written, bf16, per token
            // = 6 x 14336 bytes; a copy of n bytes moves 2n (KernelSimulator#memcpy), so n = 8192 x 3 x 14336
            long activationBytes = t * (2 * ffn * 2 + ffn * 2);
            double act = FrameworkCost.apply(p.figures("other"), sim.memcpy(activationBytes / 2, h100, h100.primary()));
            assertEquals(up + act + down, FrameworkCost.seconds(p, sim, dense, in, h100, h100.primary()), 1e-12, id);
            if (id.equals("trtllm")) {
                // the two GEMMs (2 x 8192 x 8192 x 43008 FLOPs = 5.77 TFLOP) near the rates TensorRT-LLM's own fp8 GEMM table
                // measures at such sizes on H100 (m=16384 n=8192 k=7168: 1,219 TFLOP/s; m=4353 n=51200 k=12288: 1,494), below the
                // 1,690 of the fused MoE kernel's figures, which priced this block before
                double rate = 2.0 * t * h * 3 * ffn / (upGemm + downGemm);
                assertTrue(rate > 1.2e15 && rate < 1.6e15, id + ": " + rate / 1e12 + " TFLOP/s");
            }
        }
        // an idle block (no tokens: a tile whose experts received none) is no kernel, as the kernel model has it
        ExpertFfn idle = ExpertFfn.dense(0, h, ffn, FfnActivation.SWIGLU, DType.FP8_E4M3);
        assertTrue(!FrameworkCost.isDenseFp8(idle));
        // a routed block of eight experts (top 2, 2 x 8192 rows) stays the fused kernel
        ExpertFfn routed = new ExpertFfn(8, 2, it.unimi.dsi.fastutil.longs.LongImmutableList.of(t / 4, t / 4, t / 4, t / 4, t / 4, t / 4, t / 4, t / 4),
                h, ffn, FfnActivation.SWIGLU, DType.FP8_E4M3);
        FrameworkProfile trt = io.moesim.hw.FrameworkProfiles.load("trtllm");
        List<TensorType> inRouted = List.of(TensorType.of(DType.BF16, 2 * t, h));
        // its quantise kernels: the input, the call's 8192 tokens x 8192 quantised once before the permute copies each to its
        // 2 slots, and the gated activation, 2 x 8192 slots x 14336
        assertEquals(fusedFp8(trt, sim, routed, inRouted, t * h + 2 * t * ffn), FrameworkCost.seconds(trt, sim, routed, inRouted, h100, h100.primary()),
                1e-12);
    }

    @Test
    void aRoutedBlockLeftWithOneExpertIsTheFusedKernelNotADenseFfn() {
        // Mixtral-8x7B at EP 8 (one routed expert per GPU; config.json: hidden 4096, width 14336), 2048 rows of a prefill reaching
        // this GPU's expert, fp8: priced as a block of eight is (the moe_fp8 figures, the block's own quantise kernels of its input
        // and its gated activation), not as a dense FFN's linear layers, which give the same shape another time
        KernelSimulator sim = new KernelSimulator();
        long rows = 2048;
        long h = 4096;
        long ffn = 14336;
        long[] eight = new long[8];
        java.util.Arrays.fill(eight, rows / 2);
        ExpertFfn block = new ExpertFfn(8, 2, it.unimi.dsi.fastutil.longs.LongImmutableList.of(eight), h, ffn, FfnActivation.SWIGLU,
                DType.FP8_E4M3);
        ExpertFfn rank = block.select(new int[] {5}, new long[] {rows}, 1, ffn);
        ExpertFfn dense = ExpertFfn.dense(rows, h, ffn, FfnActivation.SWIGLU, DType.FP8_E4M3);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, rows, h));
        FrameworkProfile trt = io.moesim.hw.FrameworkProfiles.load("trtllm");
        // its 2048 tokens' input quantised (one slot each here) and its gated activation's
        double fused = fusedFp8(trt, sim, rank, in, rows * h + rows * ffn);
        assertEquals(fused, FrameworkCost.seconds(trt, sim, rank, in, h100, h100.primary()), 1e-12);
        double linear = FrameworkCost.seconds(trt, sim, dense, in, h100, h100.primary());
        assertTrue(Math.abs(linear / fused - 1) > 0.05, "the two forms differ here, so the flag decides: " + linear + " vs " + fused);
        // bf16 on a profile with fused MoE tiles (vLLM's Triton fused_moe): the tile's path, not the dense FFN's gemm figures
        ExpertFfn rankBf16 = new ExpertFfn(8, 2, it.unimi.dsi.fastutil.longs.LongImmutableList.of(eight), h, ffn, FfnActivation.SWIGLU,
                DType.BF16).select(new int[] {5}, new long[] {rows}, 1, ffn);
        ExpertFfn denseBf16 = ExpertFfn.dense(rows, h, ffn, FfnActivation.SWIGLU, DType.BF16);
        FrameworkProfile vllm = io.moesim.hw.FrameworkProfiles.load("vllm");
        assertTrue(vllm.moeTiles().isPresent());
        double tiled = FrameworkCost.seconds(vllm, sim, rankBf16, in, h100, h100.primary());
        double gemm = FrameworkCost.seconds(vllm, sim, denseBf16, in, h100, h100.primary());
        assertTrue(Math.abs(tiled / gemm - 1) > 0.01, tiled + " vs " + gemm);
    }

    /** A fused fp8 MoE block on the moe_fp8 figures, plus its own quantise kernels over {@code quantized} elements (no rows given). */
    private double fusedFp8(FrameworkProfile p, KernelSimulator sim, ExpertFfn block, List<TensorType> in, long quantized) {
        OpEstimate e = sim.estimate(block, in, h100, h100.primary());
        return FrameworkCost.apply(p.figures("moe_fp8"), e, FrameworkCost.items(block, in, h100.primary()), h100.primary().engines())
                + FrameworkCost.quantizeSeconds(p, sim, 0, quantized, h100, h100.primary());
    }

    /**
     * A linear layer's activation quantise as the serving graph has it: a Quantize op of its bf16 input where the cost model tells
     * lowering its stack quantises fp8 activations (LowerPass asks KernelCostModel#quantizesFp8Activations: per tensor, or
     * per token as SGLang's profile does).
     */
    private double quantizeAsTheGraph(FrameworkProfile p, KernelSimulator sim, long rows, long k) {
        List<TensorType> x = List.of(TensorType.of(DType.BF16, rows, k));
        boolean quantizes = KernelCostModel.withProfiles(d -> p).quantizesFp8Activations(h100);
        return quantizes ? FrameworkCost.seconds(p, sim, new Quantize(DType.BF16, DType.FP8_E4M3), x, h100, h100.primary()) : 0;
    }

    /** ... and its GEMM: the fp8 MatMul on the quantised rows. */
    private double gemmAsTheGraph(FrameworkProfile p, KernelSimulator sim, long rows, long k, long n) {
        return FrameworkCost.seconds(p, sim, new MatMul(k, n, DType.FP8_E4M3), List.of(TensorType.of(DType.FP8_E4M3, rows, k)), h100, h100.primary());
    }

    @Test
    void aGroupedGemmOnTheFrameworksCutlassTileByHand() {
        // TensorRT-LLM's autotuned CUTLASS tile: groups of 3, 0, 0 and 20 rows padded to 16 -> 16 + 32 = 48 rows x 4096 x 3072
        // MACs = 603,979,776 at 2048 MACs x 1830 MHz x 132 SMs; a CTA walks 4096 / 64 = 64 K steps of 300 ns = 19.2 us
        FrameworkProfile.ClassFigures moe = new FrameworkProfile.ClassFigures(OptionalDouble.of(10), OptionalDouble.empty(), OptionalDouble.empty());
        FrameworkProfile p = new FrameworkProfile("t", "test", Map.of("moe", moe), false, Optional.empty())
                .withMoeTiles(Optional.of(new FrameworkProfile.MoeTiles(io.moesim.hw.MoeTileRule.CUTLASS_SM90_AUTOTUNED, 300, 0.5)));
        KernelSimulator sim = new KernelSimulator();
        GroupedMatMul g = new GroupedMatMul(it.unimi.dsi.fastutil.longs.LongImmutableList.of(3, 0, 0, 20), 4096, 3072, DType.BF16);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, 23, 4096));
        OpEstimate e = sim.estimate(g, in, h100, h100.primary());
        double c = 48.0 * 4096 * 3072 / (2048 * 1830e6 * 132);
        double floor = 64 * 300e-9;
        OpEstimate.Breakdown b = e.breakdown();
        double rest = e.seconds() - b.launchUs() * 1e-6 - Math.max(b.computeUs(), b.memoryUs()) * 1e-6;
        assertEquals(10e-6 + rest + Math.max(c, Math.max(b.memoryUs() * 1e-6, floor)), FrameworkCost.seconds(p, sim, g, in, h100, h100.primary()), 1e-12);
        // fp8 groups keep the kernel model's tile under the figures (the rule is a bf16 block's)
        GroupedMatMul f8 = new GroupedMatMul(it.unimi.dsi.fastutil.longs.LongImmutableList.of(3, 0, 0, 20), 4096, 3072, DType.FP8_E4M3);
        FrameworkProfile fp8 = new FrameworkProfile("t", "test", Map.of("moe_fp8", moe), false, Optional.empty()).withMoeTiles(p.moeTiles());
        assertEquals(FrameworkCost.apply(moe, sim.estimate(f8, in, h100, h100.primary())), FrameworkCost.seconds(fp8, sim, f8, in, h100, h100.primary()), 0);
    }

    @Test
    void anUnalignedWidthStretchesTheDownGemmsShareOfTheKernelTime() {
        // the down GEMM's share of a block's MACs: gated, ffn x hidden over (2 x ffn + ffn) x hidden = 1/3; not gated, 1/2;
        // a width Triton runs aligned (a multiple of 16), or TensorRT-LLM's CUTLASS rule, 0
        io.moesim.hw.MoeTileRule t = io.moesim.hw.MoeTileRule.TRITON_DEFAULT;
        assertEquals(1.0 / 3, FrameworkCost.unalignedDownShare(t, 2816, 88, FfnActivation.SWIGLU), 1e-15);
        assertEquals(0.5, FrameworkCost.unalignedDownShare(t, 2816, 88, FfnActivation.GELU), 1e-15);
        assertEquals(0, FrameworkCost.unalignedDownShare(t, 2816, 96, FfnActivation.SWIGLU), 0);
        assertEquals(0, FrameworkCost.unalignedDownShare(io.moesim.hw.MoeTileRule.CUTLASS_SM90_AUTOTUNED, 2816, 88, FfnActivation.SWIGLU), 0);
        // by hand: a 10 us call and 70 us of kernel (80 us in all), the down GEMM a third of it at 3x: 10 + 70 x (1 + 2/3) = 126.67 us
        FrameworkProfile.ClassFigures moe = new FrameworkProfile.ClassFigures(OptionalDouble.of(10), OptionalDouble.empty(), OptionalDouble.empty());
        FrameworkProfile.MoeTiles three = new FrameworkProfile.MoeTiles(t, 300, 0.5, 3);
        assertEquals(10e-6 + 70e-6 * 5 / 3, FrameworkCost.withUnalignedDown(moe, 80e-6, 1e-6, three, 1.0 / 3), 1e-15);
        assertEquals(80e-6, FrameworkCost.withUnalignedDown(moe, 80e-6, 1e-6, three, 0), 0);
        // simulate's fused MoE block takes the same stretch: Gemma-4-26B-A4B's experts at TP 8 (hidden 2816, 88 wide), the
        // kernel time above the call 5/3 of the slowdown-free profile's; 96 wide, as that profile
        FrameworkProfile one = new FrameworkProfile("t", "test", Map.of("moe", moe), false, Optional.empty())
                .withMoeTiles(Optional.of(new FrameworkProfile.MoeTiles(t, 300, 0.5)));
        FrameworkProfile slow = one.withMoeTiles(Optional.of(three));
        KernelSimulator sim = new KernelSimulator();
        List<TensorType> in = List.of(TensorType.of(DType.BF16, 64, 2816));
        ExpertFfn narrow = new ExpertFfn(8, 2, it.unimi.dsi.fastutil.longs.LongImmutableList.of(20, 12, 16, 8, 20, 12, 16, 24), 2816, 88,
                FfnActivation.SWIGLU, DType.BF16);
        double base = FrameworkCost.seconds(one, sim, narrow, in, h100, h100.primary());
        assertEquals(10e-6 + (base - 10e-6) * 5 / 3, FrameworkCost.seconds(slow, sim, narrow, in, h100, h100.primary()), 1e-12);
        ExpertFfn wide = new ExpertFfn(8, 2, narrow.tokens(), 2816, 96, FfnActivation.SWIGLU, DType.BF16);
        assertEquals(FrameworkCost.seconds(one, sim, wide, in, h100, h100.primary()), FrameworkCost.seconds(slow, sim, wide, in, h100, h100.primary()), 0);
        // a grouped GEMM whose K is the width (a down projection) is all down GEMM: 3x its kernel time
        GroupedMatMul down = new GroupedMatMul(it.unimi.dsi.fastutil.longs.LongImmutableList.of(20, 12, 16, 8), 88, 2816, DType.BF16);
        List<TensorType> din = List.of(TensorType.of(DType.BF16, 56, 88));
        double gBase = FrameworkCost.seconds(one, sim, down, din, h100, h100.primary());
        assertEquals(10e-6 + (gBase - 10e-6) * 3, FrameworkCost.seconds(slow, sim, down, din, h100, h100.primary()), 1e-12);
    }

    @Test
    void vllmsFp8MoeBlockRunsTheAutotunedCutlassKernelInServing() {
        // Mixtral-8x7B's fp8 block at TP 2 (ffn 7168 per GPU), 64 tokens top-2 over 8 experts. vLLM's serving engine runs
        // FlashInfer's CUTLASS MoE autotuned: TensorRT-LLM's kernel figures, vLLM's call, vLLM's own input quantise
        FrameworkProfile vllm = FrameworkProfiles.load("vllm");
        FrameworkProfile trt = FrameworkProfiles.load("trtllm");
        KernelSimulator sim = new KernelSimulator();
        ExpertFfn block = new ExpertFfn(8, 2, it.unimi.dsi.fastutil.longs.LongImmutableList.of(16, 16, 16, 16, 16, 16, 16, 16), 4096, 7168,
                FfnActivation.SWIGLU, DType.FP8_E4M3).asRouted();
        List<TensorType> in = List.of(TensorType.of(DType.BF16, 128, 4096));
        long quantized = 64 * 4096 + 128 * 7168; // the call's tokens x hidden, and the activation per slot
        FrameworkProfile kernelOfTrt = vllm.withClass("moe_fp8", trt.figures("moe_fp8").withCallOverheadUs(vllm.figures("moe_fp8").callOverheadUs()));
        double served = FrameworkCost.seconds(vllm, sim, block, in, h100, h100.primary());
        assertEquals(fusedFp8(kernelOfTrt, sim, block, in, quantized), served, 1e-12);
        // the harness's untuned figures would be far slower: a compute share of 0.141
        assertTrue(fusedFp8(vllm, sim, block, in, quantized) > 1.5 * served);
    }

    @Test
    void aFusedMoeBlockOnARatePerSmTakesAsLongOnAnyMemory() {
        // Mixtral-8x7B's block at decode, 8 tokens top-2 over its 8 experts (every expert active), bf16: each SwiGLU expert
        // 3 x 4096 x 14336 weights, 8 x 3 x 4096 x 14336 x 2 B = 2.818 GB. On a class whose DRAM part is a rate per SM (5 GB/s),
        // H100's 132 SMs read them at 660 GB/s: 4.27 ms, far above its compute, plus the 10 us call. H200 has the same 132 SMs
        // and a faster HBM (4.8 against 3.35 TB/s), which a rate per SM does not see: the same time within the model's rest.
        FrameworkProfile.ClassFigures rate = new FrameworkProfile.ClassFigures(OptionalDouble.of(10), OptionalDouble.empty(), OptionalDouble.empty())
                .withEngineGBps(5);
        FrameworkProfile p = new FrameworkProfile("t", "test", Map.of("moe", rate), false, Optional.empty());
        KernelSimulator sim = new KernelSimulator();
        ExpertFfn x = new ExpertFfn(8, 2, it.unimi.dsi.fastutil.longs.LongImmutableList.of(2, 2, 2, 2, 2, 2, 2, 2), 4096, 14336, FfnActivation.SWIGLU,
                DType.BF16);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, 8, 4096));
        double weights = 8.0 * 3 * 4096 * 14336 * 2;
        double byHand = 10e-6 + weights / (132 * 5e9);
        double onH100 = FrameworkCost.seconds(p, sim, x, in, h100, h100.primary());
        assertEquals(byHand, onH100, byHand * 0.01, "the weights at 132 SMs x 5 GB/s, plus the call");
        DeviceSpec h200 = Targets.load("h200");
        assertEquals(132, h200.primary().engines());
        assertEquals(onH100, FrameworkCost.seconds(p, sim, x, in, h200, h200.primary()), onH100 * 0.01, "the same SMs: the same time");
        // a share of the HBM instead (the same 660 GB/s on H100) runs 4.8 / 3.35 faster on H200
        FrameworkProfile share = p.withClass("moe", new FrameworkProfile.ClassFigures(OptionalDouble.of(10), OptionalDouble.empty(),
                OptionalDouble.of(660.0 / 3350)));
        assertTrue(FrameworkCost.seconds(share, sim, x, in, h200, h200.primary()) < 0.8 * onH100);
    }

    @Test
    void aFusedMoeBlocksPerItemTimeIsPerActiveExpertOneAfterAnother() {
        // moe call 10 us, 1000 ns per item: loads 3, 0, 0, 5 have two active experts, priced one after another (not spread over
        // the 132 SMs as attention's CTAs are: every SM walks both), 2 x 1000 ns on top of the figures without the per-item time, as
        // the database's fused MoE pieces price them (DbModel.moePieces through the same FrameworkCost.items)
        FrameworkProfile.ClassFigures plain = new FrameworkProfile.ClassFigures(OptionalDouble.of(10), OptionalDouble.empty(), OptionalDouble.empty());
        FrameworkProfile.ClassFigures perItem = new FrameworkProfile.ClassFigures(OptionalDouble.of(10), OptionalDouble.empty(), OptionalDouble.empty(),
                OptionalDouble.of(1000));
        FrameworkProfile p = new FrameworkProfile("t", "test", Map.of("moe", perItem), false, Optional.empty());
        KernelSimulator sim = new KernelSimulator();
        ExpertFfn x = new ExpertFfn(4, 2, it.unimi.dsi.fastutil.longs.LongImmutableList.of(3, 0, 0, 5), 4096, 1536, FfnActivation.SWIGLU, DType.BF16);
        List<TensorType> in = List.of(TensorType.of(DType.BF16, 8, 4096));
        OpEstimate e = sim.estimate(x, in, h100, h100.primary());
        assertEquals(2, FrameworkCost.items(x), 0);
        assertEquals(2 * 132, FrameworkCost.items(x, in, h100.primary()), 0, "each of H100's 132 SMs walks both experts");
        assertEquals(FrameworkCost.apply(plain, e) + 2 * 1000e-9, FrameworkCost.seconds(p, sim, x, in, h100, h100.primary()), 1e-12);
        // on the framework's own tile too (the walk and the padded compute as fusedMoeOnTheFrameworksTileByHand): the same two items
        FrameworkProfile tiled = p.withMoeTiles(Optional.of(new FrameworkProfile.MoeTiles(io.moesim.hw.MoeTileRule.TRITON_DEFAULT, 300, 0.5)));
        FrameworkProfile tiledPlain = tiled.withClass("moe", plain);
        assertEquals(FrameworkCost.seconds(tiledPlain, sim, x, in, h100, h100.primary()) + 2 * 1000e-9,
                FrameworkCost.seconds(tiled, sim, x, in, h100, h100.primary()), 1e-12);
    }
}
