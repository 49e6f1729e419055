package io.moesim.ir.op;

import io.moesim.ir.TensorType;
import java.util.List;

/**
 * Product of two activations {@code a[..., m, k] · b[..., k, n]} (or {@code b[..., n, k]} with
 * {@code transpose_b}), leading dimensions equal. No weights. FLOPs = 2·lead·m·k·n.
 */
public record BatchMatMul(boolean transposeB) implements Op {
    public static final String MNEMONIC = "batch_matmul";

    @Override
    public String mnemonic() {
        return MNEMONIC;
    }

    @Override
    public Attrs attributes() {
        return new Attrs().put("transpose_b", transposeB);
    }

    static BatchMatMul fromAttrs(Attrs a) {
        a.allowOnly(MNEMONIC, "transpose_b");
        return new BatchMatMul(a.getBool("transpose_b", false));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(MNEMONIC, in, 2);
        TensorType a = in.get(0);
        TensorType b = in.get(1);
        Check.minRank(MNEMONIC, "lhs", a, 2);
        Check.rank(MNEMONIC, "rhs", b, a.rank());
        if (a.dtype() != b.dtype()) {
            throw new TypeException(MNEMONIC + ": operand dtypes differ: " + a + " and " + b);
        }
        int r = a.rank();
        for (int i = 0; i < r - 2; i++) {
            Check.dim(MNEMONIC, "rhs dim " + i, b.shape().dim(i), a.shape().dim(i));
        }
        long k = a.shape().dim(r - 1);
        long kb = transposeB ? b.shape().dim(r - 1) : b.shape().dim(r - 2);
        Check.dim(MNEMONIC, "rhs contraction dim", kb, k);
        long n = transposeB ? b.shape().dim(r - 2) : b.shape().dim(r - 1);
        return List.of(a.withShape(a.shape().withDim(r - 1, n)));
    }

    @Override
    public long flops(List<TensorType> in) {
        TensorType out = inferTypes(in).get(0);
        return Math.multiplyExact(Math.multiplyExact(2L, out.elements()), in.get(0).last());
    }

    @Override
    public Traffic traffic(List<TensorType> in) {
        TensorType out = inferTypes(in).get(0);
        return Traffic.activations(in.get(0).bytes() + in.get(1).bytes(), out.bytes());
    }
}
