package io.moesim.validation.trace;

import java.util.Locale;

/**
 * Turns a reported figure into microseconds, with the arithmetic written out so the trace shows how
 * a rate became a time. A rate is converted with the FLOP or byte count its source divided by:
 *
 * <ul>
 *   <li>{@code TFLOPS}, convention {@code ir} (default): the IR op's FLOPs (2·m·n·k for a GEMM);
 *       convention {@code flash-attn}: FlashAttention's benchmark count
 *       4·batch·heads·head_dim·q_len·kv_len, halved when causal;</li>
 *   <li>{@code GBps}: convention {@code read+write} counts a copy's bytes twice (read and written),
 *       {@code ir} the IR op's minimum DRAM traffic;</li>
 *   <li>{@code busbw_GBps}: nccl-tests' bus bandwidth, time = size·f / busbw with f = 2(g−1)/g for
 *       all-reduce and (g−1)/g for all-gather, reduce-scatter and all-to-all;
 *       {@code algbw_GBps}: time = size / algbw.</li>
 * </ul>
 */
public final class Conversion {
    private Conversion() {
    }

    /** Microseconds and the formula that produced them. */
    public record Result(double us, String formula) {
    }

    public static Result toMicros(OpForm op, Reported r) {
        double v = r.value();
        switch (r.unit()) {
            case US:
                return new Result(v, "reported time");
            case MS:
                return new Result(v * 1e3, "reported ms x 1000");
            case TFLOPS: {
                double flops = flops(op, r.convention());
                return new Result(flops / (v * 1e12) * 1e6, String.format(Locale.ROOT, "%s FLOP (%s) / %s TFLOP/s",
                        sci(flops), conventionName(op, r.convention()), trim(v)));
            }
            case GBPS: {
                double bytes = bytes(op, r.convention());
                return new Result(bytes / (v * 1e9) * 1e6, String.format(Locale.ROOT, "%s B (%s) / %s GB/s", sci(bytes),
                        r.convention().isEmpty() ? "ir" : r.convention(), trim(v)));
            }
            case BUSBW_GBPS: {
                double size = op.getLong("bytes");
                int g = Math.toIntExact(op.getLong("group"));
                double f = op.kind().equals("all-reduce") ? 2.0 * (g - 1) / g : (double) (g - 1) / g;
                return new Result(size * f / (v * 1e9) * 1e6, String.format(Locale.ROOT,
                        "%s B x %s (nccl-tests bus factor, g=%d) / %s GB/s busbw", sci(size), trim(f), g, trim(v)));
            }
            case ALGBW_GBPS: {
                double size = op.getLong("bytes");
                return new Result(size / (v * 1e9) * 1e6, String.format(Locale.ROOT, "%s B / %s GB/s algbw", sci(size), trim(v)));
            }
            default:
                throw new IllegalStateException();
        }
    }

    static double flops(OpForm op, String convention) {
        if (convention.equals("flash-attn")) {
            if (!op.kind().equals("attention")) {
                throw new IllegalArgumentException("convention flash-attn applies to attention only");
            }
            long kv = op.getLong("kv_len");
            long q = op.getLong("q_len", kv);
            boolean causal = op.getBool("causal", q > 1);
            double f = 4.0 * op.getLong("batch") * op.getLong("heads") * op.getLong("head_dim") * q * kv;
            return causal ? f / 2 : f;
        }
        if (!convention.isEmpty() && !convention.equals("ir") && !convention.equals("2mnk")) {
            throw new IllegalArgumentException("unknown FLOP convention '" + convention + "' (expected ir, 2mnk, flash-attn)");
        }
        IrOps.Applied a = IrOps.apply(op).orElseThrow(() -> new IllegalArgumentException(op.kind() + " has no FLOPs; report it in GBps or us"));
        return a.flops();
    }

    static double bytes(OpForm op, String convention) {
        if (op.kind().equals("memcpy")) {
            long b = op.getLong("bytes");
            if (convention.equals("read+write")) {
                return 2.0 * b;
            }
            if (convention.isEmpty() || convention.equals("size")) {
                return b;
            }
            throw new IllegalArgumentException("unknown byte convention '" + convention + "' for memcpy (expected read+write or size)");
        }
        if (!convention.isEmpty() && !convention.equals("ir")) {
            throw new IllegalArgumentException("unknown byte convention '" + convention + "' (expected ir)");
        }
        return IrOps.apply(op).orElseThrow().trafficBytes();
    }

    private static String conventionName(OpForm op, String c) {
        return c.isEmpty() ? "ir" : c;
    }

    static String sci(double d) {
        return String.format(Locale.ROOT, "%.4g", d);
    }

    static String trim(double d) {
        String s = String.format(Locale.ROOT, "%.6g", d);
        return s.contains(".") && !s.contains("e") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
    }
}
