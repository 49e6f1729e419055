package io.moesim.hw.firrtl;

import java.util.List;

/** A FIRRTL type. Ground types carry known widths: generators never rely on width inference. */
public sealed interface FirType {

    /** Bit width of a ground integer type; -1 for types without a width. */
    default int width() {
        return -1;
    }

    /** True for UInt and SInt. */
    default boolean isInteger() {
        return this instanceof UIntType || this instanceof SIntType;
    }

    static UIntType uint(int width) {
        return new UIntType(width);
    }

    static SIntType sint(int width) {
        return new SIntType(width);
    }

    static VecType vec(FirType element, int size) {
        return new VecType(element, size);
    }

    record UIntType(int width) implements FirType {
        public UIntType {
            checkWidth(width, 0);
        }
    }

    record SIntType(int width) implements FirType {
        public SIntType {
            checkWidth(width, 1);
        }
    }

    record ClockType() implements FirType {}

    /** Abstract reset: its kind (sync or async) is inferred by the compiler. */
    record ResetType() implements FirType {}

    record AsyncResetType() implements FirType {}

    record VecType(FirType element, int size) implements FirType {
        public VecType {
            if (size < 1) {
                throw new FirrtlException("type", "vector size must be >= 1, got " + size);
            }
        }
    }

    record BundleType(List<Field> fields) implements FirType {
        public BundleType {
            fields = List.copyOf(fields);
            if (fields.isEmpty()) {
                throw new FirrtlException("type", "a bundle needs at least one field");
            }
        }
    }

    /** A bundle field; {@code flip} reverses its direction relative to the bundle. */
    record Field(String name, boolean flip, FirType type) {}

    private static void checkWidth(int width, int min) {
        // Wider than this is legal FIRRTL but no generator of ours needs it; it catches overflowed arithmetic.
        if (width < min || width > 65_536) {
            throw new FirrtlException("type", "integer width must be in [" + min + ", 65536], got " + width);
        }
    }
}
