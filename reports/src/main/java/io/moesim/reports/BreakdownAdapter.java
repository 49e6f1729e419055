package io.moesim.reports;

import io.moesim.compiler.plan.Task;
import io.moesim.sim.system.ExecutionResult;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-layer-type time of one executed plan, as the mean over devices: compute per processor,
 * communication, and idle (the span of each layer on each device not covered by any of its tasks).
 * Work that overlaps counts in each of its categories, so a bar can be longer than the layer's span.
 */
public final class BreakdownAdapter {
    static final String COMMUNICATION = "communication";
    static final String IDLE = "idle";

    private BreakdownAdapter() {
    }

    public static List<LayerTimes> of(ExecutionResult executed) {
        List<Task> tasks = executed.plan().plan().tasks();
        int devices = Math.max(1, executed.plan().plan().devices());
        List<String> categories = new ArrayList<>();
        executed.plan().system().device().processors().keySet().forEach(p -> categories.add("compute " + p));
        categories.add(COMMUNICATION);
        categories.add(IDLE);
        // layer type -> category -> picoseconds summed over devices; (layer type, layer, device) -> intervals
        Map<String, Map<String, Long>> ps = new LinkedHashMap<>();
        Map<String, List<long[]>> spans = new LinkedHashMap<>();
        for (Task t : tasks) {
            long start = executed.startPs(t.id());
            long end = executed.endPs(t.id());
            Map<String, Long> cat = ps.computeIfAbsent(t.layerType(), k -> new LinkedHashMap<>());
            String c = t.isTransfer() ? COMMUNICATION : "compute " + t.processor();
            if (!categories.contains(c)) {
                categories.add(categories.size() - 2, c);
            }
            cat.merge(c, end - start, Long::sum);
            spans.computeIfAbsent(t.layerType() + "\u0000" + t.layer() + "\u0000" + t.device(), k -> new ArrayList<>())
                    .add(new long[] {start, end});
        }
        spans.forEach((key, intervals) -> ps.get(key.substring(0, key.indexOf('\u0000'))).merge(IDLE, idle(intervals), Long::sum));
        List<LayerTimes> out = new ArrayList<>();
        ps.forEach((type, cat) -> {
            Map<String, Double> seconds = new LinkedHashMap<>();
            for (String c : categories) {
                seconds.put(c, cat.getOrDefault(c, 0L) / 1e12 / devices);
            }
            out.add(new LayerTimes(type, seconds));
        });
        return out;
    }

    /** Span (first start to last end) minus the union of the intervals. */
    static long idle(List<long[]> intervals) {
        intervals.sort(Comparator.<long[]>comparingLong(a -> a[0]).thenComparingLong(a -> a[1]));
        long first = intervals.get(0)[0];
        long last = first;
        long covered = 0;
        long curStart = first;
        long curEnd = first;
        for (long[] iv : intervals) {
            if (iv[0] > curEnd) {
                covered += curEnd - curStart;
                curStart = iv[0];
                curEnd = iv[1];
            } else {
                curEnd = Math.max(curEnd, iv[1]);
            }
            last = Math.max(last, iv[1]);
        }
        covered += curEnd - curStart;
        return (last - first) - covered;
    }
}
