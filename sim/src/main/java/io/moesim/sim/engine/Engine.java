package io.moesim.sim.engine;

import io.moesim.sim.SimulationException;
import java.util.Arrays;

/**
 * A discrete-event engine. Time is a {@code long} number of picoseconds. Pending events sit in a
 * binary min-heap ordered by (time, sequence number), kept in primitive arrays (the heap holds only
 * times and payload slot numbers; nothing is boxed or allocated per event), so events of equal time
 * fire in the order they were scheduled and a run is deterministic. Not thread-safe: one engine per
 * simulation.
 */
public final class Engine {
    private long now;
    private long nextSequence;
    private long processed;
    private int size;
    // the heap: times and slot numbers only, so a sift moves two primitives per level
    private long[] heapTimes;
    private int[] heapSlots;
    // event payloads by slot; a slot is taken at scheduling and freed when its event fires
    private long[] sequences;
    private int[] kinds;
    private long[] args;
    private Component[] targets;
    private int[] freeSlots;
    private int freeCount;

    public Engine() {
        this(1024);
    }

    public Engine(int initialCapacity) {
        int c = Math.max(16, initialCapacity);
        heapTimes = new long[c];
        heapSlots = new int[c];
        sequences = new long[c];
        kinds = new int[c];
        args = new long[c];
        targets = new Component[c];
        freeSlots = new int[c];
        for (int i = 0; i < c; i++) {
            freeSlots[i] = c - 1 - i;
        }
        freeCount = c;
    }

    /** Current simulated time in picoseconds. */
    public long now() {
        return now;
    }

    /** Events fired so far. */
    public long eventsProcessed() {
        return processed;
    }

    public int pending() {
        return size;
    }

    /** Schedules an event {@code delayPs} after now. */
    public void schedule(long delayPs, Component target, int kind, long arg) {
        if (delayPs < 0) {
            throw new SimulationException(now, target.name(), "negative delay " + delayPs + " ps");
        }
        scheduleAt(now + delayPs, target, kind, arg);
    }

    /** Schedules an event at absolute time {@code timePs} (not before now). */
    public void scheduleAt(long timePs, Component target, int kind, long arg) {
        if (timePs < now) {
            throw new SimulationException(now, target.name(), "event scheduled in the past at " + timePs + " ps");
        }
        if (freeCount == 0) {
            grow();
        }
        int slot = freeSlots[--freeCount];
        long seq = nextSequence++;
        sequences[slot] = seq;
        kinds[slot] = kind;
        args[slot] = arg;
        targets[slot] = target;
        // sift up with a hole; a later sequence never precedes an equal time already queued
        int i = size++;
        while (i > 0) {
            int p = (i - 1) >>> 1;
            if (heapTimes[p] <= timePs) {
                break;
            }
            heapTimes[i] = heapTimes[p];
            heapSlots[i] = heapSlots[p];
            i = p;
        }
        heapTimes[i] = timePs;
        heapSlots[i] = slot;
    }

    /** The next event without firing it, or null when none is pending. */
    public Event peek() {
        if (size == 0) {
            return null;
        }
        int s = heapSlots[0];
        return new Event(heapTimes[0], sequences[s], targets[s], kinds[s], args[s]);
    }

    /** Fires the earliest event; false when none is pending. */
    public boolean step() {
        if (size == 0) {
            return false;
        }
        long t = heapTimes[0];
        int slot = heapSlots[0];
        Component target = targets[slot];
        int kind = kinds[slot];
        long arg = args[slot];
        targets[slot] = null;
        freeSlots[freeCount++] = slot;
        removeTop();
        now = t;
        processed++;
        target.handle(this, kind, arg);
        return true;
    }

    /** Runs until no event is pending; returns the final time. */
    public long run() {
        while (step()) {
            // every event is handled in step()
        }
        return now;
    }

    /** Runs the events at or before {@code limitPs}; time then stands at the last fired event. */
    public long runUntil(long limitPs) {
        while (size > 0 && heapTimes[0] <= limitPs) {
            step();
        }
        return now;
    }

    /** Drops every pending event and resets time to zero (the arrays are kept for reuse). */
    public void reset() {
        Arrays.fill(targets, null);
        int c = heapTimes.length;
        for (int i = 0; i < c; i++) {
            freeSlots[i] = c - 1 - i;
        }
        freeCount = c;
        size = 0;
        now = 0;
        nextSequence = 0;
        processed = 0;
    }

    /** a precedes b: earlier time, or the same time and scheduled first. */
    private boolean before(long ta, int sa, long tb, int sb) {
        return ta < tb || (ta == tb && sequences[sa] < sequences[sb]);
    }

    private void removeTop() {
        int last = --size;
        if (last == 0) {
            return;
        }
        long t = heapTimes[last];
        int s = heapSlots[last];
        // sift the former last element down from the root, moving the earlier child up
        int i = 0;
        int half = last >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            int right = child + 1;
            if (right < last && before(heapTimes[right], heapSlots[right], heapTimes[child], heapSlots[child])) {
                child = right;
            }
            if (!before(heapTimes[child], heapSlots[child], t, s)) {
                break;
            }
            heapTimes[i] = heapTimes[child];
            heapSlots[i] = heapSlots[child];
            i = child;
        }
        heapTimes[i] = t;
        heapSlots[i] = s;
    }

    private void grow() {
        int old = heapTimes.length;
        int c = old * 2;
        heapTimes = Arrays.copyOf(heapTimes, c);
        heapSlots = Arrays.copyOf(heapSlots, c);
        sequences = Arrays.copyOf(sequences, c);
        kinds = Arrays.copyOf(kinds, c);
        args = Arrays.copyOf(args, c);
        targets = Arrays.copyOf(targets, c);
        freeSlots = Arrays.copyOf(freeSlots, c);
        for (int i = 0; i < c - old; i++) {
            freeSlots[freeCount++] = c - 1 - i;
        }
    }
}
