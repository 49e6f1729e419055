package io.moesim.validation.reference;

import java.util.Arrays;

/** A dense row-major fp32 matrix: the reference executor's only tensor. */
public record Matrix(int rows, int cols, float[] data) {

    public Matrix {
        if (rows < 0 || cols < 0 || data.length != (long) rows * cols) {
            throw new IllegalArgumentException("matrix " + rows + "x" + cols + " needs " + ((long) rows * cols) + " values, got " + data.length);
        }
    }

    public static Matrix zeros(int rows, int cols) {
        return new Matrix(rows, cols, new float[rows * cols]);
    }

    public static Matrix of(int rows, int cols, float... values) {
        return new Matrix(rows, cols, values.clone());
    }

    /** Values from a seeded generator, uniform in [-scale, scale): reproducible test inputs. */
    public static Matrix random(int rows, int cols, long seed, float scale) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[] d = new float[rows * cols];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        }
        return new Matrix(rows, cols, d);
    }

    public float get(int r, int c) {
        return data[r * cols + c];
    }

    public void set(int r, int c, float v) {
        data[r * cols + c] = v;
    }

    public float[] row(int r) {
        return Arrays.copyOfRange(data, r * cols, (r + 1) * cols);
    }

    /** Rows {@code from} (inclusive) to {@code to} (exclusive). */
    public Matrix rows(int from, int to) {
        return new Matrix(to - from, cols, Arrays.copyOfRange(data, from * cols, to * cols));
    }

    public Matrix rounded(io.moesim.ir.DType dtype) {
        return new Matrix(rows, cols, Rounding.round(data, dtype));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Matrix m && m.rows == rows && m.cols == cols && Arrays.equals(m.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * rows + cols) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Matrix[" + rows + "x" + cols + "]";
    }
}
