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

    /** Output columns of an expert's first GEMM: gate and up fused (2·ffn) for SwiGLU, up alone (ffn) for GELU. */
    public long upColumns(long ffn) {
        return (matrices - 1) * ffn;
    }
}
