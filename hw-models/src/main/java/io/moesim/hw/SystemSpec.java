package io.moesim.hw;

import io.moesim.ir.DType;
import java.util.Optional;

/**
 * Devices x links x topology: {@code nodes} nodes of {@code devicesPerNode} identical devices.
 *
 * @param interNodeLink absent for a single node
 */
public record SystemSpec(
        String id,
        String name,
        String origin,
        DeviceSpec device,
        int devicesPerNode,
        int nodes,
        LinkSpec intraNodeLink,
        Topology intraNodeTopology,
        Optional<LinkSpec> interNodeLink,
        Optional<Topology> interNodeTopology,
        LinkSpec hostLink) {

    public int devices() {
        return devicesPerNode * nodes;
    }

    /** This system with every device replaced by {@code d} (its links and topology kept). */
    public SystemSpec withDevice(DeviceSpec d) {
        return new SystemSpec(id, name, origin, d, devicesPerNode, nodes, intraNodeLink, intraNodeTopology, interNodeLink, interNodeTopology,
                hostLink);
    }

    public double totalCapacityGB() {
        return devices() * device.memory().capacityGB();
    }

    /** Sum over devices of the primary processor's dense peak (0 if it lacks the dtype). */
    public double aggregatePeakTflops(DType dtype) {
        return devices() * DerivedFigures.peakTflops(device.primary(), dtype).orElse(0.0);
    }

    /**
     * Bandwidth each way between two devices of one node: the whole per-device bandwidth through a
     * switch, one share of the links per peer in a full mesh, and half of it on a ring (two neighbours).
     */
    public double intraNodePeerBandwidthGBps() {
        double all = intraNodeLink.bandwidthPerDeviceGBps();
        return switch (intraNodeTopology) {
            case SWITCH, FAT_TREE -> all;
            case FULL_MESH -> devicesPerNode <= 1 ? all
                    : intraNodeLink.bandwidthPerLinkGBps()
                            * Math.max(1, intraNodeLink.linksPerDevice() / (devicesPerNode - 1));
            case RING -> all / 2;
        };
    }
}
