package io.moesim.ir.op;

import io.moesim.ir.TensorType;
import java.util.List;

/**
 * Joins tensors along {@code axis} (the inverse of {@link Split}); the other dimensions and the
 * dtype must agree. Treated as a layout op: producers write their parts in place into one buffer,
 * so it costs no FLOPs and no DRAM traffic. An operand may appear more than once (MLA's shared RoPE
 * key, expanded to every head, is a concat of one value with itself).
 */
public record Concat(int axis) implements Op {
    public static final String MNEMONIC = "concat";

    public Concat {
        if (axis < 0) {
            throw new IllegalArgumentException(MNEMONIC + ": axis must be >= 0, got " + axis);
        }
    }

    @Override
    public String mnemonic() {
        return MNEMONIC;
    }

    @Override
    public Attrs attributes() {
        return new Attrs().put("axis", axis);
    }

    static Concat fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "axis");
        return new Concat((int) a.getLong("axis"));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.minArity(MNEMONIC, in, 2);
        TensorType first = in.get(0);
        if (axis >= first.rank()) {
            throw new TypeException(MNEMONIC + ": axis " + axis + " out of range for " + first);
        }
        long total = 0;
        for (int i = 0; i < in.size(); i++) {
            TensorType t = in.get(i);
            Check.rank(MNEMONIC, "operand " + i, t, first.rank());
            if (t.dtype() != first.dtype()) {
                throw new TypeException(MNEMONIC + ": operand dtypes differ: " + first + " and " + t);
            }
            for (int d = 0; d < first.rank(); d++) {
                if (d != axis) {
                    Check.dim(MNEMONIC, "operand " + i + " dim " + d, t.shape().dim(d), first.shape().dim(d));
                }
            }
            total = Math.addExact(total, t.shape().dim(axis));
        }
        return List.of(first.withShape(first.shape().withDim(axis, total)));
    }

    @Override
    public long flops(List<TensorType> in) {
        return 0;
    }

    @Override
    public Traffic traffic(List<TensorType> in) {
        return Traffic.ZERO;
    }
}
