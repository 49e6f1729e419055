package io.moesim.sim;

import io.moesim.ir.MoesimException;

/** A failure inside a simulation, located by simulated time (picoseconds) and component. */
public class SimulationException extends MoesimException {
    private static final long serialVersionUID = 1L;
    private final long timePs;
    private final String component;

    public SimulationException(long timePs, String component, String message) {
        super("simulation error at t=" + timePs + " ps in " + component + ": " + message);
        this.timePs = timePs;
        this.component = component;
    }

    public long timePs() {
        return timePs;
    }

    public String component() {
        return component;
    }
}
