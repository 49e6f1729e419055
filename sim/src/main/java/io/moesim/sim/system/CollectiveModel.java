package io.moesim.sim.system;

import io.moesim.hw.FrameworkProfile;
import io.moesim.hw.LinkSpec;
import io.moesim.hw.NcclModel;
import io.moesim.hw.SystemSpec;
import io.moesim.hw.Topology;
import io.moesim.ir.op.AllGather;
import io.moesim.ir.op.AllReduce;
import io.moesim.ir.op.AllToAll;
import io.moesim.ir.op.Op;
import io.moesim.ir.op.ReduceScatter;

/**
 * Collectives as link transfers over the system's topology, in closed form per algorithm. Notation:
 * g devices, L the bytes each device sends (the plan's {@code linkBytes}, the ring figure), α the
 * link's one-way latency paid once per algorithm step, o its per-message overhead paid once per
 * collective call on each link type used (one kernel launch / one posted work request), and bw
 * the bandwidth each step runs at. GB/s is bytes per ns, so bytes / GBps is ns.
 *
 * <ul>
 *   <li>ring all-reduce: o + 2(g−1)·α + L/bw, L = 2(g−1)/g·B (reduce-scatter then all-gather);
 *   <li>tree all-reduce: o + 2⌈log2 g⌉·α + 2B/bw (every byte once up, once down the tree);
 *   <li>in-switch all-reduce (NVLink SHARP, where the link says {@code in_switch_reduction}, on a switch):
 *       o + 2α + (g+1)/g·B/bw: each device sends its whole operand once for the switch to reduce
 *       (reduce-scatter) and its reduced 1/g share once for the switch to multicast (all-gather), and
 *       receives the same (g+1)/g·B; two steps;
 *   <li>ring all-gather / reduce-scatter: o + (g−1)·α + L/bw;
 *   <li>direct (full mesh): the same bytes split over the g−1 peer links at once: o + k·α + L/((g−1)·bw_peer),
 *       k = 2 for all-reduce, 1 otherwise;
 *   <li>all-to-all over a switch: o + α + L/bw_device (the egress port is the limit); over a full mesh: direct;
 *   <li>send/recv: o + α + B/bw_peer;
 *   <li>across nodes, hierarchical: intra-node reduce-scatter, inter-node ring over the nodes with each device
 *       carrying its 1/g_local share on its own adapter, intra-node all-gather; all-to-all sends its
 *       remote share over the adapter while the local share crosses NVLink, concurrently.
 * </ul>
 * Ring bandwidth is {@link SystemSpec#intraNodePeerBandwidthGBps()}: the whole per-device bandwidth
 * through a switch, one peer's share of the links in a full mesh, half on a ring. Every bandwidth is
 * the line rate times the link's {@link LinkSpec#bandwidthFraction()} (1 unless the spec gives an
 * achievable fraction): what a collective library sustains on the wire after its protocol's overhead.
 *
 * <p>Under a serving framework's profile with its own all-reduce ({@code custom_all_reduce}: TensorRT-LLM's,
 * vLLM's and SGLang's one-shot / two-shot kernels over NVLink peer memory), an all-reduce inside one node
 * is timed by that figure, as the database protocol times the framework's measured all-reduce; the link
 * model above stays for {@code ideal} and for an explicitly chosen algorithm. Under a profile that names its
 * collective library ({@code collectives: nccl}), the other collectives inside one node behind a switch (all-reduce
 * where the framework has no own kernel, all-gather, reduce-scatter, all-to-all) are timed as that library runs them
 * ({@link NcclModel#call}: its protocols' latencies and link shares, fitted on nccl-tests rows), with the
 * algorithm {@code auto}; a full mesh or a ring of links keeps the link model (the figures were measured on NVSwitch).
 */
public final class CollectiveModel {
    private final SystemSpec system;
    private final CollectiveAlgorithm algorithm;
    private final java.util.Optional<FrameworkProfile.CustomAllReduce> frameworkAllReduce;
    private final java.util.Optional<NcclModel> library;

    public CollectiveModel(SystemSpec system, CollectiveAlgorithm algorithm) {
        this(system, algorithm, java.util.Optional.empty());
    }

    /**
     * @param frameworkAllReduce the serving framework's own one-/two-shot all-reduce (its profile's
     *        {@code custom_all_reduce}); where present, and the algorithm is {@code auto}, an all-reduce
     *        inside one node is timed by it ({@link FrameworkProfile.CustomAllReduce#seconds}) instead of
     *        the link model, as the framework runs its tensor-parallel all-reduce
     */
    public CollectiveModel(SystemSpec system, CollectiveAlgorithm algorithm, java.util.Optional<FrameworkProfile.CustomAllReduce> frameworkAllReduce) {
        this(system, algorithm, frameworkAllReduce, java.util.Optional.empty());
    }

    /**
     * @param library the collective library the framework calls (its profile's {@code collectives}); where present, and
     *        the algorithm is {@code auto}, collectives inside one node behind a switch are timed by it (a switch is taken to
     *        reduce in the fabric, NVLS, as third-generation NVSwitch does), and the framework's own all-reduce hands its
     *        large messages to it on any topology (a ring where no switch reduces)
     */
    public CollectiveModel(SystemSpec system, CollectiveAlgorithm algorithm, java.util.Optional<FrameworkProfile.CustomAllReduce> frameworkAllReduce,
            java.util.Optional<NcclModel> library) {
        this.system = system;
        this.algorithm = algorithm;
        this.frameworkAllReduce = frameworkAllReduce;
        this.library = library;
    }

    /** The collective model a cost model implies: the framework all-reduce and collective library of the device's profile where the cost model has one. */
    public static CollectiveModel of(SystemSpec system, CollectiveAlgorithm algorithm, io.moesim.compiler.cost.CostModel costModel) {
        if (costModel instanceof io.moesim.sim.kernel.KernelCostModel k) {
            FrameworkProfile p = k.profile(system.device());
            return new CollectiveModel(system, algorithm, p.customAllReduce(), p.collectives());
        }
        return new CollectiveModel(system, algorithm);
    }

    public SystemSpec system() {
        return system;
    }

    /**
     * Cost of one collective.
     *
     * @param op         the collective (or any op moved as a point-to-point transfer)
     * @param linkBytes  bytes each device sends with the ring algorithm (the plan's figure)
     * @param tensorBytes the size B of the operand
     * @param devices    member device indices, ascending
     */
    public CollectiveCost cost(Op op, double linkBytes, double tensorBytes, int[] devices) {
        int g = devices.length;
        if (g <= 1) {
            return new CollectiveCost(0, "none", 0, 0, false);
        }
        int perNode = system.devicesPerNode();
        int nodes = 1;
        int maxLocal = 1;
        int firstNode = devices[0] / perNode;
        int count = 0;
        int prevNode = firstNode;
        for (int d : devices) {
            int node = d / perNode;
            if (node != prevNode) {
                nodes++;
                maxLocal = Math.max(maxLocal, count);
                count = 0;
                prevNode = node;
            }
            count++;
        }
        maxLocal = Math.max(maxLocal, count);
        if (nodes == 1) {
            return intraNode(op, linkBytes, tensorBytes, g);
        }
        LinkSpec inter = system.interNodeLink().orElseThrow(() -> new IllegalStateException(
                "system " + system.id() + " spans several nodes but has no inter-node link"));
        return hierarchical(op, tensorBytes, g, maxLocal, nodes, inter);
    }

    /**
     * Cost of a one-sided put issued by the GPU itself (NVSHMEM-style, as a fused MoE kernel does): the
     * same as {@link #cost} without the per-message overhead o, which is the host's kernel launch or
     * posted work request; the link's latency and bandwidth stay.
     */
    public CollectiveCost costDeviceInitiated(Op op, double linkBytes, double tensorBytes, int[] devices) {
        // a put the GPU issues is no call of the collective library: the link model times it
        CollectiveModel links = library.isPresent() ? new CollectiveModel(system, algorithm, frameworkAllReduce) : this;
        CollectiveCost c = links.cost(op, linkBytes, tensorBytes, devices);
        if (c.durationPs() == 0) {
            return c;
        }
        double o = c.usesInterNode() ? system.interNodeLink().map(LinkSpec::perMessageOverheadNs).orElse(0.0)
                : system.intraNodeLink().perMessageOverheadNs();
        return new CollectiveCost(Math.max(0, c.durationPs() - ps(o)), c.algorithm() + "-put", c.intraBytesPerDevice(),
                c.interBytesPerDevice(), c.usesInterNode());
    }

    /**
     * How long a device-initiated put of {@code bytes} holds its sender's port: its bytes at the device's whole
     * egress rate. Puts to several peers pipeline: over a switch each runs at the port's rate one after
     * another; in a full mesh each runs on its own peer's links at the peer rate, concurrently (the port is not
     * held; the per-peer put stream orders each link). The put itself lands after latency + bytes at the peer rate
     * ({@link #costDeviceInitiated}).
     */
    public long putPortPs(CollectiveCost c, double bytes) {
        if (c.durationPs() == 0) {
            return 0;
        }
        double bw;
        if (c.usesInterNode()) {
            LinkSpec inter = system.interNodeLink().orElseThrow();
            bw = inter.bandwidthFraction() * inter.bandwidthPerDeviceGBps();
        } else {
            LinkSpec link = system.intraNodeLink();
            double f = link.bandwidthFraction();
            int g = system.devicesPerNode();
            if (system.intraNodeTopology() == Topology.FULL_MESH) {
                // each peer has its own links: puts to different peers share nothing (one put stream per peer orders each link)
                return 0;
            }
            bw = system.intraNodeTopology() == Topology.RING ? f * system.intraNodePeerBandwidthGBps() : f * link.bandwidthPerDeviceGBps();
        }
        return Math.min(c.durationPs(), ps(bytes / bw));
    }

    private CollectiveCost intraNode(Op op, double linkBytes, double tensorBytes, int g) {
        LinkSpec link = system.intraNodeLink();
        double a = link.latencyNs();
        double o = link.perMessageOverheadNs();
        double f = link.bandwidthFraction();
        double bwRing = f * system.intraNodePeerBandwidthGBps();
        double bwDevice = f * link.bandwidthPerDeviceGBps();
        double bwDirect = Math.min(bwDevice, f * (g - 1) * peerShareGBps(link, system.devicesPerNode()));
        boolean mesh = system.intraNodeTopology() == Topology.FULL_MESH;
        if (op instanceof AllReduce && frameworkAllReduce.isPresent() && algorithm == CollectiveAlgorithm.AUTO) {
            FrameworkProfile.CustomAllReduce car = frameworkAllReduce.get();
            // the kernel reads from (one-shot) or exchanges with (two-shot) every peer at once: the device's whole
            // NVLink bandwidth through a switch, the g-1 peers' links together on a full mesh
            double linkGBps = mesh ? Math.min(link.bandwidthPerDeviceGBps(), (g - 1) * peerShareGBps(link, system.devicesPerNode()))
                    : system.intraNodePeerBandwidthGBps();
            // messages the framework hands to NCCL: the library's protocols, a ring where no switch can reduce (NVLS needs NVSwitch)
            java.util.Optional<NcclModel> nccl = mesh || system.intraNodeTopology() == Topology.RING ? library.map(NcclModel::withoutNvls) : library;
            double ns = car.seconds(tensorBytes, g, linkGBps, nccl) * 1e9;
            return of(ns, "framework-" + car.regime(tensorBytes, g, nccl, linkGBps), car.movedBytes(tensorBytes, g, nccl, linkGBps));
        }
        if (library.isPresent() && algorithm == CollectiveAlgorithm.AUTO && system.intraNodeTopology() == Topology.SWITCH) {
            java.util.Optional<NcclModel.Collective> c = ncclCollective(op);
            if (c.isPresent()) {
                NcclModel.Call call = library.get().call(c.get(), linkBytes, tensorBytes, g, system.intraNodePeerBandwidthGBps());
                return of(call.us() * 1e3, library.get().id() + "-" + call.protocol(), call.movedBytes());
            }
        }
        if (op instanceof AllReduce) {
            double ring = o + 2.0 * (g - 1) * a + linkBytes / bwRing;
            double tree = o + 2.0 * ceilLog2(g) * a + 2.0 * tensorBytes / bwRing;
            double direct = o + 2.0 * a + linkBytes / bwDirect;
            boolean canReduceInSwitch = link.inSwitchReduction() && system.intraNodeTopology() == Topology.SWITCH;
            double switchBytes = (g + 1.0) / g * tensorBytes;
            double inSwitch = o + 2.0 * a + switchBytes / (link.inSwitchFraction() * link.bandwidthPerDeviceGBps());
            CollectiveCost best = tree < ring ? of(tree, "tree", 2.0 * tensorBytes) : of(ring, "ring", linkBytes);
            return switch (algorithm) {
                case RING -> of(ring, "ring", linkBytes);
                case TREE -> of(tree, "tree", 2.0 * tensorBytes);
                case DIRECT -> of(direct, "direct", linkBytes);
                case SWITCH -> canReduceInSwitch ? of(inSwitch, "switch", switchBytes) : of(ring, "ring", linkBytes);
                case AUTO -> mesh ? of(direct, "direct", linkBytes)
                        : canReduceInSwitch && ps(inSwitch) < best.durationPs() ? of(inSwitch, "switch", switchBytes) : best;
            };
        }
        if (op instanceof AllGather || op instanceof ReduceScatter) {
            double ring = o + (g - 1) * a + linkBytes / bwRing;
            double direct = o + a + linkBytes / bwDirect;
            boolean useDirect = algorithm == CollectiveAlgorithm.DIRECT || (algorithm == CollectiveAlgorithm.AUTO && mesh);
            return useDirect ? of(direct, "direct", linkBytes) : of(ring, "ring", linkBytes);
        }
        if (op instanceof AllToAll) {
            if (system.intraNodeTopology() == Topology.RING) {
                // forwarded around the ring: g−1 steps, each passing one peer's share on
                return of(o + (g - 1) * a + linkBytes / bwRing, "ring", linkBytes);
            }
            double bw = mesh ? bwDirect : bwDevice;
            return of(o + a + linkBytes / bw, mesh ? "direct-mesh" : "direct-switch", linkBytes);
        }
        // send/recv and plain transfers: one message to one peer
        double bytes = Math.max(linkBytes, tensorBytes);
        double bwPeer = mesh ? f * peerShareGBps(link, system.devicesPerNode()) : bwDevice;
        return of(o + a + bytes / bwPeer, "p2p", bytes);
    }

    /** The collective library's name for an op (empty: not one it times, such as a send/receive). */
    public static java.util.Optional<NcclModel.Collective> ncclCollective(Op op) {
        return java.util.Optional.ofNullable(op instanceof AllReduce ? NcclModel.Collective.ALL_REDUCE
                : op instanceof AllGather ? NcclModel.Collective.ALL_GATHER
                : op instanceof ReduceScatter ? NcclModel.Collective.REDUCE_SCATTER
                : op instanceof AllToAll ? NcclModel.Collective.ALL_TO_ALL : null);
    }

    private CollectiveCost hierarchical(Op op, double b, int g, int local, int nodes, LinkSpec inter) {
        LinkSpec intra = system.intraNodeLink();
        double a1 = intra.latencyNs();
        double a2 = inter.latencyNs();
        double o = intra.perMessageOverheadNs() + inter.perMessageOverheadNs();
        double bw1 = intra.bandwidthFraction() * system.intraNodePeerBandwidthGBps();
        double bw2 = inter.bandwidthFraction() * inter.bandwidthPerDeviceGBps();
        double gl = local;
        double gn = nodes;
        if (op instanceof AllReduce) {
            double intraBytes = 2 * (gl - 1) / gl * b;
            double interBytes = 2 * (gn - 1) / gn * (b / gl);
            double t = o + 2 * (gl - 1) * a1 + intraBytes / bw1 + 2 * (gn - 1) * a2 + interBytes / bw2;
            return new CollectiveCost(ps(t), "hierarchical-ring", intraBytes, interBytes, true);
        }
        if (op instanceof AllGather) {
            // b is one device's shard: gather across nodes first (rank by rank), then inside the node
            double interBytes = (gn - 1) * b;
            double intraBytes = (gl - 1) * gn * b;
            double t = o + (gn - 1) * a2 + interBytes / bw2 + (gl - 1) * a1 + intraBytes / bw1;
            return new CollectiveCost(ps(t), "hierarchical-ring", intraBytes, interBytes, true);
        }
        if (op instanceof ReduceScatter) {
            double intraBytes = (gl - 1) / gl * b;
            double interBytes = (gn - 1) / gn * (b / gl);
            double t = o + (gl - 1) * a1 + intraBytes / bw1 + (gn - 1) * a2 + interBytes / bw2;
            return new CollectiveCost(ps(t), "hierarchical-ring", intraBytes, interBytes, true);
        }
        if (op instanceof AllToAll) {
            double intraBytes = (gl - 1) / g * b;
            double interBytes = (g - gl) / g * b;
            double bwLocal = intra.bandwidthFraction() * (system.intraNodeTopology() == Topology.FULL_MESH
                    ? Math.min(intra.bandwidthPerDeviceGBps(), (gl - 1) * peerShareGBps(intra, system.devicesPerNode()))
                    : intra.bandwidthPerDeviceGBps());
            double t = o + Math.max(a1 + intraBytes / bwLocal, a2 + interBytes / bw2);
            return new CollectiveCost(ps(t), "hierarchical-direct", intraBytes, interBytes, true);
        }
        double t = inter.perMessageOverheadNs() + a2 + b / bw2;
        return new CollectiveCost(ps(t), "p2p-inter", 0, b, true);
    }

    /** Bandwidth between one pair of a full mesh: the links split evenly over the n−1 peers. */
    private static double peerShareGBps(LinkSpec link, int n) {
        return n <= 1 ? link.bandwidthPerDeviceGBps()
                : link.bandwidthPerLinkGBps() * Math.max(1, link.linksPerDevice() / (n - 1));
    }

    private static CollectiveCost of(double ns, String name, double intraBytes) {
        return new CollectiveCost(ps(ns), name, intraBytes, 0, false);
    }

    static int ceilLog2(int g) {
        return 32 - Integer.numberOfLeadingZeros(g - 1);
    }

    static long ps(double ns) {
        return Math.round(ns * 1000.0);
    }
}
