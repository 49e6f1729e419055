package io.moesim.hw;

import java.util.Arrays;
import java.util.Optional;

/** How the devices of a node (or the nodes of a system) are wired. */
public enum Topology {
    /** every device reaches a switch (NVSwitch) with all its links: any pair gets the full per-device bandwidth */
    SWITCH("switch"),
    /** one direct link (or link group) per peer (MI300X xGMI): a pair gets its share of the links */
    FULL_MESH("full_mesh"),
    RING("ring"),
    /** nodes under a non-blocking InfiniBand fat tree */
    FAT_TREE("fat_tree");

    private final String text;

    Topology(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }

    public static Optional<Topology> parse(String s) {
        return Arrays.stream(values()).filter(k -> k.text.equals(s)).findFirst();
    }

    @Override
    public String toString() {
        return text;
    }
}
