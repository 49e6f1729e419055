package io.moesim.ir.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** FLOPs and minimum DRAM bytes of single ops, each worked out by hand in the comments. */
class OpCostTest {
    private static final DType BF16 = DType.BF16;

    private static TensorType bf16(long... dims) {
        return TensorType.of(BF16, dims);
    }

    @Test
    void gemm64x4096x14336() {
        MatMul mm = new MatMul(4096, 14336, BF16);
        List<TensorType> in = List.of(bf16(64, 4096));
        assertEquals(List.of(bf16(64, 14336)), mm.inferTypes(in));
        // 2·m·k·n = 2·64·4096·14336 = 128·4096·14336 = 524,288·14336 = 7,516,192,768
        assertEquals(7_516_192_768L, mm.flops(in));
        Traffic t = mm.traffic(in);
        // weights 4096·14336 elements · 2 B = 117,440,512
        assertEquals(117_440_512L, t.weightBytes());
        // x read 64·4096·2 = 524,288; y written 64·14336·2 = 1,835,008
        assertEquals(524_288L, t.activationReadBytes());
        assertEquals(1_835_008L, t.activationWriteBytes());
        // total 117,440,512 + 524,288 + 1,835,008 = 119,799,808; Op/B = 7,516,192,768 / 119,799,808 ≈ 62.7
        assertEquals(119_799_808L, t.total());
        assertEquals(62.74, mm.opPerByte(in), 0.01);
        assertEquals(4096L * 14336, mm.params());
    }

    @Test
    void fp8ActivationQuantise() {
        Quantize q = new Quantize(BF16, DType.FP8_E4M3);
        List<TensorType> in = List.of(bf16(64, 4096));
        assertEquals(List.of(TensorType.of(DType.FP8_E4M3, 64, 4096)), q.inferTypes(in));
        // 64·4096 = 262,144 elements; the amax pass and the cast each read them at 2 B: 1,048,576; the cast writes 1 B each
        assertEquals(1_048_576L, q.traffic(in).activationReadBytes());
        assertEquals(262_144L, q.traffic(in).activationWriteBytes());
        assertEquals(2L * 262_144, q.flops(in));
        // an operand the model graph already types fp8 (every activation in the serving dtype) is read as the stack holds it, bf16
        List<TensorType> in8 = List.of(TensorType.of(DType.FP8_E4M3, 64, 4096));
        assertEquals(q.traffic(in), q.traffic(in8));
        // the quantise an fp8 GEMM needs, none for a bf16 one
        assertEquals(java.util.Optional.of(q), Quantize.before(new MatMul(4096, 14336, DType.FP8_E4M3), in));
        assertEquals(java.util.Optional.of(q), Quantize.before(new MatMul(4096, 14336, DType.FP8_E4M3), in8));
        assertEquals(java.util.Optional.empty(), Quantize.before(new MatMul(4096, 14336, BF16), in));
        // nor for a bf16 GEMM on an activation the graph types fp8 (an fp8 model's unquantised LM head): it runs in bf16
        assertEquals(java.util.Optional.empty(), Quantize.before(new MatMul(4096, 14336, BF16), in8));
        assertEquals(List.of(bf16(64, 14336)), new MatMul(4096, 14336, BF16).inferTypes(in8));
        // attributes round-trip through the registry, as the parser builds ops
        assertEquals(q, OpRegistry.create("quantize", q.attributes()));
        assertThrows(AttrException.class, () -> OpRegistry.create("quantize", new Attrs().put("from", BF16).put("to", DType.INT8)));
    }

    @Test
    void gqaDecodeAttentionMixtral() {
        // Mixtral: 32 query heads, 8 KV heads (group 4), head_dim 128; 64 sequences decoding at kv_len 1024
        Attention a = new Attention(32, 8, 128, 64, 1, 1024, true, 0, BF16);
        assertEquals(AttentionKind.GQA, a.kind());
        List<TensorType> in = List.of(bf16(64, 32 * 128), bf16(64, 8 * 128), bf16(64, 8 * 128));
        assertEquals(List.of(bf16(64, 4096)), a.inferTypes(in));
        // causal decode: the one query sees all 1024 keys, pairs = 1024
        assertEquals(1024, a.pairsPerSequence());
        // 4·batch·heads·head_dim·pairs = 4·64·32·128·1024 = 1,073,741,824
        assertEquals(1_073_741_824L, a.flops(in));
        Traffic t = a.traffic(in);
        // KV read: batch·past·2·kv_heads·head_dim·2 B with past = 1024 − 1 = 1023:
        // 64·1023 = 65,472; ·2 = 130,944; ·8 = 1,047,552; ·128 = 134,086,656; ·2 B = 268,173,312
        assertEquals(268_173_312L, t.kvReadBytes());
        // q 64·4096·2 = 524,288 + k, v 64·1024·2 = 131,072 each → 786,432 read; output 524,288 written
        assertEquals(786_432L, t.activationReadBytes());
        assertEquals(524_288L, t.activationWriteBytes());
        assertEquals(269_484_032L, t.total());
        // Op/B = 1,073,741,824 / 269,484,032 ≈ 3.98: the GQA group size 32/8 = 4
        assertEquals(4.0, a.opPerByte(in), 0.05);
    }

    @Test
    void mixtralExpertFfnSwiglu() {
        // 64 tokens · top-2 = 128 routed copies over 8 experts, every expert gets some
        LongImmutableList tokens = LongImmutableList.of(20, 18, 16, 14, 16, 12, 16, 16);
        ExpertFfn f = new ExpertFfn(8, 2, tokens, 4096, 14336, FfnActivation.SWIGLU, BF16);
        List<TensorType> in = List.of(bf16(128, 4096));
        assertEquals(List.of(bf16(128, 4096)), f.inferTypes(in));
        // SwiGLU = 3 matrices: 2·T·h·ffn·3 = 2·128·4096·14336·3 = 15,032,385,536·3 = 45,097,156,608
        assertEquals(45_097_156_608L, f.flops(in));
        // per expert 3·4096·14336 = 176,160,768 parameters
        assertEquals(176_160_768L, f.paramsPerExpert());
        assertEquals(8 * 176_160_768L, f.params());
        assertEquals(2 * 176_160_768L, f.activeParams());
        Traffic t = f.traffic(in);
        // all 8 experts read: 8·176,160,768·2 B = 2,818,572,288; activations 128·4096·2 = 1,048,576 each way
        assertEquals(2_818_572_288L, t.weightBytes());
        assertEquals(1_048_576L, t.activationReadBytes());
        assertEquals(1_048_576L, t.activationWriteBytes());
        assertEquals(2_820_669_440L, t.total());
        // Op/B ≈ tokens per expert (128/8 = 16) for bf16 weights: 45,097,156,608 / 2,820,669,440 ≈ 15.99
        assertEquals(16.0, f.opPerByte(in), 0.05);

        // skewed routing: only 2 experts receive tokens, only their weights are read
        ExpertFfn skew = new ExpertFfn(8, 2, LongImmutableList.of(64, 64, 0, 0, 0, 0, 0, 0), 4096, 14336, FfnActivation.SWIGLU, BF16);
        assertEquals(2, skew.activeExperts());
        // 2·176,160,768·2 B + 2·1,048,576 = 704,643,072 + 2,097,152 = 706,740,224
        assertEquals(706_740_224L, skew.traffic(in).total());
        assertEquals(45_097_156_608L, skew.flops(in));
    }

    @Test
    void prefillCausalAttentionPairs() {
        // 2 sequences of 512 tokens, causal: query p sees p+1 keys, pairs = Σ_{p=1..512} p = 512·513/2 = 131,328
        Attention a = new Attention(32, 8, 128, 2, 512, 512, true, 0, BF16);
        assertEquals(131_328L, a.pairsPerSequence());
        List<TensorType> in = List.of(bf16(1024, 4096), bf16(1024, 1024), bf16(1024, 1024));
        // 4·2·32·128·131,328 = 32,768·131,328 = 4,303,355,904
        assertEquals(4_303_355_904L, a.flops(in));
        // nothing in the cache before prefill: no KV read
        assertEquals(0L, a.traffic(in).kvReadBytes());
        // not causal: every query sees all 512 keys, 512·512 = 262,144 pairs
        assertEquals(262_144L, new Attention(32, 8, 128, 2, 512, 512, false, 0, BF16).pairsPerSequence());
    }

    @Test
    void slidingWindowAttention() {
        // prefill of 4096 with window 1024: queries 1..1023 see 1..1023 keys (sum 1023·1024/2 = 523,776),
        // the other 4096 − 1023 = 3073 see 1024 each (3,146,752): 3,670,528 pairs
        Attention a = new Attention(8, 8, 64, 1, 4096, 4096, true, 1024, BF16);
        assertEquals(3_670_528L, a.pairsPerSequence());
        // the same by brute force: Σ_p min(p+1, 1024)
        long brute = 0;
        for (int p = 0; p < 4096; p++) {
            brute += Math.min(p + 1, 1024);
        }
        assertEquals(brute, a.pairsPerSequence());
        // decode at kv_len 8192 with window 4096: 4096 pairs, and only min(8191, 4096) = 4096 cached tokens read
        Attention d = new Attention(64, 8, 64, 1, 1, 8192, true, 4096, BF16);
        assertEquals(4096L, d.pairsPerSequence());
        List<TensorType> in = List.of(bf16(1, 4096), bf16(1, 512), bf16(1, 512));
        // KV read = 1·4096·2·8·64·2 B = 8,388,608
        assertEquals(8_388_608L, d.traffic(in).kvReadBytes());
    }

    @Test
    void mlaAbsorbedDecode() {
        // DeepSeek-V3: 128 heads, kv_lora_rank 512, rope 64; 64 sequences decoding at kv_len 4096
        MlaAttention m = new MlaAttention(128, 512, 64, 128, 128, 64, 1, 4096, true, true, BF16);
        List<TensorType> in = List.of(bf16(64, 128 * 576), bf16(64, 576));
        assertEquals(List.of(bf16(64, 128 * 512)), m.inferTypes(in));
        // 2·batch·heads·pairs·(2·rank + rope) = 2·64·128·4096·1088 = 67,108,864·1088 = 73,014,444,032
        assertEquals(73_014_444_032L, m.flops(in));
        Traffic t = m.traffic(in);
        // latent cache: 64·4095·576·2 B = 301,916,160
        assertEquals(301_916_160L, t.kvReadBytes());
        // q 64·73,728·2 = 9,437,184 + latent 64·576·2 = 73,728 read; out 64·65,536·2 = 8,388,608 written
        assertEquals(9_510_912L, t.activationReadBytes());
        assertEquals(8_388_608L, t.activationWriteBytes());
        assertEquals(319_815_680L, t.total());
        // all heads share one latent: Op/B ≈ 228, far above GQA's 4
        assertEquals(228.3, m.opPerByte(in), 0.1);
    }

    @Test
    void int4WeightBytesAreSubByteExact() {
        // 15 int4 weights = 60 bits = 7.5 bytes → 8 (rounded up once, not 15 rounded-up bytes)
        MatMul mm = new MatMul(3, 5, DType.INT4);
        assertEquals(8L, mm.traffic(List.of(bf16(1, 3))).weightBytes());
        assertEquals(1L, DType.INT4.bytesFor(1));
        assertEquals(1L, DType.INT4.bytesFor(2));
        assertEquals(2L, DType.INT4.bytesFor(3));
        assertEquals(4L, TensorType.of(DType.INT4, 7).bytes());
        // a Mixtral expert in int4: 176,160,768 params · 0.5 B = 88,080,384 (even count: exact)
        ExpertFfn f = new ExpertFfn(1, 1, LongImmutableList.of(4), 4096, 14336, FfnActivation.SWIGLU, DType.INT4);
        assertEquals(88_080_384L, f.traffic(List.of(bf16(4, 4096))).weightBytes());
    }

    @Test
    void dispatchAndCombineConserveRoutedTokens() {
        LongImmutableList ok = LongImmutableList.of(20, 18, 16, 14, 16, 12, 16, 16); // Σ = 128 = 64·2
        List<TensorType> dIn = List.of(bf16(64, 4096), TensorType.of(DType.INT32, 64, 2));
        assertEquals(List.of(bf16(128, 4096)), new Dispatch(8, 2, ok).inferTypes(dIn));
        List<TensorType> cIn = List.of(bf16(128, 4096), TensorType.of(DType.FP32, 64, 2));
        assertEquals(List.of(bf16(64, 4096)), new Combine(8, 2, ok).inferTypes(cIn));

        LongImmutableList lost = LongImmutableList.of(20, 18, 16, 14, 16, 12, 16, 15); // Σ = 127
        TypeException d = assertThrows(TypeException.class, () -> new Dispatch(8, 2, lost).inferTypes(dIn));
        assertEquals("dispatch: sum of expert tokens (T*top_k: routed tokens are conserved) is 127, expected 128", d.getMessage());
        TypeException c = assertThrows(TypeException.class, () -> new Combine(8, 2, lost).inferTypes(cIn));
        assertEquals("combine: sum of expert tokens (T*top_k: routed tokens are conserved) is 127, expected 128", c.getMessage());
    }

    @Test
    void collectiveLinkBytesFollowRingFormulas() {
        List<TensorType> in = List.of(bf16(64, 4096)); // 524,288 B
        // all-reduce ring: reduce-scatter then all-gather, 2·(g−1)/g·S = 2·7/8·524,288 = 917,504
        assertEquals(917_504.0, new AllReduce(8).linkBytesPerDevice(in), 1e-9);
        // all-gather: each device forwards the g−1 other shards of size S: 7·524,288 = 3,670,016
        assertEquals(3_670_016.0, new AllGather(8, 0).linkBytesPerDevice(in), 1e-9);
        // reduce-scatter: (g−1)/g·S = 458,752
        assertEquals(458_752.0, new ReduceScatter(8, 0).linkBytesPerDevice(in), 1e-9);
        // all-to-all: all but the device's own 1/g leaves: 458,752
        assertEquals(458_752.0, new AllToAll(8).linkBytesPerDevice(in), 1e-9);
        // send moves the whole tensor, recv sends nothing
        assertEquals(524_288.0, new Send(1).linkBytesPerDevice(in), 1e-9);
        assertEquals(0.0, new Recv(0, bf16(64, 4096)).linkBytesPerDevice(List.of()), 1e-9);
        // a group of one sends nothing
        assertEquals(0.0, new AllReduce(1).linkBytesPerDevice(in), 1e-9);
        // gather's result is g times the shard along the axis; DRAM traffic reads S and writes g·S
        assertEquals(List.of(bf16(64, 32768)), new AllGather(8, 1).inferTypes(in));
        assertEquals(524_288L + 8 * 524_288L, new AllGather(8, 1).traffic(in).total());
    }
}
