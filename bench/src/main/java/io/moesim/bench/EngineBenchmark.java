package io.moesim.bench;

import io.moesim.sim.engine.Component;
import io.moesim.sim.engine.Engine;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Events per second of the discrete-event engine: {@code pending} events in flight, each firing
 * schedules the next with a pseudo-random delay, so every event is one heap removal and one
 * insertion. The score is events/s (target: 5 million or more).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EngineBenchmark {
    static final int EVENTS = 1_000_000;

    @Param({"64", "4096"})
    public int pending;

    /** Reschedules itself with a xorshift delay until the event budget is spent. */
    static final class Ping implements Component {
        long state = 0x9E3779B97F4A7C15L;
        int left;

        @Override
        public void handle(Engine engine, int kind, long arg) {
            if (--left > 0) {
                long x = state;
                x ^= x << 13;
                x ^= x >>> 7;
                x ^= x << 17;
                state = x;
                engine.schedule((x & 0xFFFF) + 1, this, kind, arg + 1);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(EVENTS)
    public long events() {
        Engine e = new Engine(pending * 2);
        Ping p = new Ping();
        p.left = EVENTS - pending + 1;
        for (int i = 0; i < pending; i++) {
            e.scheduleAt(i, p, 0, i);
        }
        e.run();
        return e.eventsProcessed();
    }
}
