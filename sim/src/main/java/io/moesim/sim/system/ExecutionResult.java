package io.moesim.sim.system;

import io.moesim.compiler.plan.Task;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * What one execution of a plan did: start and end of every task (ps from the iteration's start),
 * busy time of every processor and link port, and the makespan.
 */
public final class ExecutionResult {
    private final PreparedPlan plan;
    private final long[] start;
    private final long[] end;
    private final long makespanPs;
    private final long[] resourceBusyPs;
    private final long[] portBusyPs;
    private final long events;

    ExecutionResult(PreparedPlan plan, long[] start, long[] end, long makespanPs, long[] resourceBusyPs, long[] portBusyPs, long events) {
        this.plan = plan;
        this.start = start;
        this.end = end;
        this.makespanPs = makespanPs;
        this.resourceBusyPs = resourceBusyPs;
        this.portBusyPs = portBusyPs;
        this.events = events;
    }

    public PreparedPlan plan() {
        return plan;
    }

    public long makespanPs() {
        return makespanPs;
    }

    public long startPs(int task) {
        return start[task];
    }

    public long endPs(int task) {
        return end[task];
    }

    public long events() {
        return events;
    }

    /** Busy time of processor resource r (see {@link PreparedPlan#resourceName}). */
    public long resourceBusyPs(int r) {
        return resourceBusyPs[r];
    }

    /** Busy time of link port i: 2d is device d's intra-node port, 2d+1 its inter-node port. */
    public long portBusyPs(int port) {
        return portBusyPs[port];
    }

    /** Busy picoseconds summed over devices, by processor name (sorted). */
    public Map<String, Long> busyByProcessor() {
        Map<String, Long> m = new TreeMap<>();
        for (int r = 0; r < resourceBusyPs.length; r++) {
            m.merge(plan.resourceProcessor(r), resourceBusyPs[r], Long::sum);
        }
        return m;
    }

    /** Busy picoseconds summed over devices: "intra_node" and "inter_node". */
    public Map<String, Long> busyByLink() {
        Map<String, Long> m = new TreeMap<>();
        long intra = 0;
        long inter = 0;
        for (int i = 0; i < portBusyPs.length; i++) {
            if (i % PreparedPlan.PORTS_PER_DEVICE == 0) {
                intra += portBusyPs[i];
            } else {
                inter += portBusyPs[i];
            }
        }
        m.put("intra_node", intra);
        m.put("inter_node", inter);
        return m;
    }

    /** Sum of task FLOPs. */
    public long flops() {
        long f = 0;
        for (Task t : plan.plan().tasks()) {
            f += t.flops();
        }
        return f;
    }

    public long[] startsPs() {
        return Arrays.copyOf(start, start.length);
    }

    public long[] endsPs() {
        return Arrays.copyOf(end, end.length);
    }
}
