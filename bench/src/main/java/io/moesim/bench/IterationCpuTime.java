package io.moesim.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * The {@link IterationBenchmark} workload timed by the thread's CPU time, for figures that hold on a
 * shared, overloaded machine: CPU milliseconds per new iteration shape on each path, measured in
 * interleaved rounds so that the machine's load weighs on all three alike.
 * Run: {@code java -cp bench/target/benchmarks.jar io.moesim.bench.IterationCpuTime [ROUNDS [SYSTEM [DTYPE]]]}.
 */
public final class IterationCpuTime {
    private IterationCpuTime() {
    }

    public static void main(String[] args) {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        IterationBenchmark b = new IterationBenchmark();
        b.system = args.length > 1 ? args[1] : "duplex-x4";
        b.dtype = args.length > 2 ? args[2] : "";
        b.setup();
        for (int i = 0; i < 20; i++) {
            b.exact();
            b.exactEveryLayer();
            b.fast();
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int reps = 20;
        double[] cpu = new double[3];
        for (int r = 0; r < rounds; r++) {
            for (int path = 0; path < 3; path++) {
                long c0 = mx.getCurrentThreadCpuTime();
                for (int i = 0; i < reps; i++) {
                    switch (path) {
                        case 0 -> b.exactEveryLayer();
                        case 1 -> b.exact();
                        default -> b.fast();
                    }
                }
                cpu[path] += (mx.getCurrentThreadCpuTime() - c0) / 1e6;
            }
        }
        int n = rounds * reps;
        System.out.printf("CPU ms per new iteration shape (Mixtral-8x7B decode, 64 decodes, %s %s; %d shapes each):%n", b.system, b.dtype, n);
        System.out.printf("  exact, every layer simulated   %8.3f%n", cpu[0] / n);
        System.out.printf("  exact, layers extrapolated     %8.3f  (%.1fx less)%n", cpu[1] / n, cpu[0] / cpu[1]);
        System.out.printf("  fast (interpolated)            %8.3f%n", cpu[2] / n);
    }
}
