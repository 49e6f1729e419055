package io.moesim.ir.op;

import io.moesim.ir.TensorType;
import java.util.List;

/** Each device sends 1/g of its tensor to every other device (expert-parallel dispatch/combine): (g−1)/g leaves the device. */
public record AllToAll(int group) implements Collective {
    public static final String MNEMONIC = "all_to_all";

    public AllToAll {
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

    static AllToAll fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "group");
        return new AllToAll(a.getPositiveInt("group"));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 1);
        return List.of(in.get(0));
    }

    @Override
    public double linkBytesPerDevice(List<TensorType> in) {
        return (double) (group - 1) / group * in.get(0).bytes();
    }
}
