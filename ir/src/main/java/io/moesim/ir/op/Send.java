package io.moesim.ir.op;

import io.moesim.ir.TensorType;
import java.util.List;

/** Point-to-point send to device {@code peer} of the group (pipeline parallelism). No result. */
public record Send(int peer) implements Collective {
    public static final String MNEMONIC = "send";

    public Send {
        if (peer < 0) {
            throw new IllegalArgumentException(MNEMONIC + ": peer must be >= 0, got " + peer);
        }
    }

    @Override
    public int group() {
        return 2;
    }

    @Override
    public String mnemonic() {
        return MNEMONIC;
    }

    @Override
    public Attrs attributes() {
        return new Attrs().put("peer", peer);
    }

    static Send fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "peer");
        return new Send((int) a.getLong("peer"));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 1);
        return List.of();
    }

    @Override
    public double linkBytesPerDevice(List<TensorType> in) {
        return in.get(0).bytes();
    }
}
