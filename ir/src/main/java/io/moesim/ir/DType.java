package io.moesim.ir;

import java.util.Locale;

/**
 * Element types. Sizes are in bits so that sub-byte types (int4) are exact: a tensor's byte size is
 * {@code ceil(elements * bits / 8)}, never elements times a rounded-up byte count.
 */
public enum DType {
    FP32("fp32", 32, true),
    BF16("bf16", 16, true),
    FP16("fp16", 16, true),
    FP8_E4M3("fp8e4m3", 8, true),
    FP8_E5M2("fp8e5m2", 8, true),
    INT32("int32", 32, false),
    INT8("int8", 8, false),
    INT4("int4", 4, false);

    private final String text;
    private final int bits;
    private final boolean floating;

    DType(String text, int bits, boolean floating) {
        this.text = text;
        this.bits = bits;
        this.floating = floating;
    }

    /** The name used in .moeir text, YAML specs and on the command line. */
    public String text() {
        return text;
    }

    public int bits() {
        return bits;
    }

    public boolean isFloating() {
        return floating;
    }

    /** An 8-bit floating type (fp8e4m3, fp8e5m2). */
    public boolean isFloat8() {
        return floating && bits == 8;
    }

    /**
     * The dtype math on a value of this dtype runs in beside an operand of {@code narrow}: {@code narrow} where it is 8-bit
     * floating and this is 16-bit floating (a serving stack quantises its bf16 activation for fp8 weights or an fp8 KV cache),
     * else this.
     */
    public DType quantisedFor(DType narrow) {
        return floating && bits == 16 && narrow.isFloat8() ? narrow : this;
    }

    /** Exact byte size of {@code elements} packed values (rounded up to a whole byte). */
    public long bytesFor(long elements) {
        if (elements < 0) {
            throw new ArithmeticException("negative element count " + elements + " (a size overflowed)");
        }
        return Math.addExact(Math.multiplyExact(elements, (long) bits), 7L) / 8L;
    }

    /** Parses a dtype name; accepts the canonical text and a few common aliases (fp8 = fp8e4m3). */
    public static DType parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "fp8":
            case "fp8_e4m3":
            case "e4m3":
                return FP8_E4M3;
            case "fp8_e5m2":
            case "e5m2":
                return FP8_E5M2;
            case "float32":
                return FP32;
            case "bfloat16":
                return BF16;
            case "float16":
            case "half":
                return FP16;
            default:
                for (DType d : values()) {
                    if (d.text.equals(t)) {
                        return d;
                    }
                }
                throw new IllegalArgumentException("unknown dtype '" + s + "' (expected one of fp32, bf16, fp16, fp8e4m3, fp8e5m2, int32, int8, int4)");
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
