package io.moesim.validation.reference;

import io.moesim.ir.DType;

/**
 * Rounds fp32 values to what a 16-bit storage type can hold (round to nearest, ties to even), so the
 * reference sees the same inputs a GPU kernel reads from bf16/fp16 buffers. Math stays in fp32.
 */
public final class Rounding {
    private Rounding() {
    }

    /** bf16 bits of {@code f}: the top 16 bits of fp32, rounded to nearest even; NaN stays NaN. */
    public static short toBf16Bits(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7fff + lsb) >>> 16);
    }

    public static float fromBf16Bits(short b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    public static float bf16(float f) {
        return fromBf16Bits(toBf16Bits(f));
    }

    /** IEEE half bits of {@code f}, round to nearest even, overflow to infinity, subnormals kept (Java 17 has no Float.floatToFloat16). */
    public static short toFp16Bits(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1f) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            int m = mant | 0x800000;
            int shift = 14 - e;
            int half = m >>> shift;
            int rest = m & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rest > mid || (rest == mid && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >>> 13);
        int rest = mant & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++; // may carry into the exponent, which is the correct rounding (up to infinity)
        }
        return (short) (sign | half);
    }

    public static float fromFp16Bits(short h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    public static float fp16(float f) {
        return fromFp16Bits(toFp16Bits(f));
    }

    /** {@code f} as stored in {@code dtype}; fp32 (and anything wider than 16 bits) unchanged. */
    public static float round(float f, DType dtype) {
        return switch (dtype) {
            case BF16 -> bf16(f);
            case FP16 -> fp16(f);
            default -> f;
        };
    }

    public static float[] round(float[] a, DType dtype) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = round(a[i], dtype);
        }
        return out;
    }
}
