package io.moesim.hw.firrtl;

import static io.moesim.hw.firrtl.Exprs.add;
import static io.moesim.hw.firrtl.Exprs.field;
import static io.moesim.hw.firrtl.Exprs.ref;
import static io.moesim.hw.firrtl.Exprs.uint;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.moesim.ir.MoesimException;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;

class FirrtlWriterTest {

    /** A hand-written circuit and the exact text FIRRTL 4.0.0 wants for it. */
    static Circuit counter() {
        ModuleBuilder b = new ModuleBuilder("Counter");
        Expr clock = b.input("clock", new FirType.ClockType());
        Expr reset = b.input("reset", FirType.uint(1));
        Expr en = b.input("en", FirType.uint(1));
        Expr io = b.output("io", new FirType.BundleType(List.of(
                new FirType.Field("count", false, FirType.uint(4)),
                new FirType.Field("ack", true, FirType.uint(1)))));
        Expr r = b.regReset("r", FirType.uint(4), clock, reset, uint(0, 4));
        Expr next = b.node("next", add(r, uint(1)));
        b.when(en, () -> b.connectTruncating(r, next), () -> b.when(Exprs.eq(r, uint(9, 4)),
                () -> b.connect(r, uint(0, 4))));
        b.connect(field(io, "count"), r);
        return new Circuit("Counter", List.of(b.build()));
    }

    @Test
    void writesHandWrittenModuleExactly() {
        String want = """
                FIRRTL version 4.0.0
                circuit Counter :
                  public module Counter :
                    input clock : Clock
                    input reset : UInt<1>
                    input en : UInt<1>
                    output io : {count : UInt<4>, flip ack : UInt<1>}

                    regreset r : UInt<4>, clock, reset, UInt<4>(0)
                    node next = add(r, UInt<1>(1))
                    when en :
                      connect r, tail(next, 1)
                    else when eq(r, UInt<4>(9)) :
                      connect r, UInt<4>(0)
                    connect io.count, r
                """;
        assertEquals(want, FirrtlWriter.write(counter()));
    }

    @Test
    void legalisesKeywordsAndIllegalCharacters() {
        assertEquals("node_", Names.legalize("node"));
        assertEquals("when_", Names.legalize("when"));
        assertEquals("UInt_", Names.legalize("UInt"));
        assertEquals("add_", Names.legalize("add"));
        assertEquals("connect_", Names.legalize("connect"));
        assertEquals("_2fast", Names.legalize("2fast"));
        assertEquals("a_b_c", Names.legalize("a-b.c"));
        assertEquals("x__", Names.legalize("x$é"));
        assertEquals("_", Names.legalize(""));
        assertEquals("reset", Names.legalize("reset"));
        assertEquals("clock", Names.legalize("clock"));
        assertTrue(Names.isLegal("acc_0"));
        assertFalse(Names.isLegal("mux"));
    }

    @Test
    void writerRenamesCollidingAndReservedDeclarations() {
        FirModule m = new FirModule("top-level", List.of(
                new Port(Port.Direction.INPUT, "in", FirType.uint(8)),
                new Port(Port.Direction.OUTPUT, "out", FirType.uint(8))), List.of(
                new Stmt.Wire("node", FirType.uint(8)),
                new Stmt.Wire("node_", FirType.uint(8)),
                new Stmt.Node("1st value", ref("in")),
                new Stmt.Connect(ref("node"), ref("1st value")),
                new Stmt.Connect(ref("node_"), ref("node")),
                new Stmt.Connect(ref("out"), ref("node_"))));
        String text = FirrtlWriter.write(new Circuit("top-level", List.of(m)));
        assertEquals("""
                FIRRTL version 4.0.0
                circuit top_level :
                  public module top_level :
                    input in : UInt<8>
                    output out : UInt<8>

                    wire node_ : UInt<8>
                    wire node__1 : UInt<8>
                    node _1st_value = in
                    connect node_, _1st_value
                    connect node__1, node_
                    connect out, node__1
                """, text);
    }

    @Test
    void instancePortsUseTheirModulesLegalNames() {
        FirModule leaf = new FirModule("Leaf", List.of(
                new Port(Port.Direction.INPUT, "when", FirType.uint(1)),
                new Port(Port.Direction.OUTPUT, "o", FirType.uint(1))),
                List.of(new Stmt.Connect(ref("o"), ref("when"))));
        FirModule top = new FirModule("Top", List.of(new Port(Port.Direction.INPUT, "a", FirType.uint(1)),
                new Port(Port.Direction.OUTPUT, "b", FirType.uint(1))), List.of(
                new Stmt.Instance("u", "Leaf"),
                new Stmt.Connect(field(ref("u"), "when"), ref("a")),
                new Stmt.Connect(ref("b"), field(ref("u"), "o"))));
        String text = FirrtlWriter.write(new Circuit("Top", List.of(top, leaf)));
        assertTrue(text.contains("    inst u of Leaf\n    connect u.when_, a\n    connect b, u.o\n"), text);
        assertTrue(text.contains("  module Leaf :\n    input when_ : UInt<1>\n"), text);
        assertTrue(text.contains("  public module Top :\n"), text);
        assertFalse(text.contains("public module Leaf"), text);
    }

    @Test
    void deterministicAcrossRebuilds() {
        assertEquals(FirrtlWriter.write(counter()), FirrtlWriter.write(counter()));
        for (BlockParams p : List.of(Blocks.smallMacArray(), Blocks.smallPimGemm(), Blocks.smallSequencer())) {
            assertEquals(FirrtlExport.generate(p), FirrtlExport.generate(p));
        }
    }

    @Test
    void namespaceHandsOutFreshNames() {
        Namespace ns = new Namespace();
        assertEquals("x", ns.fresh("x"));
        assertEquals("x_1", ns.fresh("x_1"));
        assertEquals("x_2", ns.fresh("x"));
        assertEquals("x_3", ns.fresh("x"));
        assertEquals("wire_", ns.fresh("wire"));
        assertEquals("wire__1", ns.fresh("wire"));
        assertTrue(ns.contains("x_3"));
    }

    @Test
    void rejectsMalformedTrees() {
        FirModule undeclared = new FirModule("M", List.of(new Port(Port.Direction.OUTPUT, "o", FirType.uint(1))),
                List.of(new Stmt.Connect(ref("o"), ref("ghost"))));
        MoesimException e = assertThrows(MoesimException.class,
                () -> FirrtlWriter.write(new Circuit("M", List.of(undeclared))));
        assertTrue(e.getMessage().contains("ghost"), e.getMessage());

        FirModule twice = new FirModule("M", List.of(), List.of(new Stmt.Wire("w", FirType.uint(1)),
                new Stmt.Wire("w", FirType.uint(1))));
        assertThrows(FirrtlException.class, () -> FirrtlWriter.write(new Circuit("M", List.of(twice))));
        assertThrows(FirrtlException.class, () -> new Circuit("Nope", List.of(twice)));
        assertThrows(FirrtlException.class, () -> uint(16, 4));
        assertThrows(FirrtlException.class, () -> Exprs.sint(8, 4));
        assertEquals("SInt<4>(-8)", writeExpr(Exprs.sint(-8, 4)));
        assertEquals("UInt<0>(0)", writeExpr(new Expr.Literal(FirType.uint(0), BigInteger.ZERO)));
        assertThrows(FirrtlException.class, () -> new Expr.Prim(PrimOp.ADD, List.of(uint(1)), List.of()));
    }

    @Test
    void builderRefusesSilentTruncation() {
        ModuleBuilder b = new ModuleBuilder("M");
        Expr a = b.input("a", FirType.uint(8));
        Expr o = b.output("o", FirType.uint(4));
        Expr s = b.output("s", FirType.sint(8));
        FirrtlException e = assertThrows(FirrtlException.class, () -> b.connect(o, a));
        assertTrue(e.getMessage().contains("UInt"), e.getMessage());
        assertThrows(FirrtlException.class, () -> b.connect(s, a));
        b.connectTruncating(o, a);
        assertThrows(FirrtlException.class, () -> b.input("late", FirType.uint(1)));
    }

    @Test
    void typeRulesFollowTheSpec() {
        ModuleBuilder b = new ModuleBuilder("M");
        Expr u8 = b.input("u8", FirType.uint(8));
        Expr u3 = b.input("u3", FirType.uint(3));
        Expr s8 = b.input("s8", FirType.sint(8));
        Expr s5 = b.input("s5", FirType.sint(5));
        assertEquals(FirType.uint(9), b.typeOf(add(u8, u3)));
        assertEquals(FirType.sint(13), b.typeOf(Exprs.mul(s8, s5)));
        assertEquals(FirType.uint(1), b.typeOf(Exprs.lt(s8, s5)));
        assertEquals(FirType.uint(11), b.typeOf(Exprs.cat(u8, u3)));
        assertEquals(FirType.uint(4), b.typeOf(Exprs.bits(u8, 5, 2)));
        assertEquals(FirType.uint(5), b.typeOf(Exprs.tail(u8, 3)));
        assertEquals(FirType.sint(8), b.typeOf(Exprs.asSInt(u8)));
        assertEquals(FirType.uint(8), b.typeOf(Exprs.mux(Exprs.eq(u3, u3), u8, u3)));
        assertThrows(FirrtlException.class, () -> b.typeOf(add(u8, s8)));
        assertThrows(FirrtlException.class, () -> b.typeOf(Exprs.bits(u3, 3, 0)));
    }

    private static String writeExpr(Expr e) {
        FirModule m = new FirModule("M", List.of(), List.of(new Stmt.Node("n", e)));
        String text = FirrtlWriter.write(new Circuit("M", List.of(m)));
        return text.substring(text.indexOf("node n = ") + 9, text.length() - 1);
    }
}
