package io.moesim.ir.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.op.Attention;
import io.moesim.ir.op.Elementwise;
import io.moesim.ir.op.KvAppend;
import io.moesim.ir.op.MatMul;
import io.moesim.ir.op.Norm;
import io.moesim.ir.op.Traffic;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Totals through a repeat block are count times the body's. */
class GraphStatsRepeatTest {
    private static final DType BF16 = DType.BF16;

    private static Value layer(GraphBuilder b, Value x) {
        Value n = b.add("n", new Norm(Norm.Kind.RMS, 4096, 1e-5, BF16), x);
        Value q = b.add("q", new MatMul(4096, 4096, BF16), n);
        Value k = b.add("k", new MatMul(4096, 1024, BF16), n);
        Value v = b.add("v", new MatMul(4096, 1024, BF16), n);
        b.addEffect(new KvAppend(BF16), k, v);
        Value a = b.add("a", new Attention(32, 8, 128, 64, 1, 1024, true, 0, BF16), q, k, v);
        Value o = b.add("o", new MatMul(4096, 4096, BF16), a);
        return b.add("r", new Elementwise(Elementwise.Kind.ADD), x, o);
    }

    @Test
    void repeatOf32IsThirtyTwoTimesTheBody() {
        GraphBuilder rb = new GraphBuilder("stack");
        Value x = rb.input("x", TensorType.of(BF16, 64, 4096));
        Value out = rb.repeat("layers", 32, List.of(x), (b, p) -> List.of(layer(b, p.get(0)))).get(0);
        Graph stacked = rb.output(out).build();

        GraphBuilder ob = new GraphBuilder("one");
        Value y = ob.input("x", TensorType.of(BF16, 64, 4096));
        Graph once = ob.output(layer(ob, y)).build();

        GraphStats s = GraphStats.of(stacked);
        GraphStats one = GraphStats.of(once);
        assertEquals(32 * one.flops(), s.flops());
        assertEquals(one.traffic().times(32), s.traffic());
        assertEquals(32 * one.params(), s.params());
        assertEquals(32 * one.activeParams(), s.activeParams());

        // second computation: sum the body's ops directly and multiply by the count
        Block body = stacked.nodes().get(0).body();
        long flops = 0;
        Traffic t = Traffic.ZERO;
        for (Node n : body.nodes()) {
            List<TensorType> in = new ArrayList<>();
            for (Value v : n.operands()) {
                in.add(v.type());
            }
            flops += n.op().flops(in);
            t = t.plus(n.op().traffic(in));
        }
        assertEquals(32 * flops, s.flops());
        assertEquals(32 * t.total(), s.bytes());
        // by kind: 4 matmuls per layer → 128 executions
        GraphStats.KindStats mm = s.byKind().stream().filter(k -> k.mnemonic().equals("matmul")).findFirst().orElseThrow();
        assertEquals(128, mm.count());
        // the per-layer attention figure: 1,073,741,824 FLOPs (see OpCostTest) · 32 = 34,359,738,368
        GraphStats.KindStats at = s.byKind().stream().filter(k -> k.mnemonic().equals("attention")).findFirst().orElseThrow();
        assertEquals(34_359_738_368L, at.flops());
        // nodes are written once: the body's 8 plus the repeat node itself
        assertEquals(9, stacked.nodeCount());
    }

    @Test
    void nestedRepeatsMultiply() {
        GraphBuilder rb = new GraphBuilder("nested");
        Value x = rb.input("x", TensorType.of(BF16, 64, 4096));
        Value out = rb.repeat("outer", 4, List.of(x),
                (b, p) -> b.repeat("inner", 8, List.of(p.get(0)), (ib, q) -> List.of(ib.add("m", new MatMul(4096, 4096, BF16), q.get(0)))))
                .get(0);
        GraphStats s = GraphStats.of(rb.output(out).build());
        // 4·8 = 32 executions of 2·64·4096·4096 = 2,147,483,648 FLOPs
        assertEquals(32 * 2_147_483_648L, s.flops());
    }
}
