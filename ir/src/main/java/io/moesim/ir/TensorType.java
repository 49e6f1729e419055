package io.moesim.ir;

/** The type of an SSA value: element type and shape. Text form: {@code bf16[64,4096]}. */
public record TensorType(DType dtype, Shape shape) {

    public static TensorType of(DType dtype, long... dims) {
        return new TensorType(dtype, Shape.of(dims));
    }

    public long elements() {
        return shape.elements();
    }

    /** Exact size in bytes (sub-byte types packed). */
    public long bytes() {
        return dtype.bytesFor(shape.elements());
    }

    public int rank() {
        return shape.rank();
    }

    public long rows() {
        return shape.rows();
    }

    public long last() {
        return shape.last();
    }

    public TensorType withShape(Shape s) {
        return new TensorType(dtype, s);
    }

    public TensorType withDType(DType d) {
        return new TensorType(d, shape);
    }

    @Override
    public String toString() {
        return dtype.text() + shape;
    }
}
