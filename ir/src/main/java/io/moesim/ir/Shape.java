package io.moesim.ir;

import java.util.Arrays;

/** A tensor shape: non-negative dimension sizes, outermost first. Immutable. */
public final class Shape {
    private final long[] dims;

    private Shape(long[] dims) {
        this.dims = dims;
    }

    public static Shape of(long... dims) {
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension " + d + " in " + Arrays.toString(dims));
            }
        }
        return new Shape(dims.clone());
    }

    public int rank() {
        return dims.length;
    }

    public long dim(int i) {
        return dims[i < 0 ? dims.length + i : i];
    }

    /** The last dimension (the feature / hidden dimension by convention). */
    public long last() {
        return dims[dims.length - 1];
    }

    public long[] dims() {
        return dims.clone();
    }

    /** Product of all dimensions (1 for a scalar). */
    public long elements() {
        long n = 1;
        for (long d : dims) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Product of all dimensions but the last: the number of rows ("tokens") of a [..., h] tensor. */
    public long rows() {
        long n = 1;
        for (int i = 0; i < dims.length - 1; i++) {
            n = Math.multiplyExact(n, dims[i]);
        }
        return n;
    }

    public Shape withDim(int i, long size) {
        long[] d = dims.clone();
        d[i < 0 ? d.length + i : i] = size;
        return of(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** Text form as in .moeir: {@code [64,4096]}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(dims[i]);
        }
        return sb.append(']').toString();
    }
}
