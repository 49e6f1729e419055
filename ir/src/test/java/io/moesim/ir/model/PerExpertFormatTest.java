package io.moesim.ir.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.WeightFormat;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.op.ExpertFfn;
import io.moesim.ir.op.FfnActivation;
import io.moesim.ir.text.MoeirParser;
import io.moesim.ir.text.MoeirPrinter;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Mixed precision per expert (MC-MoE style): the file's expert lines, the op's per-expert formats, bytes. */
class PerExpertFormatTest {
    // one Mixtral-8x7B routed expert: 3 matrices x 4096 x 14336 weights (config.json dimensions)
    private static final long MIXTRAL_EXPERT = 3L * 4096 * 14336;

    @Test
    void expertLinesOverrideTheirLayersFormat() {
        ExpertQuant q = ExpertQuant.parse("q", List.of("all int4", "expert 0-1 0-1 int8   # hot experts", "expert 5 7 bf16"));
        List<WeightFormat> l0 = q.expertFormatsOf(0, 8);
        assertEquals(Arrays.asList(WeightFormat.INT8, WeightFormat.INT8, null, null, null, null, null, null), l0);
        assertEquals(WeightFormat.of(DType.BF16), q.expertFormatsOf(5, 8).get(7));
        assertNull(q.expertFormatsOf(2, 8), "a layer without expert lines has no per-expert list");
        assertEquals("int4, per expert: 1 bf16 4 int8", q.describe());
    }

    @Test
    void badExpertLinesNameTheFileAndLine() {
        String[][] cases = {
            {"all int4\nexpert 0 x int8", "q.txt:2: expert range 'x'"},
            {"expert 0 3-1 int8", "q.txt:1: expert range '3-1'"},
            {"expert 0 1 int3", "q.txt:1: unknown weight format 'int3'"},
            {"expert 0-3 0-1 int8\nexpert 2 1 int4", "q.txt:2: expert 1 of layer 2 given a format twice"},
            {"expert 0 int8", "q.txt:1: expected 'all FORMAT', 'layer L[-M] FORMAT' or 'expert L[-M] E[-F] FORMAT'"},
        };
        for (String[] c : cases) {
            ModelException e = assertThrows(ModelException.class, () -> ExpertQuant.parse("q.txt", List.of(c[0].split("\n", -1))), c[0]);
            assertTrue(e.getMessage().startsWith(c[1]), e.getMessage());
        }
        ModelConfig mixtral = ModelZoo.get("mixtral-8x7b");
        ModelException past = assertThrows(ModelException.class, () -> mixtral.withExpertQuant(ExpertQuant.parse("q", List.of("expert 0 8 int4"))));
        assertTrue(past.getMessage().contains("expert 8 of layer 0"), past.getMessage());
    }

    @Test
    void weightBytesCountEachExpertInItsFormat() {
        ModelConfig m = ModelZoo.get("mixtral-8x7b");
        long total = ModelStats.of(m).total();
        long routed = 32 * 8 * MIXTRAL_EXPERT;
        // by hand: hot experts 0 and 1 of every layer in int8 (1 byte), the other 6 in int4 (half a byte), the rest bf16
        ModelConfig mixed = m.withExpertQuant(ExpertQuant.parse("q", List.of("all int4", "expert 0-31 0-1 int8")));
        assertEquals(2 * (total - routed) + 32 * (2 * MIXTRAL_EXPERT + 6 * MIXTRAL_EXPERT / 2), ExpertQuant.weightBytes(mixed, DType.BF16));
        // the per-expert lines that repeat the layer format change nothing
        ModelConfig same = m.withExpertQuant(ExpertQuant.parse("q", List.of("expert 0-31 0-7 int4")));
        assertEquals(ExpertQuant.weightBytes(m.withExpertQuant(ExpertQuant.uniform(WeightFormat.INT4)), DType.BF16),
                ExpertQuant.weightBytes(same, DType.BF16));
    }

    @Test
    void theOpKeepsEachExpertsFormatThroughSubsetsAndCountsOnlyActiveExperts() {
        List<WeightFormat> f = List.of(WeightFormat.INT4, WeightFormat.INT8, WeightFormat.INT4, WeightFormat.of(DType.BF16));
        ExpertFfn op = new ExpertFfn(4, 2, LongImmutableList.of(new long[] {3, 0, 5, 8}), 64, 32, FfnActivation.SWIGLU, DType.BF16, null, f);
        assertTrue(op.mixed() && op.compressed());
        long per = 3L * 64 * 32; // 6144 weights per expert
        // traffic: experts 0, 2 (int4: 3072 B each) and 3 (bf16: 12288 B); expert 1 has no tokens
        TensorType x = TensorType.of(DType.BF16, 16, 64);
        assertEquals(3072 + 3072 + 12288, op.traffic(List.of(x)).weightBytes());
        assertEquals(3072 + 6144 + 3072 + 12288, op.weightBytes());
        ExpertFfn sub = op.select(new int[] {3, 1}, new long[] {8, 0}, 1, 32);
        assertEquals(List.of(WeightFormat.of(DType.BF16), WeightFormat.INT8), sub.wfmts());
        ExpertFfn only4 = op.select(new int[] {0, 2}, new long[] {3, 5}, 1, 32);
        assertTrue(!only4.mixed(), "a subset of one format collapses to a uniform op");
        assertEquals(WeightFormat.INT4, only4.wfmt());
        assertEquals(per, only4.weightBytes(), "two int4 experts: 2 x 6144 / 2 bytes");
        assertEquals(3, op.byFormat().size(), "three formats: int4, int8, bf16");
        assertEquals(List.of(3L, 5L), op.byFormat().get(0).tokens());
        assertThrows(IllegalArgumentException.class, () -> op.withTokens(2, 1, LongImmutableList.of(new long[] {1, 1}), 32));
        ExpertFfn back = ExpertFfn.concat(List.of(op.select(new int[] {0, 1}, new long[] {3, 0}, 1, 32), op.select(new int[] {2, 3}, new long[] {5, 8}, 1, 32)), 2);
        assertEquals(op, back);
    }

    @Test
    void oneFormatForEveryExpertIsTheUniformOp() {
        ExpertFfn a = new ExpertFfn(3, 1, LongImmutableList.of(new long[] {1, 2, 3}), 64, 32, FfnActivation.SWIGLU, DType.BF16, WeightFormat.INT4);
        ExpertFfn b = new ExpertFfn(3, 1, LongImmutableList.of(new long[] {1, 2, 3}), 64, 32, FfnActivation.SWIGLU, DType.BF16, null,
                List.of(WeightFormat.INT4, WeightFormat.INT4, WeightFormat.INT4));
        assertEquals(a, b);
        assertEquals(a.toString(), b.toString());
    }

    @Test
    void fewerBitsForOneExpertNeverIncreaseWeightBytes() {
        WeightFormat[] ladder = {WeightFormat.of(DType.FP32), WeightFormat.of(DType.BF16), WeightFormat.INT8, WeightFormat.NVFP4, WeightFormat.MXFP4,
            WeightFormat.INT4, WeightFormat.TERNARY, WeightFormat.bits(0.8)};
        SplittableRandom r = new SplittableRandom(18);
        for (int c = 0; c < 5000; c++) {
            int n = 1 + r.nextInt(12);
            long[] t = new long[n];
            List<WeightFormat> f = new ArrayList<>();
            int[] level = new int[n];
            for (int e = 0; e < n; e++) {
                t[e] = r.nextInt(4);
                level[e] = r.nextInt(ladder.length);
                f.add(ladder[level[e]]);
            }
            long h = 1 + r.nextInt(300);
            long w = 1 + r.nextInt(300);
            ExpertFfn op = new ExpertFfn(n, 1, LongImmutableList.of(t), h, w, FfnActivation.SWIGLU, DType.BF16, null, f);
            int e = r.nextInt(n);
            if (level[e] == ladder.length - 1) {
                continue;
            }
            List<WeightFormat> g = new ArrayList<>(f);
            g.set(e, ladder[level[e] + 1 + r.nextInt(ladder.length - 1 - level[e])]);
            ExpertFfn fewer = new ExpertFfn(n, 1, LongImmutableList.of(t), h, w, FfnActivation.SWIGLU, DType.BF16, null, g);
            TensorType x = TensorType.of(DType.BF16, op.totalTokens(), h);
            assertTrue(fewer.weightBytes() <= op.weightBytes(), f + " -> " + g);
            assertTrue(fewer.traffic(List.of(x)).weightBytes() <= op.traffic(List.of(x)).weightBytes(), f + " -> " + g);
        }
    }

    @Test
    void aMixedLayerIsItsOwnRunAndTheGraphRoundTrips() {
        ModelConfig m = ModelZoo.get("mixtral-8x7b").withExpertQuant(ExpertQuant.parse("q", List.of("all int4", "expert 0-3 0-1 int8")));
        List<LayerPlan.Run> runs = LayerPlan.of(m).runs();
        assertEquals(2, runs.size(), runs.toString());
        assertEquals(4, runs.get(0).count());
        Graph g = GraphGenerator.generate(GraphRequest.decode(m, 64, 1024));
        String text = MoeirPrinter.print(g);
        assertTrue(text.contains("wmbits=[8000, 8000, 4000, 4000, 4000, 4000, 4000, 4000]") || text.contains("wmbits=[8000,8000,4000"), text.lines()
                .filter(l -> l.contains("expert_ffn")).findFirst().orElse(""));
        assertEquals(g, MoeirParser.parse(text, "q.moeir"));
        // a bf16 expert among int4 ones (the serving dtype, a plain format) round-trips too
        ModelConfig b = ModelZoo.get("mixtral-8x7b").withExpertQuant(ExpertQuant.parse("q", List.of("all int4", "expert 0-31 7 bf16")));
        Graph gb = GraphGenerator.generate(GraphRequest.decode(b, 16, 512));
        assertEquals(gb, MoeirParser.parse(MoeirPrinter.print(gb), "b.moeir"));
    }
}
