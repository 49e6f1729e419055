package io.moesim.sim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.compiler.cost.RooflineCostModel;
import io.moesim.hw.DeviceSpec;
import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.Targets;
import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
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
        // the same op at head_dim 256 runs FlashAttention: the figures without the floor
        io.moesim.ir.op.Attention b = new io.moesim.ir.op.Attention(2, 1, 256, 32, 1, 2, false, 0, DType.BF16);
        List<TensorType> inB = List.of(TensorType.of(DType.BF16, 32, 2 * 256), TensorType.of(DType.BF16, 32, 256), TensorType.of(DType.BF16, 32, 256));
        OpEstimate eb = sim.estimate(b, inB, h100, h100.primary());
        assertEquals(FrameworkCost.apply(f, eb, 32, h100.primary().engines(), 2, FrameworkCost.kvBytes(b, inB)),
                FrameworkCost.seconds(vllm, sim, b, inB, h100, h100.primary()), 0);
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
    void aWholePromptRunsTheContextKernelAtOneTokenToo() {
        // a 1-token prompt (causal, no KV cache before it) is a context-phase request: the prefill class, one CTA per
        // (sequence, KV head) packed, or per query head where the kernel does not pack; a decode step against a cache is not
        io.moesim.ir.op.Attention prompt = new io.moesim.ir.op.Attention(32, 1, 64, 64, 1, 1, true, 0, DType.BF16);
        io.moesim.ir.op.Attention step = new io.moesim.ir.op.Attention(32, 1, 64, 64, 1, 2, true, 0, DType.BF16);
        assertTrue(prompt.isDecode() && prompt.isWholePrompt() && !FrameworkCost.runsDecodeKernel(prompt));
        assertEquals("attention_prefill", FrameworkCost.opClass(prompt));
        assertEquals("attention_decode", FrameworkCost.opClass(step));
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
}
