package io.moesim.ir.op;

import io.moesim.ir.TensorType;
import java.util.List;

/** Sum across the group; every device gets the result. Ring: each device sends 2·(g−1)/g of the tensor. */
public record AllReduce(int group) implements Collective {
    public static final String MNEMONIC = "all_reduce";

    public AllReduce {
        Collective.checkGroup(MNEMONIC, group);
    }

    @Override
    public String mnemonic() {
        return MNEMONIC;
    }

    @Override
    public Attrs attributes() {
        return new Attrs().put("group", group);
    }

    static AllReduce fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "group");
        return new AllReduce(a.getPositiveInt("group"));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 1);
        return List.of(in.get(0));
    }

    @Override
    public double linkBytesPerDevice(List<TensorType> in) {
        return 2.0 * (group - 1) / group * in.get(0).bytes();
    }
}
