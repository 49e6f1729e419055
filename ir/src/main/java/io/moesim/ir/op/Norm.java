package io.moesim.ir.op;

import io.moesim.ir.DType;
import io.moesim.ir.TensorType;
import java.util.List;

/**
 * RMSNorm or LayerNorm over the last dimension, with a learned scale (and, for LayerNorm, a bias).
 * FLOPs per element: RMSNorm 4 (square, accumulate, normalise, scale); LayerNorm 8 (mean, centre,
 * square, accumulate, normalise, scale, shift, and the mean's accumulate).
 */
public record Norm(Kind kind, long hidden, double eps, DType wdtype) implements Op {

    /** Which normalisation. */
    public enum Kind {
        RMS("rms_norm", 4, 1),
        LAYER("layer_norm", 8, 2);

        private final String mnemonic;
        private final int flopsPerElement;
        private final int vectors;

        Kind(String mnemonic, int flopsPerElement, int vectors) {
            this.mnemonic = mnemonic;
            this.flopsPerElement = flopsPerElement;
            this.vectors = vectors;
        }

        public String mnemonic() {
            return mnemonic;
        }
    }

    public Norm {
        Check.positive(kind.mnemonic, "hidden", hidden);
        if (!(eps > 0)) {
            throw new IllegalArgumentException(kind.mnemonic + ": eps must be > 0, got " + eps);
        }
    }

    @Override
    public String mnemonic() {
        return kind.mnemonic;
    }

    @Override
    public Attrs attributes() {
        return new Attrs().put("hidden", hidden).put("eps", eps).put("wdtype", wdtype);
    }

    static Norm fromAttrs(Kind kind, Attrs a) {
        a.allowOnly(kind.mnemonic, "hidden", "eps", "wdtype");
        return new Norm(kind, a.getPositive("hidden"), a.getDouble("eps"), a.getDType("wdtype"));
    }

    @Override
    public List<TensorType> inferTypes(List<TensorType> in) {
        Check.arity(kind.mnemonic, in, 1);
        TensorType x = in.get(0);
        Check.minRank(kind.mnemonic, "input", x, 1);
        Check.floating(kind.mnemonic, "input", x);
        Check.dim(kind.mnemonic, "input last dim (hidden)", x.last(), hidden);
        return List.of(x);
    }

    @Override
    public long flops(List<TensorType> in) {
        return Math.multiplyExact((long) kind.flopsPerElement, in.get(0).elements());
    }

    @Override
    public Traffic traffic(List<TensorType> in) {
        TensorType x = in.get(0);
        return new Traffic(wdtype.bytesFor(params()), x.bytes(), x.bytes(), 0, 0);
    }

    @Override
    public long params() {
        return Math.multiplyExact((long) kind.vectors, (long) hidden);
    }
}
