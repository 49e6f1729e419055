package io.moesim.ir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.FfnActivation;
import io.moesim.ir.op.Traffic;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WeightFormatTest {

    @Test
    void bytesArePackedBitsRoundedUpToAByte() {
        // by hand: ceil(elements x bits / 8)
        assertEquals(501, WeightFormat.INT4.bytesFor(1001)); // 4004 bits = 500.5 bytes
        assertEquals(1001, WeightFormat.INT8.bytesFor(1001));
        assertEquals(9, WeightFormat.NVFP4.bytesFor(16)); // 16 x 4 bits + one 8-bit scale = 72 bits
        assertEquals(17, WeightFormat.MXFP4.bytesFor(32)); // 32 x 4 bits + one 8-bit scale = 136 bits
        assertEquals(1, WeightFormat.TERNARY.bytesFor(5)); // 5 trits in a byte
        assertEquals(198, WeightFormat.parse("1.58").bytesFor(1000)); // 1580 bits = 197.5 bytes
        assertEquals(0, WeightFormat.INT4.bytesFor(0));
        // QMoE (arXiv 2310.16795): 1.6 T parameters at 0.8 bits per parameter is 160 GB
        assertEquals(160_000_000_000L, WeightFormat.bits(0.8).bytesFor(1_600_000_000_000L));
        // a plain dtype's format agrees with the dtype
        for (DType d : DType.values()) {
            assertEquals(d.bytesFor(123_457), WeightFormat.of(d).bytesFor(123_457), d.text());
        }
    }

    @Test
    void fewerBitsNeverIncreaseWeightBytes() {
        Random r = new Random(18);
        for (int i = 0; i < 20_000; i++) {
            long a = 1 + r.nextInt(32_000);
            long b = 1 + r.nextInt(32_000);
            long elements = r.nextInt(4) == 0 ? r.nextInt(100) : (long) (r.nextDouble() * 1e13);
            WeightFormat lo = new WeightFormat("a", Math.min(a, b), 0, null);
            WeightFormat hi = new WeightFormat("b", Math.max(a, b), 0, null);
            assertTrue(lo.bytesFor(elements) <= hi.bytesFor(elements), lo.milliBits() + " vs " + hi.milliBits() + " bits/1000 at " + elements);
        }
        List<WeightFormat> ladder = List.of(WeightFormat.of(DType.BF16), WeightFormat.INT8, WeightFormat.NVFP4, WeightFormat.MXFP4,
                WeightFormat.INT4, WeightFormat.parse("int2"), WeightFormat.TERNARY, WeightFormat.parse("1.58"), WeightFormat.parse("0.8"));
        for (int i = 1; i < ladder.size(); i++) {
            assertTrue(ladder.get(i).bytesFor(46_702_792_704L) < ladder.get(i - 1).bytesFor(46_702_792_704L), ladder.get(i).name());
        }
    }

    @Test
    void anInt4ExpertHasTwiceTheOpPerByteOfAnInt8One() {
        // Mixtral-8x7B's experts, 128 tokens spread over all 8: weight Op/B = 2·T·h·f·3 / (8·3·h·f·bytes) = 32 / bytes per weight
        LongImmutableList tokens = LongImmutableList.of(16, 16, 16, 16, 16, 16, 16, 16);
        TensorType x = TensorType.of(DType.BF16, 128, 4096);
        double[] opb = new double[3];
        WeightFormat[] fs = {WeightFormat.of(DType.BF16), WeightFormat.INT8, WeightFormat.INT4};
        for (int i = 0; i < 3; i++) {
            ExpertFfn f = new ExpertFfn(8, 2, tokens, 4096, 14336, FfnActivation.SWIGLU, DType.BF16, fs[i]);
            Traffic t = f.traffic(List.of(x));
            opb[i] = (double) f.flops(List.of(x)) / t.weightBytes();
            // the whole op's Op/B (activations included) rises too
            assertTrue(i == 0 || f.opPerByte(List.of(x)) > new ExpertFfn(8, 2, tokens, 4096, 14336, FfnActivation.SWIGLU, DType.BF16, fs[i - 1])
                    .opPerByte(List.of(x)));
        }
        assertEquals(16.0, opb[0], 1e-12);
        assertEquals(32.0, opb[1], 1e-12);
        assertEquals(64.0, opb[2], 1e-12);
        assertEquals(2.0, opb[2] / opb[1], 1e-12);
    }

    @Test
    void parsesNamesAndBitsAndRejectsTheRest() {
        assertEquals(WeightFormat.MXFP4, WeightFormat.parse("fp4"));
        assertEquals(WeightFormat.NVFP4, WeightFormat.parse("NVFP4"));
        assertEquals(1580, WeightFormat.parse("1.58").milliBits());
        assertEquals("b1.58", WeightFormat.parse("b1.58").name());
        assertEquals(2, WeightFormat.parse("0.8").dequantInstructions()); // a codebook
        assertEquals(16_000, WeightFormat.parse("bf16").milliBits());
        assertEquals(0, WeightFormat.parse("bf16").dequantInstructions(DType.BF16));
        assertEquals(1, WeightFormat.parse("fp8").dequantInstructions(DType.BF16)); // a convert
        assertEquals(4, WeightFormat.INT4.dequantInstructions(DType.BF16));
        for (String bad : new String[] {"int3x", "0", "-1", "33", "b", "0.0001", "nan"}) {
            assertThrows(IllegalArgumentException.class, () -> WeightFormat.parse(bad), bad);
        }
    }
}
