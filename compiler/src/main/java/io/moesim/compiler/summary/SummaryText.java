package io.moesim.compiler.summary;

import io.moesim.compiler.Pipeline;
import io.moesim.compiler.plan.DeviceMemory;
import java.util.Locale;
import java.util.Map;

/** The compile summary as plain text, for the terminal. */
public final class SummaryText {
    private SummaryText() {
    }

    public static String render(CompileSummary s) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "compiled %s for %s: %d device(s), %d tasks%n", s.model(), s.system(), s.devices(), s.tasks()));
        sb.append("options:");
        s.options().forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
        sb.append(String.format("%n%nper layer type (tasks per processor, all devices; link bytes per iteration):%n"));
        for (CompileSummary.LayerType lt : s.layerTypes()) {
            sb.append(String.format(Locale.ROOT, "  %-10s %s FLOP, %s DRAM, %s over links%n", lt.name(), si(lt.flops()), bytes(lt.dramBytes()),
                    bytes((long) lt.linkBytes())));
            for (Map.Entry<String, Map<String, Long>> e : lt.processors().entrySet()) {
                StringBuilder p = new StringBuilder();
                e.getValue().forEach((proc, n) -> p.append(p.length() == 0 ? "" : ", ").append(proc).append(" x").append(n));
                sb.append(String.format(Locale.ROOT, "    %-16s %s%n", e.getKey(), p));
            }
        }
        if (!s.opbHistogram().isEmpty()) {
            long max = s.opbHistogram().stream().mapToLong(CompileSummary.Bin::ops).max().orElse(1);
            sb.append(String.format("%nOp/B histogram (op executions per iteration, one device):%n"));
            for (CompileSummary.Bin b : s.opbHistogram()) {
                int bar = max == 0 ? 0 : (int) Math.round(40.0 * b.ops() / max);
                sb.append(String.format(Locale.ROOT, "  %9s %6d %s%n", b.label(), b.ops(), "#".repeat(bar)));
            }
        }
        sb.append(String.format("%nmemory per device (GB):%n"));
        for (DeviceMemory m : s.memory()) {
            sb.append(String.format(Locale.ROOT, "  device %-3d weights %7.2f  KV %7.2f  activations %6.2f  total %7.2f / %.0f%s%n", m.device(),
                    m.weightBytes() / 1e9, m.kvCacheBytes() / 1e9, m.activationBytes() / 1e9, m.totalBytes() / 1e9, m.capacityBytes() / 1e9,
                    m.fits() ? "" : "  DOES NOT FIT"));
        }
        sb.append(String.format("%npasses (ms):"));
        for (Pipeline.Timing t : s.timings()) {
            sb.append(String.format(Locale.ROOT, " %s %.1f", t.pass(), t.nanos() / 1e6));
        }
        sb.append(String.format("%n"));
        if (!s.notes().isEmpty()) {
            sb.append(String.format("%nnotes:%n"));
            for (String n : s.notes()) {
                sb.append("  ").append(n).append(String.format("%n"));
            }
        }
        return sb.toString();
    }

    static String bytes(long b) {
        return si(b) + "B";
    }

    static String si(long v) {
        double x = v;
        String[] units = {"", " k", " M", " G", " T", " P", " E"};
        int u = 0;
        while (Math.abs(x) >= 1000 && u < units.length - 1) {
            x /= 1000;
            u++;
        }
        return u == 0 ? Long.toString(v) + " " : String.format(Locale.ROOT, "%.2f%s", x, units[u]);
    }
}
