package io.moesim.ir.op;

import io.moesim.ir.TensorType;
import java.util.List;

/**
 * A block of nodes run {@code count} times in sequence, its results fed back as its operands (a
 * stack of identical layers). The body is the node's region; totals multiply the body's by count.
 * The op itself costs nothing.
 */
public record Repeat(long count) implements Op {
    public static final String MNEMONIC = "repeat";

    public Repeat {
        Check.positive(MNEMONIC, "count", count);
    }

    @Override
    public String mnemonic() {
        return MNEMONIC;
    }

    @Override
    public Attrs attributes() {
        return new Attrs().put("count", count);
    }

    static Repeat fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "count");
        return new Repeat(a.getPositive("count"));
    }

    /** Loop-carried: the results have the operands' types. */
    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.minArity(MNEMONIC, in, 1);
        return List.copyOf(in);
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
