package io.moesim.ir.op;

import io.moesim.ir.TensorType;
import java.util.List;

/** Elementwise arithmetic: binary add and mul on equal types; unary silu, gelu and sigmoid. */
public record Elementwise(Kind kind) implements Op {

    /** The function; FLOPs per element: add 1, mul 1, silu 4 (negate, exp, add, divide), gelu 8 (tanh form), sigmoid 4 (as silu less the multiply, plus a
     * reciprocal). */
    public enum Kind {
        ADD("add", 2, 1),
        MUL("mul", 2, 1),
        SILU("silu", 1, 4),
        GELU("gelu", 1, 8),
        SIGMOID("sigmoid", 1, 4);

        private final String mnemonic;
        private final int operands;
        private final int flopsPerElement;

        Kind(String mnemonic, int operands, int flopsPerElement) {
            this.mnemonic = mnemonic;
            this.operands = operands;
            this.flopsPerElement = flopsPerElement;
        }

        public String mnemonic() {
            return mnemonic;
        }

        public int operands() {
            return operands;
        }
    }

    @Override
    public String mnemonic() {
        return kind.mnemonic;
    }

    @Override
    public Attrs attributes() {
        return new Attrs();
    }

    static Elementwise fromAttrs(Kind kind, Attrs a) {
        a.allowOnly(kind.mnemonic);
        return new Elementwise(kind);
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(kind.mnemonic, in, kind.operands);
        TensorType x = in.get(0);
        Check.floating(kind.mnemonic, "operand", x);
        if (kind.operands == 2 && !in.get(1).equals(x)) {
            throw new TypeException(kind.mnemonic + ": operand types differ: " + x + " and " + in.get(1));
        }
        return List.of(x);
    }

    @Override
    public long flops(List<TensorType> in) {
        return Math.multiplyExact((long) kind.flopsPerElement, in.get(0).elements());
    }

    @Override
    public Traffic traffic(List<TensorType> in) {
        long read = Check.bytes(in);
        return Traffic.activations(read, in.get(0).bytes());
    }
}
