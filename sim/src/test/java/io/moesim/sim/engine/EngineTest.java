package io.moesim.sim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.moesim.sim.SimulationException;
import it.unimi.dsi.fastutil.longs.LongArrayList;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EngineTest {

    /** Records (time, arg) of every event it receives. */
    private static final class Recorder implements Component {
        final LongArrayList seen = new LongArrayList();

        @Override
        public void handle(Engine engine, int kind, long arg) {
            seen.add(engine.now());
            seen.add(arg);
        }
    }

    @Test
    void tiesAreBrokenBySchedulingOrder() {
        Engine e = new Engine(4);
        Recorder r = new Recorder();
        for (int i = 0; i < 100; i++) {
            e.scheduleAt(i % 3 == 0 ? 10 : 5, r, 0, i);
        }
        e.run();
        LongArrayList expected = new LongArrayList();
        for (int i = 0; i < 100; i++) {
            if (i % 3 != 0) {
                expected.add(5);
                expected.add(i);
            }
        }
        for (int i = 0; i < 100; i++) {
            if (i % 3 == 0) {
                expected.add(10);
                expected.add(i);
            }
        }
        assertEquals(expected, r.seen);
        assertEquals(100, e.eventsProcessed());
        assertEquals(10, e.now());
    }

    @Test
    void eventsFireInTimeOrderAndRunsAreDeterministic() {
        LongArrayList first = runRandom(42);
        LongArrayList second = runRandom(42);
        assertEquals(first, second);
        for (int i = 2; i < first.size(); i += 2) {
            if (first.getLong(i) < first.getLong(i - 2)) {
                throw new AssertionError("time went backwards at event " + i / 2);
            }
        }
    }

    private static LongArrayList runRandom(long seed) {
        Engine e = new Engine();
        SplittableRandom rnd = new SplittableRandom(seed);
        Recorder r = new Recorder();
        Component spawner = new Component() {
            @Override
            public void handle(Engine engine, int kind, long arg) {
                r.handle(engine, kind, arg);
                if (arg < 5000) {
                    engine.schedule(rnd.nextLong(0, 50), this, 0, arg + 7);
                }
            }
        };
        for (int i = 0; i < 200; i++) {
            e.scheduleAt(rnd.nextLong(0, 1000), spawner, 0, i);
        }
        e.run();
        return r.seen;
    }

    @Test
    void pastEventsAreRejected() {
        Engine e = new Engine();
        Recorder r = new Recorder();
        e.scheduleAt(100, r, 0, 0);
        e.run();
        assertThrows(SimulationException.class, () -> e.scheduleAt(99, r, 0, 0));
        assertThrows(SimulationException.class, () -> e.schedule(-1, r, 0, 0));
    }

    @Test
    void runUntilStopsAtTheLimit() {
        Engine e = new Engine();
        Recorder r = new Recorder();
        e.scheduleAt(10, r, 0, 1);
        e.scheduleAt(20, r, 0, 2);
        e.scheduleAt(30, r, 0, 3);
        e.runUntil(20);
        assertEquals(1, e.pending());
        assertEquals(20, e.now());
    }
}
