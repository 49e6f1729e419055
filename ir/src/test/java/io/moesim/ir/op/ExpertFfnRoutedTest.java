package io.moesim.ir.op;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.DType;
import io.moesim.ir.MoesimException;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.GraphBuilder;
import io.moesim.ir.text.MoeirParser;
import io.moesim.ir.text.MoeirPrinter;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A routed block stays routed when it is split to one expert; a dense FFN is one expert that no router feeds. */
class ExpertFfnRoutedTest {
    // Mixtral-8x7B's routed experts (config.json: hidden 4096, intermediate 14336, 8 experts, top 2), 4 rows each
    private static final ExpertFfn MIXTRAL = new ExpertFfn(8, 2, LongImmutableList.of(4, 4, 4, 4, 4, 4, 4, 4), 4096, 14336,
            FfnActivation.SWIGLU, DType.BF16);
    private static final ExpertFfn DENSE = ExpertFfn.dense(4, 4096, 14336, FfnActivation.SWIGLU, DType.BF16);

    @Test
    void aRoutedBlockSplitToOneExpertIsStillRouted() {
        assertTrue(MIXTRAL.routed());
        assertTrue(DENSE.dense());
        // an EP-8 rank's slice (one expert, its 4 rows), the same slice by token counts, and a tile of it
        ExpertFfn rank = MIXTRAL.select(new int[] {3}, new long[] {4}, 1, 14336);
        assertEquals(1, rank.experts());
        assertTrue(rank.routed());
        assertTrue(MIXTRAL.withTokens(1, 1, LongImmutableList.of(4), 14336).routed());
        assertTrue(ExpertFfn.concat(List.of(rank), 1).routed());
        assertTrue(DENSE.withTokens(1, 1, LongImmutableList.of(8), 7168).dense(), "a TP slice of a dense FFN stays dense");
        // the same shape and rows, but not the same op: a cost model may price them differently
        assertNotEquals(DENSE, rank);
        assertEquals(DENSE.asRouted(), rank);
        // several experts are a router's, whatever a caller passes
        assertTrue(new ExpertFfn(2, 1, LongImmutableList.of(2, 2), 64, 128, FfnActivation.SWIGLU, DType.BF16, null, null, false).routed());
    }

    @Test
    void theTextSaysRoutedOnlyWhereOneExpertWouldReadAsDense() {
        ExpertFfn rank = MIXTRAL.select(new int[] {3}, new long[] {4}, 1, 14336);
        String routedText = MoeirPrinter.print(graph(rank));
        assertTrue(routedText.contains("routed=true"), routedText);
        assertEquals(graph(rank), MoeirParser.parse(routedText, "r.moeir"));
        String denseText = MoeirPrinter.print(graph(DENSE));
        assertFalse(denseText.contains("routed"), denseText);
        assertEquals(graph(DENSE), MoeirParser.parse(denseText, "d.moeir"));
        String blockText = MoeirPrinter.print(graph(MIXTRAL));
        assertFalse(blockText.contains("routed"), "implied by 8 experts: " + blockText);
        // text written before the flag: one expert is a dense FFN, as it always was
        assertEquals(graph(DENSE), MoeirParser.parse(routedText.replace(", routed=true", "").replace("routed=true, ", ""), "old.moeir"));
        // routed=false contradicts several experts
        String bad = blockText.replace("wdtype=bf16}", "wdtype=bf16, routed=false}");
        MoesimException e = assertThrows(MoesimException.class, () -> MoeirParser.parse(bad, "bad.moeir"));
        assertTrue(e.getMessage().startsWith("bad.moeir:") && e.getMessage().contains("routed=false with 8 experts"), e.getMessage());
    }

    private static Graph graph(ExpertFfn op) {
        GraphBuilder b = new GraphBuilder("g");
        io.moesim.ir.graph.Value x = b.input("x", TensorType.of(DType.BF16, op.totalTokens(), op.hidden()));
        return b.output(b.add("y", op, x)).build();
    }
}
