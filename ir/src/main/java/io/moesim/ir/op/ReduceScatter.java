package io.moesim.ir.op;

import io.moesim.ir.TensorType;
import java.util.List;

/** Sum across the group, each device keeping 1/g of the result along {@code axis}. Ring: sends (g−1)/g of the input. */
public record ReduceScatter(int group, int axis) implements Collective {
    public static final String MNEMONIC = "reduce_scatter";

    public ReduceScatter {
        Collective.checkGroup(MNEMONIC, group);
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
        return new Attrs().put("group", group).put("axis", axis);
    }

    static ReduceScatter fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "group", "axis");
        return new ReduceScatter(a.getPositiveInt("group"), (int) a.getLong("axis", 0));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 1);
        TensorType x = in.get(0);
        if (axis >= x.rank()) {
            throw new TypeException(MNEMONIC + ": axis " + axis + " out of range for " + x);
        }
        long d = x.shape().dim(axis);
        if (d % group != 0) {
            throw new TypeException(MNEMONIC + ": dim " + axis + " of " + x + " is not divisible by group " + group);
        }
        return List.of(x.withShape(x.shape().withDim(axis, d / group)));
    }

    @Override
    public double linkBytesPerDevice(List<TensorType> in) {
        return (double) (group - 1) / group * in.get(0).bytes();
    }
}
