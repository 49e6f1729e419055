package io.moesim.ir;

import java.util.Locale;

/**
 * How an expert's weights are stored: bits per weight (exact to a thousandth of a bit, so that
 * ternary 1.58-bit and sub-1-bit codebooks are representable) and the vector instructions per
 * weight that turn a stored weight into the compute dtype before the matrix units use it.
 *
 * <p>Bits per weight include the format's block scales where the format defines them:
 * <ul>
 *   <li>{@code int8}: 8 bits (per-channel scale, negligible); {@code int4}: 4 bits (group scales
 *       left out; give {@code --expert-bits 4.125} for int4 with an fp16 scale per 128 weights);</li>
 *   <li>{@code nvfp4}: 4.5 bits = 4-bit E2M1 + one FP8 E4M3 scale per 16 values (NVIDIA, "Introducing
 *       NVFP4 for Efficient and Accurate Low-Precision Inference", 2025);</li>
 *   <li>{@code mxfp4} (alias {@code fp4}): 4.25 bits = 4-bit E2M1 + one 8-bit E8M0 scale per 32 values
 *       (OCP Microscaling Formats (MX) Specification v1.0, 2023);</li>
 *   <li>{@code ternary}: 1.6 bits = 5 trits per byte (3^5 = 243 &le; 256); {@code --expert-bits 1.58}
 *       gives the information bound log2(3) of BitNet b1.58 (Ma et al., arXiv 2402.17764);</li>
 *   <li>a number of bits, e.g. {@code 0.8}: QMoE's sub-1-bit codebook (Frantar and Alistarh, arXiv
 *       2310.16795: SwitchTransformer-c2048, 1.6 T parameters in under 160 GB, "0.8 bits per parameter").</li>
 * </ul>
 *
 * <p><b>Dequantisation instructions per weight</b> (lane instructions; an FMA is one), counted from
 * each format's decode arithmetic, not measured: int8 2 (convert, scale multiply); int4 4 (shift,
 * mask, convert, FMA with scale and zero); nvfp4/mxfp4 3 (shift/mask, E2M1 lookup, scale multiply);
 * ternary 3 (table lookup of 5 trits per byte, select, scale multiply); a codebook (&le; 1 bit) 2
 * (codebook lookup, scale multiply); other integer widths 4 as int4. Kernels that convert two
 * weights per instruction (half2 tricks, as Marlin does) need about half of this, so these counts
 * are an upper side. A plain floating dtype needs 0 instructions when it is the compute dtype and
 * 1 (a convert) otherwise.
 *
 * @param name          the format's name ("int4", "nvfp4", "b0.8" for a number of bits)
 * @param milliBits     bits per weight × 1000
 * @param dequantInstructions lane instructions per weight to decode it (for a plain dtype: when it is not the compute dtype)
 * @param plain         the dtype when the format is a plain floating dtype (no decode beyond a convert), else null
 */
public record WeightFormat(String name, long milliBits, int dequantInstructions, DType plain) {

    /** At most this many bits per weight (fp32). */
    public static final long MAX_MILLI_BITS = 32_000;

    public WeightFormat {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("weight format: a name is required");
        }
        if (milliBits <= 0 || milliBits > MAX_MILLI_BITS) {
            throw new IllegalArgumentException("weight format " + name + ": bits per weight must be in (0, 32], got " + milliBits / 1000.0);
        }
        if (dequantInstructions < 0) {
            throw new IllegalArgumentException("weight format " + name + ": dequantisation instructions must be >= 0");
        }
    }

    public static final WeightFormat INT8 = new WeightFormat("int8", 8000, 2, null);
    public static final WeightFormat INT4 = new WeightFormat("int4", 4000, 4, null);
    public static final WeightFormat NVFP4 = new WeightFormat("nvfp4", 4500, 3, null);
    public static final WeightFormat MXFP4 = new WeightFormat("mxfp4", 4250, 3, null);
    public static final WeightFormat TERNARY = new WeightFormat("ternary", 1600, 3, null);

    /** A plain dtype's format (what every weight uses unless told otherwise). */
    public static WeightFormat of(DType d) {
        if (d == DType.INT8) {
            return INT8;
        }
        if (d == DType.INT4) {
            return INT4;
        }
        return new WeightFormat(d.text(), d.bits() * 1000L, d.isFloating() ? 1 : 4, d.isFloating() ? d : null);
    }

    /** A format of {@code bits} per weight (a codebook at or under 1 bit, an integer code above). */
    public static WeightFormat bits(double bits) {
        if (!(bits > 0) || bits > 32 || Double.isNaN(bits)) {
            throw new IllegalArgumentException("bits per weight must be in (0, 32], got " + bits);
        }
        long milli = Math.round(bits * 1000);
        if (milli <= 0) {
            throw new IllegalArgumentException("bits per weight must be at least 0.001, got " + bits);
        }
        String text = trim(milli);
        return new WeightFormat("b" + text, milli, milli <= 1000 ? 2 : 4, null);
    }

    /** A format by name (int8, int4, nvfp4, mxfp4 = fp4, ternary, or any dtype) or a number of bits. */
    public static WeightFormat parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "int8":
                return INT8;
            case "int4":
                return INT4;
            case "nvfp4":
                return NVFP4;
            case "mxfp4":
            case "fp4":
                return MXFP4;
            case "ternary":
            case "int2":
                return t.equals("ternary") ? TERNARY : new WeightFormat("int2", 2000, 4, null);
            default:
                break;
        }
        String num = t.startsWith("b") ? t.substring(1) : t;
        if (!num.isEmpty() && (Character.isDigit(num.charAt(0)) || num.charAt(0) == '.')) {
            double v;
            try {
                v = Double.parseDouble(num);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("unknown weight format '" + s + "'");
            }
            return bits(v);
        }
        try {
            return of(DType.parse(t));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown weight format '" + s
                    + "' (expected int8, int4, nvfp4, mxfp4, fp4, ternary, int2, a dtype such as bf16 or fp8e4m3, or bits per weight such as 1.58)");
        }
    }

    public double bitsPerWeight() {
        return milliBits / 1000.0;
    }

    /** Bytes per weight (a fraction for sub-byte formats). */
    public double bytesPerWeight() {
        return milliBits / 8000.0;
    }

    /** Exact byte size of {@code elements} weights packed densely: ceil(elements × bits / 8). */
    public long bytesFor(long elements) {
        if (elements < 0) {
            throw new ArithmeticException("negative element count " + elements + " (a size overflowed)");
        }
        long q = elements / 8000;
        long r = elements % 8000;
        return Math.addExact(Math.multiplyExact(q, milliBits), (r * milliBits + 7999) / 8000);
    }

    /** Lane instructions per weight to turn a stored weight into {@code compute}. */
    public int dequantInstructions(DType compute) {
        if (plain != null) {
            return plain == compute ? 0 : dequantInstructions;
        }
        return dequantInstructions;
    }

    /** True for a plain floating dtype's format (the graph's default). */
    public boolean isPlain() {
        return plain != null;
    }

    private static String trim(long milli) {
        String s = String.format(Locale.ROOT, "%d.%03d", milli / 1000, milli % 1000);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    @Override
    public String toString() {
        return name;
    }
}
