package io.moesim.hw.firrtl;

import java.math.BigInteger;
import java.util.List;

/**
 * A FIRRTL expression. Names inside are the author's names; {@link FirrtlWriter} maps them to
 * legal, unique identifiers when it prints.
 */
public sealed interface Expr {

    /** A reference to a port, wire, register, node or instance. */
    record Ref(String name) implements Expr {}

    /** {@code e.field}: a bundle field, or a port of an instance. */
    record SubField(Expr base, String field) implements Expr {}

    /** {@code e[3]}: a vector element at a constant index. */
    record SubIndex(Expr base, int index) implements Expr {
        public SubIndex {
            if (index < 0) {
                throw new FirrtlException("expr", "negative vector index " + index);
            }
        }
    }

    /** {@code e[i]}: a vector element at a computed (unsigned) index. */
    record SubAccess(Expr base, Expr index) implements Expr {}

    /** {@code UInt<w>(v)} or {@code SInt<w>(v)}; the value must fit the width. */
    record Literal(FirType type, BigInteger value) implements Expr {
        public Literal {
            if (type instanceof FirType.UIntType u) {
                if (value.signum() < 0 || value.bitLength() > u.width()) {
                    throw new FirrtlException("expr", "literal " + value + " does not fit UInt<" + u.width() + ">");
                }
            } else if (type instanceof FirType.SIntType s) {
                // bitLength excludes the sign bit, so a w-bit signed value has bitLength <= w - 1.
                if (value.bitLength() > s.width() - 1) {
                    throw new FirrtlException("expr", "literal " + value + " does not fit SInt<" + s.width() + ">");
                }
            } else {
                throw new FirrtlException("expr", "literals must be UInt or SInt, got " + type);
            }
        }
    }

    /** {@code mux(cond, high, low)}. */
    record Mux(Expr cond, Expr high, Expr low) implements Expr {}

    /** A primitive operation with its expression arguments and integer constants. */
    record Prim(PrimOp op, List<Expr> args, List<Integer> consts) implements Expr {
        public Prim {
            args = List.copyOf(args);
            consts = List.copyOf(consts);
            if (args.size() != op.args() || consts.size() != op.consts()) {
                throw new FirrtlException("expr", op.mnemonic() + " takes " + op.args() + " arguments and "
                        + op.consts() + " constants, got " + args.size() + " and " + consts.size());
            }
            for (int c : consts) {
                if (c < 0) {
                    throw new FirrtlException("expr", op.mnemonic() + " constant must be >= 0, got " + c);
                }
            }
        }
    }
}
