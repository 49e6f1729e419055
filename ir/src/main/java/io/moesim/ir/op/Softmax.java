package io.moesim.ir.op;

import io.moesim.ir.TensorType;
import java.util.List;

/** Softmax over the last dimension. FLOPs = 5 per element (max, subtract, exp, sum, divide). */
public record Softmax() implements Op {
    public static final String MNEMONIC = "softmax";

    @Override
    public String mnemonic() {
        return MNEMONIC;
    }

    @Override
    public Attrs attributes() {
        return new Attrs();
    }

    static Softmax fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC);
        return new Softmax();
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 1);
        Check.minRank(MNEMONIC, "input", in.get(0), 1);
        Check.floating(MNEMONIC, "input", in.get(0));
        return List.of(in.get(0));
    }

    @Override
    public long flops(List<TensorType> in) {
        return Math.multiplyExact(5L, in.get(0).elements());
    }

    @Override
    public Traffic traffic(List<TensorType> in) {
        return Traffic.activations(in.get(0).bytes(), in.get(0).bytes());
    }
}
