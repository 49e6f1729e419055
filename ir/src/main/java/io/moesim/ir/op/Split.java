package io.moesim.ir.op;

import io.moesim.ir.TensorType;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits one tensor into consecutive parts along {@code axis}: rows (axis 0) to separate the
 * prefill and decode tokens of a mixed batch, or the rows an LM head samples from the rest (whose part
 * then goes unread), or features (the last axis) to take apart a fused projection. A view: the parts
 * address sub-ranges of the operand's buffer, so it costs no FLOPs and no DRAM traffic.
 */
public record Split(int axis, LongImmutableList sizes) implements Op {
    public static final String MNEMONIC = "split";

    public Split {
        if (axis < 0) {
            throw new IllegalArgumentException(MNEMONIC + ": axis must be >= 0, got " + axis);
        }
        if (sizes.size() < 2) {
            throw new IllegalArgumentException(MNEMONIC + ": sizes must list at least 2 parts, got " + sizes.size());
        }
        for (int i = 0; i < sizes.size(); i++) {
            Check.positive(MNEMONIC, "size", sizes.getLong(i));
        }
    }

    public static Split of(int axis, long... sizes) {
        return new Split(axis, LongImmutableList.of(sizes));
    }

    @Override
    public String mnemonic() {
        return MNEMONIC;
    }

    @Override
    public Attrs attributes() {
        return new Attrs().put("axis", axis).put("sizes", sizes.toLongArray());
    }

    static Split fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "axis", "sizes");
        return new Split((int) a.getLong("axis"), LongImmutableList.of(a.getLongs("sizes")));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 1);
        TensorType x = in.get(0);
        if (axis >= x.rank()) {
            throw new TypeException(MNEMONIC + ": axis " + axis + " out of range for " + x);
        }
        Check.dim(MNEMONIC, "sum of sizes (operand dim " + axis + ")", x.shape().dim(axis), Check.sum(sizes));
        List<TensorType> out = new ArrayList<>(sizes.size());
        for (int i = 0; i < sizes.size(); i++) {
            out.add(x.withShape(x.shape().withDim(axis, sizes.getLong(i))));
        }
        return out;
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
