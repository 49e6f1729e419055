package io.moesim.ir.op;

import io.moesim.ir.TensorType;
import java.util.List;

/** Concatenation along {@code axis} of every device's shard. Ring: each device sends its shard g−1 times. */
public record AllGather(int group, int axis) implements Collective {
    public static final String MNEMONIC = "all_gather";

    public AllGather {
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

    static AllGather fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "group", "axis");
        return new AllGather(a.getPositiveInt("group"), (int) a.getLong("axis", 0));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 1);
        TensorType x = in.get(0);
        if (axis >= x.rank()) {
            throw new TypeException(MNEMONIC + ": axis " + axis + " out of range for " + x);
        }
        return List.of(x.withShape(x.shape().withDim(axis, Math.multiplyExact(x.shape().dim(axis), (long) group))));
    }

    @Override
    public double linkBytesPerDevice(List<TensorType> in) {
        return (double) (group - 1) * in.get(0).bytes();
    }
}
