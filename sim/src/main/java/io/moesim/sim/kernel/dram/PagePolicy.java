package io.moesim.sim.kernel.dram;

/**
 * When the controller closes a row. OPEN keeps it open until a conflicting request needs the bank
 * (or a refresh closes it); CLOSED auto-precharges after every column access (RDA/WRA), so every
 * access pays an activation: the textbook contrast on sequential streams.
 */
public enum PagePolicy {
    OPEN,
    CLOSED
}
