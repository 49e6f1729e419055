package io.moesim.ir.model;

import java.util.ArrayList;
import java.util.List;

/**
 * A model's layers grouped into runs of a repeated block, so that the graph holds one repeat per
 * run instead of a copy per layer: DeepSeek-V3 is 3 × [dense] then 58 × [MoE]; GLaM is
 * 16 × [dense, MoE]; GPT-OSS is 18 × [sliding, full]; Qwen3-Next is 12 × [linear, linear, linear, full].
 */
public record LayerPlan(List<Run> runs) {

    /**
     * What distinguishes one layer's graph from another's ({@code expertFormats}: per expert, null when none has its own;
     * {@code linear}: a Gated DeltaNet layer instead of attention).
     */
    public record LayerKind(boolean moe, long window, io.moesim.ir.WeightFormat expertFormat, List<io.moesim.ir.WeightFormat> expertFormats,
            boolean linear) {
        public LayerKind(boolean moe, long window) {
            this(moe, window, null, null);
        }

        public LayerKind(boolean moe, long window, io.moesim.ir.WeightFormat expertFormat, List<io.moesim.ir.WeightFormat> expertFormats) {
            this(moe, window, expertFormat, expertFormats, false);
        }

        public LayerKind(boolean moe, long window, io.moesim.ir.WeightFormat expertFormat) {
            this(moe, window, expertFormat, null);
        }
    }

    /** {@code count} repetitions of {@code block}, starting at layer {@code start}. */
    public record Run(int start, List<LayerKind> block, int count) {
        public Run {
            block = List.copyOf(block);
        }

        public int layers() {
            return block.size() * count;
        }
    }

    public LayerPlan {
        runs = List.copyOf(runs);
    }

    private static final int MAX_PERIOD = 4;

    public static LayerPlan of(ModelConfig m) {
        List<LayerKind> kinds = new ArrayList<>();
        for (int i = 0; i < m.layers(); i++) {
            boolean moe = m.isMoeLayer(i);
            io.moesim.ir.WeightFormat f = moe && m.moe().quant() != null ? m.moe().quant().formatOf(i) : null;
            List<io.moesim.ir.WeightFormat> per = moe && m.moe().quant() != null ? m.moe().quant().expertFormatsOf(i, m.moe().experts()) : null;
            kinds.add(new LayerKind(moe, m.attention().windowOf(i), f, per, m.attention().isLinear(i)));
        }
        List<Run> runs = new ArrayList<>();
        int i = 0;
        while (i < kinds.size()) {
            // the period covering the most layers from here; the shorter one on a tie
            int bestP = 1;
            int bestCount = 1;
            for (int p = 1; p <= MAX_PERIOD && i + p <= kinds.size(); p++) {
                int count = 1;
                while (i + (count + 1) * p <= kinds.size() && kinds.subList(i + count * p, i + (count + 1) * p).equals(kinds.subList(i, i + p))) {
                    count++;
                }
                if (count > 1 && count * p > bestCount * bestP) {
                    bestP = p;
                    bestCount = count;
                }
            }
            runs.add(new Run(i, kinds.subList(i, i + bestP), bestCount));
            i += bestP * bestCount;
        }
        return new LayerPlan(runs);
    }
}
