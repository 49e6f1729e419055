package io.moesim.hw.firrtl;

import io.moesim.hw.firrtl.FirType.BundleType;
import io.moesim.hw.firrtl.FirType.Field;
import io.moesim.hw.firrtl.FirType.SIntType;
import io.moesim.hw.firrtl.FirType.UIntType;
import io.moesim.hw.firrtl.FirType.VecType;
import java.util.function.Function;

/**
 * Result types of expressions, by the FIRRTL spec's width rules. Generators use it to size
 * registers and to catch a connect that would need truncation before firtool does.
 */
public final class Types {

    private Types() {}

    /** The type of {@code e}, looking names up in {@code env} (which throws or returns null for unknown names). */
    public static FirType of(Expr e, Function<String, FirType> env) {
        if (e == null) {
            throw new FirrtlException("expr", "null expression");
        }
        return infer(e, env);
    }

    private static FirType infer(Expr e, Function<String, FirType> env) {
        if (e instanceof Expr.Ref r) {
            FirType t = env.apply(r.name());
            if (t == null) {
                throw new FirrtlException("expr", "reference to undeclared name '" + r.name() + "'");
            }
            return t;
        }
        if (e instanceof Expr.SubField f) {
            FirType base = infer(f.base(), env);
            if (base instanceof BundleType b) {
                for (Field field : b.fields()) {
                    if (field.name().equals(f.field())) {
                        return field.type();
                    }
                }
            }
            throw new FirrtlException("expr", "no field '" + f.field() + "' in " + base);
        }
        if (e instanceof Expr.SubIndex i) {
            FirType base = infer(i.base(), env);
            if (base instanceof VecType v && i.index() < v.size()) {
                return v.element();
            }
            throw new FirrtlException("expr", "index " + i.index() + " out of range of " + base);
        }
        if (e instanceof Expr.SubAccess a) {
            FirType base = infer(a.base(), env);
            if (!(infer(a.index(), env) instanceof UIntType)) {
                throw new FirrtlException("expr", "a computed index must be UInt");
            }
            if (base instanceof VecType v) {
                return v.element();
            }
            throw new FirrtlException("expr", "cannot index into " + base);
        }
        if (e instanceof Expr.Literal l) {
            return l.type();
        }
        if (e instanceof Expr.Mux m) {
            checkBool(infer(m.cond(), env), "mux condition");
            FirType hi = infer(m.high(), env);
            FirType lo = infer(m.low(), env);
            if (hi instanceof UIntType && lo instanceof UIntType) {
                return new UIntType(Math.max(hi.width(), lo.width()));
            }
            if (hi instanceof SIntType && lo instanceof SIntType) {
                return new SIntType(Math.max(hi.width(), lo.width()));
            }
            if (hi.equals(lo)) {
                return hi;
            }
            throw new FirrtlException("expr", "mux arms differ: " + hi + " and " + lo);
        }
        Expr.Prim p = (Expr.Prim) e;
        return prim(p, env);
    }

    private static FirType prim(Expr.Prim p, Function<String, FirType> env) {
        FirType a = infer(p.args().get(0), env);
        FirType b = p.args().size() > 1 ? infer(p.args().get(1), env) : null;
        int wa = a.width();
        int wb = b == null ? 0 : b.width();
        boolean signed = a instanceof SIntType;
        switch (p.op()) {
            case ADD, SUB -> {
                sameSign(p, a, b);
                return sized(signed, Math.max(wa, wb) + 1);
            }
            case MUL -> {
                sameSign(p, a, b);
                return sized(signed, wa + wb);
            }
            case DIV -> {
                sameSign(p, a, b);
                return sized(signed, signed ? wa + 1 : wa);
            }
            case REM -> {
                sameSign(p, a, b);
                return sized(signed, Math.min(wa, wb));
            }
            case LT, LEQ, GT, GEQ, EQ, NEQ -> {
                sameSign(p, a, b);
                return new UIntType(1);
            }
            case PAD -> {
                integer(p, a);
                return sized(signed, Math.max(wa, p.consts().get(0)));
            }
            case AS_UINT -> {
                return new UIntType(wa < 0 ? 1 : wa);
            }
            case AS_SINT -> {
                return new SIntType(wa < 0 ? 1 : wa);
            }
            case AS_CLOCK -> {
                return new FirType.ClockType();
            }
            case AS_ASYNC_RESET -> {
                return new FirType.AsyncResetType();
            }
            case SHL -> {
                integer(p, a);
                return sized(signed, wa + p.consts().get(0));
            }
            case SHR -> {
                integer(p, a);
                return sized(signed, Math.max(wa - p.consts().get(0), signed ? 1 : 0));
            }
            case DSHL -> {
                integer(p, a);
                if (!(b instanceof UIntType) || wb > 16) {
                    throw new FirrtlException("expr", "dshl needs a UInt shift of at most 16 bits");
                }
                return sized(signed, wa + (1 << wb) - 1);
            }
            case DSHR -> {
                integer(p, a);
                return sized(signed, wa);
            }
            case CVT -> {
                integer(p, a);
                return new SIntType(signed ? wa : wa + 1);
            }
            case NEG -> {
                integer(p, a);
                return new SIntType(wa + 1);
            }
            case NOT -> {
                integer(p, a);
                return new UIntType(wa);
            }
            case AND, OR, XOR -> {
                sameSign(p, a, b);
                return new UIntType(Math.max(wa, wb));
            }
            case ANDR, ORR, XORR -> {
                integer(p, a);
                return new UIntType(1);
            }
            case CAT -> {
                sameSign(p, a, b);
                return new UIntType(wa + wb);
            }
            case BITS -> {
                integer(p, a);
                int hi = p.consts().get(0);
                int lo = p.consts().get(1);
                if (hi < lo || hi >= wa) {
                    throw new FirrtlException("expr", "bits(" + hi + ", " + lo + ") out of range of width " + wa);
                }
                return new UIntType(hi - lo + 1);
            }
            case HEAD -> {
                integer(p, a);
                int n = p.consts().get(0);
                if (n > wa) {
                    throw new FirrtlException("expr", "head(" + n + ") wider than " + wa);
                }
                return new UIntType(n);
            }
            case TAIL -> {
                integer(p, a);
                int n = p.consts().get(0);
                if (n > wa) {
                    throw new FirrtlException("expr", "tail(" + n + ") wider than " + wa);
                }
                return new UIntType(wa - n);
            }
            default -> throw new FirrtlException("expr", "no type rule for " + p.op());
        }
    }

    private static FirType sized(boolean signed, int width) {
        return signed ? new SIntType(Math.max(width, 1)) : new UIntType(width);
    }

    private static void integer(Expr.Prim p, FirType a) {
        if (!a.isInteger()) {
            throw new FirrtlException("expr", p.op().mnemonic() + " needs UInt or SInt, got " + a);
        }
    }

    private static void sameSign(Expr.Prim p, FirType a, FirType b) {
        integer(p, a);
        integer(p, b);
        if (a.getClass() != b.getClass()) {
            throw new FirrtlException("expr", p.op().mnemonic() + " mixes " + a + " and " + b);
        }
    }

    private static void checkBool(FirType t, String what) {
        if (!(t instanceof UIntType u) || u.width() != 1) {
            throw new FirrtlException("expr", what + " must be UInt<1>, got " + t);
        }
    }
}
