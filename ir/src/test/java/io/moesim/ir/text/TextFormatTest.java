package io.moesim.ir.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import io.moesim.ir.graph.Block;
import io.moesim.ir.graph.Graph;
import io.moesim.ir.graph.Node;
import io.moesim.ir.graph.Value;
import io.moesim.ir.graph.VerificationException;
import io.moesim.ir.op.Elementwise;
import io.moesim.ir.op.Norm;
import io.moesim.ir.op.Repeat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Details of the text format beyond the golden files and the random round trips. */
class TextFormatTest {

    @Test
    void readsAHandWrittenFileWithCommentsAndFreeLayout() {
        String text = """
                # Mixtral decode, two layers
                graph @mixtral_decode(%tokens: int32[64]) {   # 64 sequences
                  %x = embedding(%tokens) {vocab=32000, hidden=4096, wdtype=bf16} : bf16[64,4096]

                  %layers = repeat(%x) {count=2} : bf16[64,4096] body(%x.1: bf16[64,4096]) {
                    %n = rms_norm(%x.1) {hidden = 4096, eps = 1e-5, wdtype = bf16} : bf16[64, 4096]
                    %q=matmul(%n){k=4096,n=4096,wdtype=bf16}:bf16[64,4096]
                    %k = matmul(%n) {k=4096, n=1024, wdtype=bf16} : bf16[64,1024]
                    %v = matmul(%n) {k=4096, n=1024, wdtype=bf16} : bf16[64,1024]
                    kv_append(%k, %v) {kv_dtype=bf16}
                    %a = attention(%q, %k, %v) {heads=32, kv_heads=8, head_dim=128, batch=64, q_len=1,
                                                kv_len=1024, causal=true, kv_dtype=bf16} : bf16[64,4096]
                    %idx, %w = router(%a) {experts=8, top_k=2, hidden=4096, scoring=softmax, wdtype=bf16} : int32[64,2], fp32[64,2]
                    %d = dispatch(%a, %idx) {experts=8, top_k=2, tokens=[16,16,16,16,16,16,16,16]} : bf16[128,4096]
                    %e = expert_ffn(%d) {experts=8, top_k=2, tokens=[16,16,16,16,16,16,16,16], hidden=4096, ffn=14336, act=swiglu, wdtype=bf16} : bf16[128,4096]
                    %out = combine(%e, %w) {experts=8, top_k=2, tokens=[16,16,16,16,16,16,16,16]} : bf16[64,4096]
                    yield %out
                  }
                  return %layers
                }""";
        Graph g = MoeirParser.parse(text, "mixtral.moeir");
        assertEquals("mixtral_decode", g.name());
        assertEquals(12, g.nodeCount());
        // canonical text differs in layout (eps=1.0E-5, spacing) but reads back to the same graph
        String canonical = MoeirPrinter.print(g);
        assertTrue(canonical.contains("{hidden=4096, eps=1.0E-5, wdtype=bf16}"), canonical);
        assertEquals(g, MoeirParser.parse(canonical, "canonical.moeir"));
    }

    @Test
    void namesOutsideTheBareAlphabetAreQuoted() {
        TensorType t = TensorType.of(DType.BF16, 2, 8);
        Value in = new Value("in put", t);
        Value q = new Value("quote\"back\\slash\ttab", t);
        Value out = new Value("über", t);
        Block b = new Block(List.of(in), List.of(new Node(List.of(q), new Elementwise(Elementwise.Kind.SILU), List.of(in)),
                new Node(List.of(out), new Elementwise(Elementwise.Kind.ADD), List.of(q, in))), List.of(out));
        Graph g = Graph.of("my graph", b);
        String text = MoeirPrinter.print(g);
        assertEquals("""
                graph @"my graph"(%"in put": bf16[2,8]) {
                  %"quote\\"back\\\\slash\\u0009tab" = silu(%"in put") : bf16[2,8]
                  %"über" = add(%"quote\\"back\\\\slash\\u0009tab", %"in put") : bf16[2,8]
                  return %"über"
                }
                """, text);
        assertEquals(g, MoeirParser.parse(text, "q.moeir"));
    }

    @Test
    void emptyGraphScalarsAndExtremeDoubles() {
        Graph empty = Graph.of("empty", new Block(List.of(), List.of(), List.of()));
        assertEquals("graph @empty() {\n  return\n}\n", MoeirPrinter.print(empty));
        assertEquals(empty, MoeirParser.parse(MoeirPrinter.print(empty), "e.moeir"));

        TensorType scalar = TensorType.of(DType.FP32);
        Value s = new Value("s", scalar);
        Graph pass = Graph.of("scalar", new Block(List.of(s), List.of(), List.of(s)));
        assertEquals("graph @scalar(%s: fp32[]) {\n  return %s\n}\n", MoeirPrinter.print(pass));
        assertEquals(pass, MoeirParser.parse(MoeirPrinter.print(pass), "s.moeir"));

        for (double eps : new double[] {Double.MIN_VALUE, Double.MAX_VALUE, Double.POSITIVE_INFINITY, 1.0, 123456789.125, 1e-300}) {
            TensorType t = TensorType.of(DType.BF16, 4, 8);
            Value x = new Value("x", t);
            Value y = new Value("y", t);
            Graph g = Graph.of("eps", new Block(List.of(x), List.of(new Node(List.of(y), new Norm(Norm.Kind.RMS, 8, eps, DType.BF16), List.of(x))),
                    List.of(y)));
            assertEquals(g, MoeirParser.parse(MoeirPrinter.print(g), "eps.moeir"), MoeirPrinter.print(g));
        }
    }

    /** A split is a view: a graph may read some of its parts and leave the rest (the rows an LM head does not sample). */
    @Test
    void aSplitMayLeaveSomeOfItsPartsUnread() {
        String text = "graph @g(%x: bf16[64,4096]) {\n  %last, %rest = split(%x) {axis=0, sizes=[4,60]} : bf16[4,4096], bf16[60,4096]\n"
                + "  %y = matmul(%last) {k=4096, n=32000, wdtype=bf16} : bf16[4,32000]\n  return %y\n}\n";
        Graph g = MoeirParser.parse(text, "s.moeir");
        assertEquals(TensorType.of(DType.BF16, 4, 32000), g.outputs().get(0).type());
    }

    @Test
    void repeatWithoutBodyIsReportedAtItsLine() {
        String text = "graph @g(%x: bf16[4,8]) {\n  %r = repeat(%x) {count=3} : bf16[4,8]\n  return %r\n}\n";
        VerificationException e = assertThrows(VerificationException.class, () -> MoeirParser.parse(text, "r.moeir"));
        assertEquals("r.moeir:2:3: repeat has no body", e.getMessage());
    }

    @Test
    void everyProblemIsCollectedAndLocated() {
        String text = """
                graph @g(%x: bf16[4,8]) {
                  %a = silu(%x) : bf16[4,9]
                  %b = gelu(%nope) : bf16[4,8]
                  %c = add(%x, %x) : bf16[4,8]
                  return %a
                }
                """;
        VerificationException e = assertThrows(VerificationException.class, () -> MoeirParser.parse(text, "many.moeir"));
        assertEquals(List.of(
                "many.moeir:2:3: silu: results #0 declared bf16[4,9] but the op gives bf16[4,8]",
                "many.moeir:3:3: undefined value %nope used by gelu",
                "many.moeir:3:3: value %b (gelu) is never used",
                "many.moeir:4:3: value %c (add) is never used"),
                e.diagnostics().stream().map(Object::toString).toList());
        assertEquals("many.moeir:2:3: silu: results #0 declared bf16[4,9] but the op gives bf16[4,8] (and 3 more problems)", e.getMessage());
    }

    @Test
    void printsRepeatBodiesIndented() {
        TensorType t = TensorType.of(DType.BF16, 4, 8);
        Value x = new Value("x", t);
        Value p = new Value("p", t);
        Value q = new Value("q", t);
        Value r = new Value("r", t);
        Block body = new Block(List.of(p), List.of(new Node(List.of(q), new Elementwise(Elementwise.Kind.GELU), List.of(p))), List.of(q));
        Graph g = Graph.of("rep", new Block(List.of(x), List.of(new Node(List.of(r), new Repeat(5), List.of(x), body)), List.of(r)));
        assertEquals("""
                graph @rep(%x: bf16[4,8]) {
                  %r = repeat(%x) {count=5} : bf16[4,8] body(%p: bf16[4,8]) {
                    %q = gelu(%p) : bf16[4,8]
                    yield %q
                  }
                  return %r
                }
                """, MoeirPrinter.print(g));
    }
}
