package io.moesim.validation.reference;

/** Softmax of one row in fp32, the maximum subtracted first so large logits do not overflow. */
public final class RefSoftmax {
    private RefSoftmax() {
    }

    public static float[] row(float[] x) {
        float max = Float.NEGATIVE_INFINITY;
        for (float v : x) {
            max = Math.max(max, v);
        }
        float[] out = new float[x.length];
        float sum = 0f;
        for (int i = 0; i < x.length; i++) {
            out[i] = (float) Math.exp(x[i] - max);
            sum += out[i];
        }
        for (int i = 0; i < x.length; i++) {
            out[i] /= sum;
        }
        return out;
    }
}
