package io.moesim.ir.op;

import io.moesim.ir.TensorType;
import java.util.List;

/** Point-to-point receive of a tensor of {@code type} from device {@code peer}. No operand. */
public record Recv(int peer, TensorType type) implements Collective {
    public static final String MNEMONIC = "recv";

    public Recv {
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
        return new Attrs().put("peer", peer).put("type", type);
    }

    static Recv fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "peer", "type");
        return new Recv((int) a.getLong("peer"), a.getType("type"));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 0);
        return List.of(type);
    }

    @Override
    public double linkBytesPerDevice(List<TensorType> in) {
        return 0;
    }
}
