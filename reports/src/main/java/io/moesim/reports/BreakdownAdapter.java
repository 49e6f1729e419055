package io.moesim.reports;

import io.moesim.compiler.plan.Task;
import io.moesim.sim.system.ExecutionResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Per-layer-type wall time of one executed plan, as the mean over devices. Each device's timeline
 * is cut at every task start and end; each piece goes to what runs in it: one processor's
 * compute, communication, or, where several run at the same time, one "concurrent A + B"
 * category, so time that overlaps is counted once. Where tasks of several layer types run at the
 * same time the piece is split evenly between them; a piece where nothing runs inside a layer's
 * span (first start to last end of that layer on that device) is that layer type's idle time.
 * Every piece is counted at most once, so the bars of all layer types together never exceed the
 * iteration's makespan.
 */
public final class BreakdownAdapter {
    static final String COMMUNICATION = "communication";
    static final String IDLE = "idle";
    static final String CONCURRENT = "concurrent ";

    private BreakdownAdapter() {
    }

    public static List<LayerTimes> of(ExecutionResult executed) {
        List<Task> tasks = executed.plan().plan().tasks();
        int devices = Math.max(1, executed.plan().plan().devices());
        // The base categories, in a fixed order: each one's bit in an activity mask is its index.
        List<String> base = new ArrayList<>();
        executed.plan().system().device().processors().keySet().forEach(p -> base.add("compute " + p));
        base.add(COMMUNICATION);
        for (Task t : tasks) {
            String c = category(t);
            if (!base.contains(c)) {
                base.add(base.size() - 1, c);
            }
        }
        if (base.size() > 62) {
            throw new ReportException("too many processors for a breakdown: " + base.size());
        }
        List<String> types = new ArrayList<>();
        Map<String, Integer> typeIndex = new LinkedHashMap<>();
        for (Task t : tasks) {
            typeIndex.computeIfAbsent(t.layerType(), k -> {
                types.add(k);
                return types.size() - 1;
            });
        }
        // layer type -> activity mask (or IDLE_MASK) -> picoseconds summed over devices
        List<Map<Long, Double>> ps = new ArrayList<>();
        types.forEach(t -> ps.add(new TreeMap<>()));
        Map<Integer, List<Task>> byDevice = new TreeMap<>();
        for (Task t : tasks) {
            byDevice.computeIfAbsent(t.device(), k -> new ArrayList<>()).add(t);
        }
        for (List<Task> deviceTasks : byDevice.values()) {
            sweep(executed, deviceTasks, base, typeIndex, ps);
        }
        List<String> combos = new ArrayList<>();
        ps.forEach(m -> m.keySet().stream().filter(k -> k != IDLE_MASK && Long.bitCount(k) > 1).forEach(k -> {
            String name = comboName(k, base);
            if (!combos.contains(name)) {
                combos.add(name);
            }
        }));
        List<String> categories = new ArrayList<>(base);
        categories.addAll(combos);
        categories.add(IDLE);
        List<LayerTimes> out = new ArrayList<>();
        for (int i = 0; i < types.size(); i++) {
            Map<String, Double> seconds = new LinkedHashMap<>();
            categories.forEach(c -> seconds.put(c, 0.0));
            for (Map.Entry<Long, Double> e : ps.get(i).entrySet()) {
                long k = e.getKey();
                String c = k == IDLE_MASK ? IDLE : Long.bitCount(k) == 1 ? base.get(Long.numberOfTrailingZeros(k)) : comboName(k, base);
                seconds.merge(c, e.getValue() / 1e12 / devices, Double::sum);
            }
            out.add(new LayerTimes(types.get(i), seconds));
        }
        return out;
    }

    private static final long IDLE_MASK = -1L;

    private static String category(Task t) {
        return t.isTransfer() ? COMMUNICATION : "compute " + t.processor();
    }

    private static String comboName(long mask, List<String> base) {
        List<String> parts = new ArrayList<>();
        for (int b = 0; b < base.size(); b++) {
            if ((mask & (1L << b)) != 0) {
                String c = base.get(b);
                parts.add(c.startsWith("compute ") ? c.substring("compute ".length()) : c);
            }
        }
        return CONCURRENT + String.join(" + ", parts);
    }

    /**
     * One device's timeline, cut at every event. Events: task start/end (a category of a layer
     * type becomes active/inactive) and layer span open/close (for idle time).
     */
    private static void sweep(ExecutionResult ex, List<Task> tasks, List<String> base, Map<String, Integer> typeIndex,
            List<Map<Long, Double>> ps) {
        int nTypes = typeIndex.size();
        int nCats = base.size();
        // event: time, kind (0 task end, 1 span close, 2 span open, 3 task start: ends before starts at one instant), type, cat
        List<long[]> events = new ArrayList<>();
        Map<String, long[]> spans = new LinkedHashMap<>();
        for (Task t : tasks) {
            long s = ex.startPs(t.id());
            long e = ex.endPs(t.id());
            int type = typeIndex.get(t.layerType());
            if (e > s) {
                int cat = base.indexOf(category(t));
                events.add(new long[] {s, 3, type, cat});
                events.add(new long[] {e, 0, type, cat});
            }
            spans.merge(t.layerType() + "\u0000" + t.layer(), new long[] {s, e, type},
                    (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1]), a[2]});
        }
        for (long[] sp : spans.values()) {
            if (sp[1] > sp[0]) {
                events.add(new long[] {sp[0], 2, sp[2], -1});
                events.add(new long[] {sp[1], 1, sp[2], -1});
            }
        }
        events.sort(Comparator.<long[]>comparingLong(a -> a[0]).thenComparingLong(a -> a[1]));
        int[][] active = new int[nTypes][nCats];
        int[] activeTasks = new int[nTypes];
        int[] openSpans = new int[nTypes];
        long prev = events.isEmpty() ? 0 : events.get(0)[0];
        for (long[] ev : events) {
            long now = ev[0];
            if (now > prev) {
                attribute(now - prev, active, activeTasks, openSpans, ps);
                prev = now;
            }
            int type = (int) ev[2];
            switch ((int) ev[1]) {
                case 3 -> {
                    active[type][(int) ev[3]]++;
                    activeTasks[type]++;
                }
                case 0 -> {
                    active[type][(int) ev[3]]--;
                    activeTasks[type]--;
                }
                case 2 -> openSpans[type]++;
                default -> openSpans[type]--;
            }
        }
    }

    private static void attribute(long d, int[][] active, int[] activeTasks, int[] openSpans, List<Map<Long, Double>> ps) {
        int busyTypes = (int) Arrays.stream(activeTasks).filter(n -> n > 0).count();
        if (busyTypes > 0) {
            double share = (double) d / busyTypes;
            for (int t = 0; t < activeTasks.length; t++) {
                if (activeTasks[t] > 0) {
                    long mask = 0;
                    for (int c = 0; c < active[t].length; c++) {
                        if (active[t][c] > 0) {
                            mask |= 1L << c;
                        }
                    }
                    ps.get(t).merge(mask, share, Double::sum);
                }
            }
            return;
        }
        int open = (int) Arrays.stream(openSpans).filter(n -> n > 0).count();
        if (open > 0) {
            double share = (double) d / open;
            for (int t = 0; t < openSpans.length; t++) {
                if (openSpans[t] > 0) {
                    ps.get(t).merge(IDLE_MASK, share, Double::sum);
                }
            }
        }
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
