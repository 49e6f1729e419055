package io.moesim.validation.reference;

import io.moesim.ir.DType;

/**
 * The SwiGLU FFN of Llama/Mixtral/DeepSeek experts: {@code (silu(x·W_gate) ⊙ (x·W_up))·W_down} with
 * W_gate, W_up {@code [h, f]} and W_down {@code [f, h]}; the activation is rounded to the dtype before
 * the down projection, as a kernel that stores it would.
 */
public record SwiGluExpert(Matrix wGate, Matrix wUp, Matrix wDown, DType dtype) implements Expert {

    public SwiGluExpert {
        if (wGate.rows() != wUp.rows() || wGate.cols() != wUp.cols() || wDown.rows() != wGate.cols() || wDown.cols() != wGate.rows()) {
            throw new IllegalArgumentException("swiglu: gate " + wGate + ", up " + wUp + ", down " + wDown + " do not fit");
        }
    }

    @Override
    public Matrix apply(Matrix x) {
        Matrix g = RefGemm.matmul(x, wGate, dtype);
        Matrix u = RefGemm.matmul(x, wUp, dtype);
        float[] a = new float[g.data().length];
        for (int i = 0; i < a.length; i++) {
            float gv = g.data()[i];
            a[i] = Rounding.round(silu(gv) * u.data()[i], dtype);
        }
        return RefGemm.matmul(new Matrix(g.rows(), g.cols(), a), wDown, dtype);
    }

    public static float silu(float v) {
        return (float) (v / (1.0 + Math.exp(-v)));
    }
}
