package io.moesim.sim.kernel.dram;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.moesim.hw.MemorySpec;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * The DRAM model's speed on the reference streams, in requests and simulated clock cycles per CPU
 * second of this thread (so a busy machine moves it less than wall time). Runs only with
 * {@code -Dmoesim.bench=true}:
 * {@code mvn -q -B -pl sim -am test -Dtest=DramSpeedBenchmarkTest -Dmoesim.bench=true -Dsurefire.failIfNoSpecifiedTests=false}.
 * The peers, per CPU second on the same streams (shared/reference/dram-peers): at most 0.25 M
 * requests (Ramulator 2.0, sequential) and 0.05-0.10 M on random streams.
 */
class DramSpeedBenchmarkTest {
    @Test
    void requestsAndCyclesPerCpuSecond() {
        assumeTrue(Boolean.getBoolean("moesim.bench"));
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        MemorySpec m = DramPeerReferenceTest.spec("equal-1sid");
        double tckPs = m.timing().tCKps();
        for (int rep = 0; rep < 2; rep++) { // the first pass warms the JIT
            for (String stream : new String[] {"seq", "rand32", "rand64", "mix", "triad"}) {
                long t0 = mx.getCurrentThreadCpuTime();
                DramStats s = DramPeerReferenceTest.run(m, stream);
                double cpu = (mx.getCurrentThreadCpuTime() - t0) / 1e9;
                if (rep == 1) {
                    System.out.printf(Locale.ROOT, "dram speed %-7s %,12.0f requests/CPU-s %,14.0f cycles/CPU-s%n", stream,
                            s.requests() / cpu, s.finishPs() / tckPs / cpu);
                }
            }
        }
    }
}
