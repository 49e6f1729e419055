package io.moesim.ir.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.MoesimException;
import io.moesim.ir.graph.VerificationException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Bad .moeir inputs, each with its exact one-line message and file:line:col. */
class MalformedMoeirTest {
    private static final String HEAD = "graph @g(%x: bf16[64,4096]) {\n";

    static Stream<Arguments> cases() {
        return Stream.of(
                // @formatter:off
                bad("unknown op", HEAD + "  %y = frobnicate(%x) : bf16[64,4096]\n  return %y\n}\n",
                        "bad.moeir:2:8: unknown op 'frobnicate'"),
                bad("missing attribute", HEAD + "  %y = matmul(%x) {k=4096, wdtype=bf16} : bf16[64,4096]\n  return %y\n}\n",
                        "bad.moeir:2:8: missing attribute 'n'"),
                bad("unknown attribute", HEAD + "  %y = matmul(%x) {k=4096, n=4096, wdtype=bf16, bias=true} : bf16[64,4096]\n  return %y\n}\n",
                        "bad.moeir:2:49: unknown attribute 'bias' for matmul (known: k, n, wdtype, batch, tied)"),
                bad("tied head with no table", HEAD + "  %y = matmul(%x) {k=4096, n=32000, wdtype=bf16, tied=true} : bf16[64,32000]\n  return %y\n}\n",
                        "bad.moeir:2:3: matmul tied=true: no token embedding of hidden 4096 in bf16 at the graph's top level to share its table with"),
                bad("wrong attribute type", HEAD + "  %y = matmul(%x) {k=true, n=4096, wdtype=bf16} : bf16[64,4096]\n  return %y\n}\n",
                        "bad.moeir:2:20: attribute 'k' must be an integer, got true"),
                bad("attribute out of range", HEAD + "  %y = matmul(%x) {k=0, n=4096, wdtype=bf16} : bf16[64,4096]\n  return %y\n}\n",
                        "bad.moeir:2:20: attribute 'k' must be > 0, got 0"),
                bad("duplicate attribute", HEAD + "  %y = matmul(%x) {k=4096, k=4096, n=4096, wdtype=bf16} : bf16[64,4096]\n  return %y\n}\n",
                        "bad.moeir:2:28: duplicate attribute 'k'"),
                bad("negative dimension", "graph @g(%x: bf16[64,-4096]) {\n  return %x\n}\n",
                        "bad.moeir:1:22: expected a dimension size (an integer >= 0), found '-4096'"),
                bad("bad dtype", HEAD + "  %y = silu(%x) : bf17[64,4096]\n  return %y\n}\n",
                        "bad.moeir:2:19: unknown dtype 'bf17' (expected one of fp32, bf16, fp16, fp8e4m3, fp8e5m2, int32, int8, int4)"),
                bad("bad dtype attribute", HEAD + "  %y = matmul(%x) {k=4096, n=4096, wdtype=bf17} : bf16[64,4096]\n  return %y\n}\n",
                        "bad.moeir:2:36: attribute 'wdtype': unknown dtype 'bf17' (expected one of fp32, bf16, fp16, fp8e4m3, fp8e5m2, int32, int8, int4)"),
                bad("undefined value", HEAD + "  %y = add(%x, %z) : bf16[64,4096]\n  return %y\n}\n",
                        "bad.moeir:2:3: undefined value %z used by add"),
                bad("duplicate definition", HEAD + "  %y = silu(%x) : bf16[64,4096]\n  %y = gelu(%x) : bf16[64,4096]\n  return %y\n}\n",
                        "bad.moeir:3:3: value %y is defined more than once"),
                bad("unused value", HEAD + "  %y = silu(%x) : bf16[64,4096]\n  %z = gelu(%x) : bf16[64,4096]\n  return %y\n}\n",
                        "bad.moeir:3:3: value %z (gelu) is never used"),
                bad("split with no part used", HEAD + "  %a, %b = split(%x) {axis=0, sizes=[4,60]} : bf16[4,4096], bf16[60,4096]\n  return %x\n}\n",
                        "bad.moeir:2:3: value %a (split) is never used (and 1 more problem)"),
                bad("feature split with a part unused", HEAD + "  %a, %b = split(%x) {axis=1, sizes=[1024,3072]} : bf16[64,1024], bf16[64,3072]\n  return %a\n}\n",
                        "bad.moeir:2:3: value %b (split) is never used"),
                bad("row split in a repeat body with a part unused", HEAD + "  %r = repeat(%x) {count=2} : bf16[64,4096] body(%p: bf16[64,4096]) {\n"
                        + "    %a, %b = split(%p) {axis=0, sizes=[4,60]} : bf16[4,4096], bf16[60,4096]\n    %q = silu(%p) : bf16[64,4096]\n"
                        + "    %s = silu(%a) : bf16[4,4096]\n    yield %q\n  }\n  return %r\n}\n",
                        "bad.moeir:3:5: value %b (split) is never used (and 1 more problem)"),
                bad("unused parameter", "graph @g(%x: bf16[64,4096], %unused: bf16[4]) {\n  %y = silu(%x) : bf16[64,4096]\n  return %y\n}\n",
                        "bad.moeir:1:1: graph @g: parameter %unused is never used"),
                bad("declared type mismatch", HEAD + "  %y = matmul(%x) {k=4096, n=14336, wdtype=bf16} : bf16[64,4096]\n  return %y\n}\n",
                        "bad.moeir:2:3: matmul: results #0 declared bf16[64,4096] but the op gives bf16[64,14336]"),
                bad("matmul k mismatch", HEAD + "  %y = matmul(%x) {k=1024, n=4096, wdtype=bf16} : bf16[64,4096]\n  return %y\n}\n",
                        "bad.moeir:2:3: matmul: input last dim (k) is 4096, expected 1024"),
                bad("dispatch does not conserve tokens", "graph @g(%x: bf16[64,4096], %idx: int32[64,2]) {\n"
                        + "  %d = dispatch(%x, %idx) {experts=4, top_k=2, tokens=[32,32,32,31]} : bf16[128,4096]\n  return %d\n}\n",
                        "bad.moeir:2:3: dispatch: sum of expert tokens (T*top_k: routed tokens are conserved) is 127, expected 128"),
                bad("cycle", HEAD + "  %a = add(%x, %b) : bf16[64,4096]\n  %b = silu(%a) : bf16[64,4096]\n  return %b\n}\n",
                        "bad.moeir:2:3: cycle: %a -> %b -> %a"),
                bad("unterminated block", HEAD + "  %y = silu(%x) : bf16[64,4096]\n  return %y\n",
                        "bad.moeir:4:1: expected '}' to close the block opened at 1:29, found end of input"),
                bad("unterminated body", HEAD + "  %r = repeat(%x) {count=2} : bf16[64,4096] body(%p: bf16[64,4096]) {\n    %q = silu(%p) : bf16[64,4096]\n",
                        "bad.moeir:4:1: expected 'yield' and '}' to close the block opened at 2:69, found end of input"),
                bad("missing =", HEAD + "  %y silu(%x) : bf16[64,4096]\n  return %y\n}\n",
                        "bad.moeir:2:6: expected '=' or ',' after the result name, found 'silu'"),
                bad("unexpected end of input", HEAD + "  %y = silu(",
                        "bad.moeir:2:13: expected an operand '%name' or ')', found end of input"),
                bad("bad number", HEAD + "  %y = matmul(%x) {k=40x96, n=4096, wdtype=bf16} : bf16[64,4096]\n  return %y\n}\n",
                        "bad.moeir:2:22: expected an attribute value (number, true/false, name, [list] or tensor type), found a malformed number '40x96'"),
                bad("integer out of range", HEAD + "  %y = matmul(%x) {k=99999999999999999999, n=4096, wdtype=bf16} : bf16[64,4096]\n  return %y\n}\n",
                        "bad.moeir:2:22: expected an attribute value (number, true/false, name, [list] or tensor type), found an integer out of range '99999999999999999999'"),
                bad("repeat yield type mismatch", HEAD + "  %r = repeat(%x) {count=32} : bf16[64,4096] body(%p: bf16[64,4096]) {\n"
                        + "    %q = matmul(%p) {k=4096, n=128, wdtype=bf16} : bf16[64,128]\n    yield %q\n  }\n  return %r\n}\n",
                        "bad.moeir:2:3: repeat: body yields #0 declared bf16[64,128] but the op gives bf16[64,4096]"),
                bad("repeat body uses an outer value", HEAD + "  %r = repeat(%x) {count=2} : bf16[64,4096] body(%p: bf16[64,4096]) {\n"
                        + "    %q = add(%p, %x) : bf16[64,4096]\n    yield %q\n  }\n  return %r\n}\n",
                        "bad.moeir:3:5: undefined value %x used by add"),
                bad("return inside a body", HEAD + "  %r = repeat(%x) {count=2} : bf16[64,4096] body(%p: bf16[64,4096]) {\n    return %p\n  }\n  return %r\n}\n",
                        "bad.moeir:3:5: expected a node or 'yield', found 'return'"),
                bad("types count", HEAD + "  %i, %w = router(%x) {experts=8, top_k=2, hidden=4096, scoring=softmax, wdtype=bf16} : int32[64,2]\n  return %i, %w\n}\n",
                        "bad.moeir:2:87: expected 2 result types, found 1"),
                bad("missing types", HEAD + "  %y = silu(%x)\n  return %y\n}\n",
                        "bad.moeir:3:3: expected ':' and the result type, found 'return'"),
                bad("not a graph", "graf @g() {\n  return\n}\n",
                        "bad.moeir:1:1: expected 'graph', found 'graf'"),
                bad("stray character", HEAD + "  %y = silu(%x) : bf16[64,4096] $\n  return %y\n}\n",
                        "bad.moeir:2:33: expected a node or 'return', found unexpected character '$'"),
                bad("trailing text", HEAD + "  return %x\n}\n}\n",
                        "bad.moeir:4:1: expected end of input, found '}'"),
                bad("unknown enum value", "graph @g(%x: bf16[64,4096]) {\n  %i, %w = router(%x) {experts=8, top_k=2, hidden=4096, scoring=argmax, wdtype=bf16} : int32[64,2], fp32[64,2]\n  return %i, %w\n}\n",
                        "bad.moeir:2:57: attribute 'scoring' must be one of softmax, sigmoid, got argmax"));
                // @formatter:on
    }

    private static Arguments bad(String name, String text, String message) {
        return Arguments.of(name, text, message);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void reportsExactMessage(String name, String text, String message) {
        MoesimException e = assertThrows(MoesimException.class, () -> MoeirParser.parse(text, "bad.moeir"));
        assertFalse(e.getMessage().contains("\n"), "message is one line");
        assertEquals(message, e.getMessage());
        if (e instanceof MoeirParseException p) {
            assertEquals("bad.moeir:" + p.line() + ":" + p.column() + ": " + p.detail(), p.getMessage());
        } else {
            // verification problems from text are located too, every one of them
            VerificationException v = assertInstanceOf(VerificationException.class, e);
            v.diagnostics().forEach(d -> assertTrue(d.location().matches("bad\\.moeir:\\d+:\\d+"), d.toString()));
        }
    }
}
