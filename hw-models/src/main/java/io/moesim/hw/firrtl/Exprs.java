package io.moesim.hw.firrtl;

import java.math.BigInteger;
import java.util.List;

/** Short factory methods for expressions, so that generators read like the hardware they build. */
public final class Exprs {

    private Exprs() {}

    public static Expr.Ref ref(String name) {
        return new Expr.Ref(name);
    }

    public static Expr field(Expr base, String name) {
        return new Expr.SubField(base, name);
    }

    public static Expr index(Expr base, int i) {
        return new Expr.SubIndex(base, i);
    }

    public static Expr index(Expr base, Expr i) {
        return new Expr.SubAccess(base, i);
    }

    public static Expr.Literal uint(long value, int width) {
        return new Expr.Literal(FirType.uint(width), BigInteger.valueOf(value));
    }

    public static Expr.Literal sint(long value, int width) {
        return new Expr.Literal(FirType.sint(width), BigInteger.valueOf(value));
    }

    /** The narrowest UInt literal holding {@code value} (at least one bit). */
    public static Expr.Literal uint(long value) {
        return uint(value, bitsFor(value));
    }

    public static Expr mux(Expr cond, Expr high, Expr low) {
        return new Expr.Mux(cond, high, low);
    }

    public static Expr prim(PrimOp op, Expr a) {
        return new Expr.Prim(op, List.of(a), List.of());
    }

    public static Expr prim(PrimOp op, Expr a, Expr b) {
        return new Expr.Prim(op, List.of(a, b), List.of());
    }

    public static Expr add(Expr a, Expr b) {
        return prim(PrimOp.ADD, a, b);
    }

    public static Expr sub(Expr a, Expr b) {
        return prim(PrimOp.SUB, a, b);
    }

    public static Expr mul(Expr a, Expr b) {
        return prim(PrimOp.MUL, a, b);
    }

    public static Expr lt(Expr a, Expr b) {
        return prim(PrimOp.LT, a, b);
    }

    public static Expr leq(Expr a, Expr b) {
        return prim(PrimOp.LEQ, a, b);
    }

    public static Expr gt(Expr a, Expr b) {
        return prim(PrimOp.GT, a, b);
    }

    public static Expr geq(Expr a, Expr b) {
        return prim(PrimOp.GEQ, a, b);
    }

    public static Expr eq(Expr a, Expr b) {
        return prim(PrimOp.EQ, a, b);
    }

    public static Expr neq(Expr a, Expr b) {
        return prim(PrimOp.NEQ, a, b);
    }

    public static Expr and(Expr a, Expr b) {
        return prim(PrimOp.AND, a, b);
    }

    public static Expr or(Expr a, Expr b) {
        return prim(PrimOp.OR, a, b);
    }

    public static Expr not(Expr a) {
        return prim(PrimOp.NOT, a);
    }

    public static Expr cat(Expr a, Expr b) {
        return prim(PrimOp.CAT, a, b);
    }

    public static Expr asUInt(Expr a) {
        return prim(PrimOp.AS_UINT, a);
    }

    public static Expr asSInt(Expr a) {
        return prim(PrimOp.AS_SINT, a);
    }

    public static Expr pad(Expr a, int width) {
        return new Expr.Prim(PrimOp.PAD, List.of(a), List.of(width));
    }

    public static Expr tail(Expr a, int n) {
        return new Expr.Prim(PrimOp.TAIL, List.of(a), List.of(n));
    }

    public static Expr head(Expr a, int n) {
        return new Expr.Prim(PrimOp.HEAD, List.of(a), List.of(n));
    }

    public static Expr bits(Expr a, int hi, int lo) {
        return new Expr.Prim(PrimOp.BITS, List.of(a), List.of(hi, lo));
    }

    /** Bits needed to hold the unsigned value {@code v} (at least 1). */
    public static int bitsFor(long v) {
        if (v < 0) {
            throw new FirrtlException("expr", "bitsFor needs a non-negative value, got " + v);
        }
        return Math.max(1, 64 - Long.numberOfLeadingZeros(v));
    }

    /** ceil(log2(n)) for n >= 1: the depth of a binary tree over n leaves. */
    public static int log2Ceil(long n) {
        if (n < 1) {
            throw new FirrtlException("expr", "log2Ceil needs n >= 1, got " + n);
        }
        return n == 1 ? 0 : 64 - Long.numberOfLeadingZeros(n - 1);
    }
}
