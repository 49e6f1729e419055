package io.moesim.sim.widep;

import io.moesim.hw.LinkSpec;
import io.moesim.hw.SystemSpec;

/**
 * Time of one MoE dispatch (or combine) over EP ranks laid out node by node on {@code system}
 * (ranks 0..g−1 on node 0, ...; g = min(devices per node, EP)). Bytes come from the routing:
 * rank r sends its own tokens' copies ({@code send[r]} = tokens × top_k) and receives the copies its
 * experts were routed ({@code recv[r]}, the rank's load), each copy {@code bytesPerCopy} (hidden ×
 * dtype: fp8 for dispatch where the stack quantises before sending, bf16 for combine). Destinations
 * are spread evenly over the ranks (share 1/EP each, the routing's per-rank totals aside), so a rank's
 * copies go 1/EP to itself, (g−1)/EP to its node's other ranks over NVLink and (EP−g)/EP to other
 * nodes. A rank is busy for max(sent, received) of each link kind (links are full duplex); the most
 * loaded rank sets the time, so skewed routing shows up here as well as in the experts.
 * <ul>
 *   <li>low latency (DeepEP {@code ll}): every off-node copy crosses the InfiniBand itself; on-node
 *       copies over NVLink.</li>
 *   <li>normal (DeepEP's forwarding kernels): a token crosses the InfiniBand once per distinct
 *       destination node (expected number for top_k distinct experts of E spread evenly over N
 *       nodes: (N−1)·(1 − C(E − E/N, k)/C(E, k))), lands on the rank of the same index there and is
 *       forwarded over NVLink to the (g−1)/g of its copies that belong to that node's other ranks.</li>
 * </ul>
 * Link time is bytes / (line rate × the link's achievable fraction) plus one latency and one message
 * overhead of the slowest link kind used. This is a model of the bytes and the bottleneck link, not
 * of DeepEP's kernels; docs/deployment.md puts it beside DeepEP's published bandwidths.
 */
public final class AllToAllTimer {

    /**
     * One collective on the bottleneck rank ({@code seconds}, its {@code interBytes} and {@code intraBytes}, {@code rank}), and
     * the bytes all ranks send over each link kind ({@code sentInterBytes}, {@code sentIntraBytes}: each byte once, for link
     * energy).
     */
    public record Cost(double seconds, double interBytes, double intraBytes, int rank, double sentInterBytes, double sentIntraBytes) {
    }

    private AllToAllTimer() {
    }

    public static Cost time(SystemSpec system, int ep, EpMode mode, long[] send, long[] recv, long bytesPerCopy, int topK, int experts) {
        int g = Math.min(system.devicesPerNode(), ep);
        int nodes = (ep + g - 1) / g;
        double fOn = (double) (g - 1) / ep;
        double fOff = (double) (ep - g) / ep;
        double dedup = 1;
        if (mode == EpMode.NORMAL && nodes > 1 && fOff > 0) {
            dedup = expectedRemoteNodes(experts, topK, nodes) / (topK * fOff);
        }
        LinkSpec intra = system.intraNodeLink();
        LinkSpec inter = interLink(system);
        double intraBw = bytesPerS(intra);
        double interBw = bytesPerS(inter);
        Cost worst = null;
        double sentInter = 0;
        double sentIntra = 0;
        for (int r = 0; r < send.length; r++) {
            double[] sent = bytes(send[r], fOn, fOff, dedup, bytesPerCopy, mode, g);
            sentInter += sent[0];
            sentIntra += sent[1];
        }
        for (int r = 0; r < send.length; r++) {
            double[] busy = bytes(Math.max(send[r], recv[r]), fOn, fOff, dedup, bytesPerCopy, mode, g);
            double interBytes = busy[0];
            double intraBytes = busy[1];
            double t = Math.max(interBytes / interBw, intraBytes / intraBw);
            if (interBytes > 0) {
                t += (inter.latencyNs() + inter.perMessageOverheadNs()) * 1e-9;
            } else if (intraBytes > 0) {
                t += (intra.latencyNs() + intra.perMessageOverheadNs()) * 1e-9;
            }
            if (worst == null || t > worst.seconds()) {
                worst = new Cost(t, interBytes, intraBytes, r, sentInter, sentIntra);
            }
        }
        return worst == null ? new Cost(0, 0, 0, 0, 0, 0) : worst;
    }

    /** The link between nodes (the intra-node link on a one-node system). */
    public static LinkSpec interLink(SystemSpec system) {
        return system.interNodeLink().orElse(system.intraNodeLink());
    }

    /** The rate one device moves dispatch/combine bytes over {@code link}, bytes/s. */
    public static double bytesPerS(LinkSpec link) {
        return link.bandwidthPerDeviceGBps() * 1e9 * link.bandwidthFraction();
    }

    /** {inter-node, intra-node} bytes of {@code copies} copies from (or to) one rank: off-node ones deduplicated per node in normal mode and forwarded on NVLink there. */
    private static double[] bytes(double copies, double fOn, double fOff, double dedup, long bytesPerCopy, EpMode mode, int g) {
        double interBytes = copies * fOff * bytesPerCopy * dedup;
        double intraBytes = copies * fOn * bytesPerCopy + (mode == EpMode.NORMAL ? interBytes * (g - 1) / g : 0);
        return new double[] {interBytes, intraBytes};
    }

    /** Expected distinct other nodes a token's top_k distinct experts land on, experts spread evenly over the nodes. */
    public static double expectedRemoteNodes(int experts, int topK, int nodes) {
        double perNode = (double) experts / nodes;
        double miss = 1; // P(a given node holds none of the k experts)
        for (int i = 0; i < topK; i++) {
            miss *= Math.max(0, (experts - perNode - i)) / (experts - i);
        }
        return (nodes - 1) * (1 - miss);
    }
}
