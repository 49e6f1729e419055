package io.moesim.sim.system;

import io.moesim.sim.SimulationException;
import io.moesim.sim.engine.Component;
import io.moesim.sim.engine.Engine;
import it.unimi.dsi.fastutil.ints.IntArrayList;
import it.unimi.dsi.fastutil.ints.IntHeapPriorityQueue;
import java.util.Arrays;

/**
 * Runs a {@link PreparedPlan} event by event.
 *
 * <p>Processor sharing: each processor of each device is one server. Its streams are in-order queues
 * that feed it; when it is free it starts the ready task with the lowest id (the compiler's order is
 * the priority), so two compute streams on one processor time-share it task by task and never run
 * faster together than apart (a kernel already fills the engines; concurrent kernels would only
 * split them). Different processors of a device (xPU and Logic-PIM) run in parallel, and transfers
 * run on the device's link ports (DMA/copy engines) in parallel with compute: overlap comes only from
 * the dependencies and this structure. Concurrent processors are not charged for sharing HBM
 * (Duplex gives them disjoint bank-bundle sections).
 *
 * <p>Links: each device has an intra-node and an inter-node port. A collective holds the ports of all
 * its members from start to end; instances that need a held port wait and start in the order they
 * became ready.
 */
public final class PlanExecutor implements Component {
    private static final int TASK_DONE = 0;
    private static final int COLLECTIVE_DONE = 1;
    /** A device-initiated put's ports free before its data lands (the link latency is flight, not occupancy). */
    private static final int PORTS_FREE = 2;

    private final PreparedPlan p;
    private final int[] remaining;
    private final long[] start;
    private final long[] end;
    private final IntHeapPriorityQueue[] readyQueue;
    private final int[] running;
    private final long[] busy;
    private final int[] arrived;
    private final long[] portBusy;
    private final boolean[] portHeld;
    private final IntArrayList waiting = new IntArrayList();
    private int done;

    private PlanExecutor(PreparedPlan plan) {
        this.p = plan;
        int n = plan.taskCount();
        remaining = Arrays.copyOf(plan.depCount, n);
        start = new long[n];
        end = new long[n];
        Arrays.fill(start, -1);
        Arrays.fill(end, -1);
        int nr = plan.resourceCount();
        readyQueue = new IntHeapPriorityQueue[nr];
        for (int r = 0; r < nr; r++) {
            readyQueue[r] = new IntHeapPriorityQueue();
        }
        running = new int[nr];
        Arrays.fill(running, -1);
        busy = new long[nr];
        arrived = new int[plan.instanceCount()];
        portBusy = new long[plan.portCount()];
        portHeld = new boolean[plan.portCount()];
    }

    /** Runs the plan from time 0 on a fresh engine. */
    public static ExecutionResult run(PreparedPlan plan) {
        // At most one pending event per task is typical; the engine grows past that. Sized to the plan, not the
        // engine's default 1024 slots: a serving run executes thousands of small plans (issue 16).
        return run(plan, new Engine(Math.min(1024, plan.taskCount() + 16)));
    }

    /** Runs the plan on {@code engine}, which must be empty; time starts at the engine's now. */
    public static ExecutionResult run(PreparedPlan plan, Engine engine) {
        PlanExecutor x = new PlanExecutor(plan);
        long t0 = engine.now();
        for (int t = 0; t < plan.taskCount(); t++) {
            if (x.remaining[t] == 0) {
                x.ready(engine, t);
            }
        }
        engine.run();
        if (x.done != plan.taskCount()) {
            int stuck = -1;
            for (int t = 0; t < plan.taskCount(); t++) {
                if (x.end[t] < 0) {
                    stuck = t;
                    break;
                }
            }
            throw new SimulationException(engine.now(), "plan executor", (plan.taskCount() - x.done)
                    + " task(s) never ran (first: task " + stuck + " '" + plan.plan().tasks().get(stuck).name()
                    + "'): a collective's members never all became ready");
        }
        if (t0 != 0) {
            for (int t = 0; t < plan.taskCount(); t++) {
                x.start[t] -= t0;
                x.end[t] -= t0;
            }
        }
        long makespan = 0;
        for (long e : x.end) {
            makespan = Math.max(makespan, e);
        }
        return new ExecutionResult(plan, x.start, x.end, makespan, x.busy, x.portBusy, engine.eventsProcessed());
    }

    private void ready(Engine engine, int t) {
        int r = p.resource[t];
        if (r >= 0) {
            if (running[r] < 0) {
                startCompute(engine, r, t);
            } else {
                readyQueue[r].enqueue(t);
            }
            return;
        }
        int inst = -1 - r;
        if (++arrived[inst] == p.instanceMembers[inst]) {
            if (!tryStart(engine, inst)) {
                waiting.add(inst);
            }
        }
    }

    private void startCompute(Engine engine, int r, int t) {
        running[r] = t;
        start[t] = engine.now();
        engine.schedule(p.duration[t], this, TASK_DONE, t);
    }

    private boolean tryStart(Engine engine, int inst) {
        int[] ports = p.instancePorts[inst];
        for (int port : ports) {
            if (portHeld[port]) {
                return false;
            }
        }
        long d = p.instanceCost[inst].durationPs();
        long held = p.instancePortPs[inst];
        for (int port : ports) {
            portHeld[port] = true;
            portBusy[port] += held;
        }
        for (int t : p.instanceTasks[inst]) {
            start[t] = engine.now();
        }
        if (held < d) {
            engine.schedule(held, this, PORTS_FREE, inst);
        }
        engine.schedule(d, this, COLLECTIVE_DONE, inst);
        return true;
    }

    @Override
    public void handle(Engine engine, int kind, long arg) {
        if (kind == TASK_DONE) {
            int t = (int) arg;
            int r = p.resource[t];
            busy[r] += p.duration[t];
            finish(engine, t);
            running[r] = -1;
            if (!readyQueue[r].isEmpty()) {
                startCompute(engine, r, readyQueue[r].dequeueInt());
            }
        } else {
            int inst = (int) arg;
            boolean portsStillHeld = p.instancePortPs[inst] >= p.instanceCost[inst].durationPs();
            if (kind == PORTS_FREE || portsStillHeld) {
                for (int port : p.instancePorts[inst]) {
                    portHeld[port] = false;
                }
            }
            if (kind == COLLECTIVE_DONE) {
                for (int t : p.instanceTasks[inst]) {
                    finish(engine, t);
                }
            }
            for (int i = 0; i < waiting.size(); ) {
                if (tryStart(engine, waiting.getInt(i))) {
                    waiting.removeInt(i);
                } else {
                    i++;
                }
            }
        }
    }

    private void finish(Engine engine, int t) {
        end[t] = engine.now();
        done++;
        for (int i = p.succStart[t]; i < p.succStart[t + 1]; i++) {
            int s = p.succ[i];
            if (--remaining[s] == 0) {
                ready(engine, s);
            }
        }
    }

    @Override
    public String name() {
        return "plan " + p.plan().model() + " on " + p.plan().system();
    }
}
