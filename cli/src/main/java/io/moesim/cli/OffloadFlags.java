package io.moesim.cli;

import io.moesim.hw.MemoryTier;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.MoesimException;
import io.moesim.sim.offload.OffloadSpec;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code --hbm-budget}, {@code --offload} and {@code --offload-policy}. */
final class OffloadFlags {
    private static final Pattern SIZE = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*(B|KB|MB|GB|TB|KIB|MIB|GIB|TIB)?");

    private OffloadFlags() {
    }

    /** Null when neither a budget nor a tier is given. */
    static OffloadSpec parse(String budget, String tier, String policy, SystemSpec system) {
        if (budget == null && tier == null) {
            return null;
        }
        long bytes = budget == null ? (long) system.device().memory().reportedBytes() : size(budget);
        OffloadSpec.Policy p;
        try {
            p = OffloadSpec.Policy.parse(policy);
        } catch (IllegalArgumentException e) {
            throw new MoesimException("--offload-policy: " + e.getMessage());
        }
        MemoryTier t = MemoryTier.load(tier == null ? "host" : tier);
        return new OffloadSpec(bytes, t, p);
    }

    /** Bytes of "24GB" (10^9), "40GiB" (2^30), "512MB", ... ; a bare number is bytes. */
    static long size(String s) {
        Matcher m = SIZE.matcher(s.trim().toUpperCase(Locale.ROOT));
        if (!m.matches()) {
            throw new MoesimException("--hbm-budget: '" + s + "' is not a size (e.g. 24GB, 40GiB)");
        }
        double v = Double.parseDouble(m.group(1));
        String u = m.group(2) == null ? "B" : m.group(2);
        double mult = switch (u) {
            case "KB" -> 1e3;
            case "MB" -> 1e6;
            case "GB" -> 1e9;
            case "TB" -> 1e12;
            case "KIB" -> 1024.0;
            case "MIB" -> 1024.0 * 1024;
            case "GIB" -> 1024.0 * 1024 * 1024;
            case "TIB" -> 1024.0 * 1024 * 1024 * 1024;
            default -> 1;
        };
        double b = v * mult;
        if (!(b >= 1) || b > 1e15) {
            throw new MoesimException("--hbm-budget: '" + s + "' must be between 1 byte and 1 PB");
        }
        return (long) b;
    }
}
