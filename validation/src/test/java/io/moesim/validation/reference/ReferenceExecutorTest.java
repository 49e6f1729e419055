package io.moesim.validation.reference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.DType;
import io.moesim.ir.op.Scoring;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reference executor against hand computations on tiny inputs, and its invariants. */
class ReferenceExecutorTest {

    @Test
    void bf16AndFp16RoundToNearestEven() {
        assertEquals(1.0f, Rounding.bf16(1.0f + 0x1p-9f)); // halfway between 1 and 1+2^-7: ties to even (1.0)
        assertEquals(1.0f + 0x1p-7f, Rounding.bf16(1.0f + 0x1p-8f + 0x1p-9f)); // above halfway rounds up
        assertEquals(1.0f + 0x1p-6f, Rounding.bf16(1.0f + 0x1p-7f + 0x1p-8f)); // halfway, odd below: up to even
        assertEquals(3.140625f, Rounding.bf16(3.14159f));
        assertEquals(1.0f, Rounding.fp16(1.0f + 0x1p-11f)); // tie to even
        assertEquals(0.333251953125f, Rounding.fp16(1f / 3f));
        assertEquals(Float.POSITIVE_INFINITY, Rounding.fp16(70000f));
        assertEquals(65504f, Rounding.fp16(65504f));
        assertEquals(0x1p-24f, Rounding.fp16(0x1p-24f)); // smallest subnormal kept
        assertEquals(-2.5f, Rounding.fp16(-2.5f));
        assertEquals(0.1f, Rounding.round(0.1f, DType.FP32));
    }

    @Test
    void gemmOfTwoByThreeMatchesHandProduct() {
        Matrix a = Matrix.of(2, 3, 1, 2, 3, 4, 5, 6);
        Matrix b = Matrix.of(3, 2, 7, 8, 9, 10, 11, 12);
        // [1 2 3; 4 5 6]·[7 8; 9 10; 11 12] = [58 64; 139 154]
        assertArrayEquals(new float[] {58, 64, 139, 154}, RefGemm.matmul(a, b, DType.FP32).data());
        assertArrayEquals(new float[] {58, 64, 139, 154}, RefGemm.matmul(a, b, DType.BF16).data()); // exact in bf16
        assertThrows(IllegalArgumentException.class, () -> RefGemm.matmul(a, a, DType.FP32));
    }

    @Test
    void groupedGemmAppliesEachGroupsWeightToItsRowsAndSkipsEmptyGroups() {
        Matrix x = Matrix.of(3, 2, 1, 2, 3, 4, 5, 6);
        Matrix w0 = Matrix.of(2, 1, 1, 1); // sums a row
        Matrix w1 = Matrix.of(2, 1, 100, 100);
        Matrix w2 = Matrix.of(2, 1, 1, 0); // first column
        Matrix y = RefGroupedGemm.run(x, new int[] {1, 0, 2}, List.of(w0, w1, w2), DType.FP32);
        assertArrayEquals(new float[] {3, 3, 5}, y.data());
    }

    @Test
    void rmsNormByHand() {
        Matrix x = Matrix.of(1, 2, 3, 4);
        float rms = (float) Math.sqrt((9 + 16) / 2.0);
        Matrix y = RefRmsNorm.run(x, new float[] {1, 2}, 0f, DType.FP32);
        assertEquals(3 / rms, y.get(0, 0), 1e-6);
        assertEquals(2 * 4 / rms, y.get(0, 1), 1e-6);
    }

    @Test
    void causalAttentionFirstQuerySeesOnlyTheFirstKey() {
        AttentionShape s = new AttentionShape(1, 1, 1, 2, 3, 3, true);
        Matrix q = Matrix.random(3, 2, 1, 1f);
        Matrix k = Matrix.random(3, 2, 2, 1f);
        Matrix v = Matrix.of(3, 2, 1, 2, 30, 40, 500, 600);
        Matrix o = RefAttention.run(q, k, v, s, DType.FP32);
        assertArrayEquals(new float[] {1, 2}, o.row(0), 1e-6f);
        // The mask: changing a future key/value never changes an earlier query's output.
        Matrix v2 = Matrix.of(3, 2, 1, 2, 30, 40, -9, -9);
        Matrix o2 = RefAttention.run(q, k, v2, s, DType.FP32);
        assertArrayEquals(o.row(1), o2.row(1), 0f);
        assertFalse(o.row(2)[0] == o2.row(2)[0]);
    }

    @Test
    void zeroQueriesAverageTheVisibleValues() {
        // q = 0 gives equal scores, so the output is the mean of the visible values.
        AttentionShape s = new AttentionShape(1, 1, 1, 1, 2, 4, true);
        Matrix q = Matrix.zeros(2, 1);
        Matrix k = Matrix.random(4, 1, 3, 1f);
        Matrix v = Matrix.of(4, 1, 2, 4, 6, 8);
        Matrix o = RefAttention.run(q, k, v, s, DType.FP32);
        assertEquals((2 + 4 + 6) / 3f, o.get(0, 0), 1e-6); // query 0 sits at position 2
        assertEquals(5f, o.get(1, 0), 1e-6); // query 1 at position 3 sees all four
        Matrix full = RefAttention.run(q, k, v, new AttentionShape(1, 1, 1, 1, 2, 4, false), DType.FP32);
        assertEquals(5f, full.get(0, 0), 1e-6);
    }

    @Test
    void decodeWithGqaSharesKvHeadsAcrossTheGroup() {
        // 4 query heads, 2 KV heads: heads 0,1 read KV head 0 and heads 2,3 read KV head 1.
        AttentionShape s = new AttentionShape(2, 4, 2, 2, 1, 5, true);
        Matrix q = Matrix.random(2, 8, 4, 1f);
        Matrix k = Matrix.random(10, 4, 5, 1f);
        Matrix v = Matrix.random(10, 4, 6, 1f);
        Matrix o = RefAttention.run(q, k, v, s, DType.FP32);
        // The same result from MHA with each KV head repeated for its group.
        Matrix k4 = Matrix.zeros(10, 8);
        Matrix v4 = Matrix.zeros(10, 8);
        for (int r = 0; r < 10; r++) {
            for (int h = 0; h < 4; h++) {
                for (int c = 0; c < 2; c++) {
                    k4.set(r, h * 2 + c, k.get(r, (h / 2) * 2 + c));
                    v4.set(r, h * 2 + c, v.get(r, (h / 2) * 2 + c));
                }
            }
        }
        Matrix mha = RefAttention.run(q, k4, v4, new AttentionShape(2, 4, 4, 2, 1, 5, true), DType.FP32);
        assertArrayEquals(mha.data(), o.data(), 1e-6f);
    }

    @Test
    void softmaxRowsSumToOneAndRouterBreaksTiesToTheLowerExpert() {
        float[] p = RefSoftmax.row(new float[] {1000f, 1001f, -5f, 3f});
        float sum = 0;
        for (float f : p) {
            sum += f;
        }
        assertEquals(1f, sum, 1e-6);
        RoutingResult all = RefRouter.select(Matrix.random(5, 6, 7, 3f), 6, Scoring.SOFTMAX, false);
        for (float[] w : all.weights()) {
            float s = 0;
            for (float f : w) {
                s += f;
            }
            assertEquals(1f, s, 1e-5);
        }
        RoutingResult tie = RefRouter.select(Matrix.of(1, 4, 0.5f, 2f, 2f, 2f), 2, Scoring.SOFTMAX, true);
        assertArrayEquals(new int[] {1, 2}, tie.experts()[0]);
        assertArrayEquals(new float[] {0.5f, 0.5f}, tie.weights()[0], 1e-6f);
    }

    @Test
    void sigmoidRouterRenormalisesItsChoice() {
        RoutingResult r = RefRouter.select(Matrix.of(1, 3, 0f, 2f, -1f), 2, Scoring.SIGMOID, true);
        assertArrayEquals(new int[] {1, 0}, r.experts()[0]);
        double s1 = 1 / (1 + Math.exp(-2));
        assertEquals(s1 / (s1 + 0.5), r.weights()[0][0], 1e-6);
        RoutingResult raw = RefRouter.select(Matrix.of(1, 3, 0f, 2f, -1f), 1, Scoring.SIGMOID, false);
        assertEquals(s1, raw.weights()[0][0], 1e-6);
    }

    @Test
    void swigluByHand() {
        SwiGluExpert e = new SwiGluExpert(Matrix.of(1, 1, 2), Matrix.of(1, 1, 3), Matrix.of(1, 1, 0.5f), DType.FP32);
        float x = 1.5f;
        float g = 2 * x;
        float expected = (float) (g / (1 + Math.exp(-g))) * 3 * x * 0.5f;
        assertEquals(expected, e.apply(Matrix.of(1, 1, x)).get(0, 0), 1e-6);
    }

    @Test
    void combineOfIdentityExpertsReturnsTheInput() {
        Matrix x = Matrix.random(9, 5, 8, 1f);
        RoutingResult r = RefRouter.select(Matrix.random(9, 4, 9, 2f), 2, Scoring.SOFTMAX, true);
        List<Expert> identity = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            identity.add(t -> t);
        }
        RefMoeLayer.Result out = RefMoeLayer.run(x, r, identity, DType.FP32);
        assertArrayEquals(x.data(), out.output().data(), 1e-6f);
        int[] counts = r.tokensPerExpert();
        int total = 0;
        for (int c : counts) {
            total += c;
        }
        assertEquals(9 * 2, total); // routed tokens are conserved
        // Dispatch order is sorted by expert, stable by token.
        int[] order = out.dispatchOrder();
        for (int i = 1; i < order.length; i++) {
            int ea = r.experts()[order[i - 1] / 2][order[i - 1] % 2];
            int eb = r.experts()[order[i] / 2][order[i] % 2];
            assertTrue(ea < eb || (ea == eb && order[i - 1] < order[i]));
        }
    }

    @Test
    void moeLayerWithScalingExpertsWeighsEachExpert() {
        // Expert e multiplies by (e+1): the output is sum_i w_i (e_i + 1) x.
        Matrix x = Matrix.of(1, 2, 1, -2);
        RoutingResult r = new RoutingResult(new int[][] {{2, 0}}, new float[][] {{0.75f, 0.25f}}, 3);
        List<Expert> ex = List.of(t -> scale(t, 1), t -> scale(t, 2), t -> scale(t, 3));
        Matrix y = RefMoeLayer.run(x, r, ex, DType.FP32).output();
        assertArrayEquals(new float[] {2.5f, -5f}, y.data(), 1e-6f);
    }

    @Test
    void blockRunsAndKeepsItsShape() {
        BlockShape s = new BlockShape(16, 4, 2, 4, 3, 2, 8, Scoring.SOFTMAX);
        BlockWeights w = BlockWeights.random(s, 1, DType.BF16);
        Matrix y = RefBlock.run(Matrix.random(6, 16, 2, 1f), 2, 3, w, DType.BF16);
        assertEquals(6, y.rows());
        assertEquals(16, y.cols());
        for (float f : y.data()) {
            assertTrue(Float.isFinite(f));
        }
    }

    @Test
    void numericCheckUsesTheDtypesTolerance() {
        float[] ref = {1f, 2f, -4f};
        assertTrue(NumericCheck.compare("x", ref, new float[] {1.01f, 2f, -4f}, DType.BF16).pass());
        assertFalse(NumericCheck.compare("x", ref, new float[] {1.01f, 2f, -4f}, DType.FP16).pass());
        assertFalse(NumericCheck.compare("x", ref, new float[] {Float.NaN, 2f, -4f}, DType.BF16).pass());
        assertEquals(0.01, NumericCheck.compare("x", ref, new float[] {1.01f, 2f, -4f}, DType.FP32).maxAbs(), 1e-6);
    }

    private static Matrix scale(Matrix m, float f) {
        float[] d = m.data().clone();
        for (int i = 0; i < d.length; i++) {
            d[i] *= f;
        }
        return new Matrix(m.rows(), m.cols(), d);
    }
}
