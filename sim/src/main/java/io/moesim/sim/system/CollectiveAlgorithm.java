package io.moesim.sim.system;

/** How an all-reduce (and the gathers and scatters) moves data. */
public enum CollectiveAlgorithm {
    /**
     * Ring where the topology is a switch or a ring (tree instead when it is faster, in-switch reduction when
     * the link supports it and it is faster still), direct on a full mesh.
     */
    AUTO,
    /** Bandwidth-optimal ring: 2(g−1) steps for all-reduce, g−1 for gathers and scatters. */
    RING,
    /** Double binary tree (all-reduce only): 2⌈log2 g⌉ steps, each byte up and down once. */
    TREE,
    /** Every device exchanges with every peer at once over its own links (full mesh). */
    DIRECT,
    /** All-reduce reduced and multicast by the switch (NVLink SHARP); ring where the link or topology cannot. */
    SWITCH
}
