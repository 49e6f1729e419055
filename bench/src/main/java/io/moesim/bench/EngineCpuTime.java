package io.moesim.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The {@link EngineBenchmark} workload timed by the thread's CPU time instead of wall time, for a
 * figure that holds on a shared, overloaded machine: events per CPU-second.
 * Run: {@code java -cp bench/target/benchmarks.jar io.moesim.bench.EngineCpuTime}.
 */
public final class EngineCpuTime {
    private EngineCpuTime() {
    }

    public static void main(String[] args) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int pending : new int[] {64, 4096}) {
            EngineBenchmark b = new EngineBenchmark();
            b.pending = pending;
            for (int i = 0; i < 20; i++) {
                b.events();
            }
            int reps = 20;
            long cpu0 = mx.getCurrentThreadCpuTime();
            long wall0 = System.nanoTime();
            long events = 0;
            for (int i = 0; i < reps; i++) {
                events += b.events();
            }
            double cpu = (mx.getCurrentThreadCpuTime() - cpu0) / 1e9;
            double wall = (System.nanoTime() - wall0) / 1e9;
            System.out.printf("pending=%d events=%d  %.2f M events per CPU-second  %.2f M events per wall-second%n", pending, events,
                    events / cpu / 1e6, events / wall / 1e6);
        }
    }
}
