package io.moesim.sim.engine;

/**
 * Something that reacts to events. An event carries a small integer kind and a long argument
 * (a task id, a port index) instead of an object, so scheduling allocates nothing.
 */
public interface Component {

    /** Handles one event addressed to this component; {@code engine.now()} is the event's time. */
    void handle(Engine engine, int kind, long arg);

    /** For error messages and traces. */
    default String name() {
        return getClass().getSimpleName();
    }
}
