package io.moesim.ir.op;

/** The gating of a feed-forward block: SwiGLU has gate, up and down matrices; GELU has up and down. */
public enum FfnActivation {
    SWIGLU(3),
    GELU(2);

    private final int matrices;

    FfnActivation(int matrices) {
        this.matrices = matrices;
    }

    /** Weight matrices of h×ffn elements each. */
    public int matrices() {
        return matrices;
    }
}
