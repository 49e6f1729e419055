package io.moesim.hw;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.ConcurrentHashMap;

/**
 * NCCL's collectives inside one node as NCCL's own tuner models them (src/graph/tuning.cc): each protocol
 * costs a base latency per call, a latency per algorithm step and the bytes at its share of the link rate,
 * and NCCL runs the protocol of least predicted time. Two ring protocols: {@code ll} (low latency: 8-byte
 * lines of data and flag, cheap steps, a small share of the link) and {@code simple} (bulk copies through
 * FIFO buffers: a larger base latency, most of the link). An all-reduce on {@code nvls_min_group} GPUs and
 * more may run NVLink SHARP in place of the Simple ring (NVLS: its own base latency per call, as NCCL's tuner
 * keeps one per algorithm, each GPU sending its buffer once for the switch to reduce and receiving the reduced
 * buffer once, (g+1)/g of it, at NVLS's own share), where that is quicker than the ring;
 * an all-to-all is grouped send/receive, one send to each peer: NCCL does not choose its protocol by time but by size
 * ({@link #P2P_LL_THRESHOLD_BYTES}): a send of at most 16 KiB runs LL ({@code p2p_ll}: its own latency and share, each
 * peer's send on its own channel, so the time is one peer's L/(g-1), T/g in nccl-tests), a larger one Simple ({@code p2p}:
 * its own latency, the L bytes at its share). Notation: g GPUs, L the bytes each GPU sends on a ring (2(g-1)/g of the buffer for an all-reduce, (g-1)/g
 * for the others), T the operand's bytes.
 *
 * <p>Figures come from {@code collectives/<id>.yaml} (fitted by {@code moesim validate --database} on
 * nccl-tests rows of the H100 calibration split) and are applied by the system's collective model under a
 * serving framework's profile, which names its collective library ({@code collectives: nccl}).
 *
 * @param id            the library's id ({@code nccl})
 * @param name          what it is, with its version
 * @param ll            the LL protocol on a ring
 * @param simple        the Simple protocol on a ring
 * @param nvlsFraction  NVLS's share of the link rate
 * @param nvlsMinGroup  the fewest GPUs NCCL may run an all-reduce on NVLS with (0: never)
 * @param p2p           grouped send/receive (all-to-all); its step latency is unused
 * @param nvlsBaseUs    NVLS's fixed µs per call (a file without {@code nvls.base_us}: Simple's base and two of its steps,
 *                      {@link #simpleLatencyForNvls}, the model before NVLS had a latency of its own)
 * @param p2pLl         grouped send/receive of at most {@link #P2P_LL_THRESHOLD_BYTES} per peer on LL, its bytes one
 *                      peer's (a file without {@code p2p_ll}: the ring LL's base, one step and share, {@link #llForP2p})
 */
public record NcclModel(String id, String name, Protocol ll, Protocol simple, double nvlsFraction, int nvlsMinGroup, Protocol p2p, double nvlsBaseUs,
        Protocol p2pLl) {
    /**
     * The most bytes one send or receive of a grouped send/receive may carry on LL; above it NCCL runs Simple, however quick
     * LL would be: {@code NCCL_PARAM(P2pLLThreshold, "P2P_LL_THRESHOLD", 16384)} and {@code addP2pToPlan} in src/enqueue.cc
     * (github.com/NVIDIA/nccl; in 2.2x the test is the bytes against the op's channels x 16384, and inside one node an op of
     * at most 64 KiB, p2pChunkSize / 8, takes one channel, so the limit is the same 16 KiB).
     */
    public static final double P2P_LL_THRESHOLD_BYTES = 16384;

    public NcclModel {
        if (!(nvlsFraction > 0 && nvlsFraction <= 1) || nvlsMinGroup < 0 || !(nvlsBaseUs >= 0 && Double.isFinite(nvlsBaseUs))) {
            throw new IllegalArgumentException("NVLS's share must be in (0, 1], its group >= 0 and its latency finite and >= 0, got " + nvlsFraction + ", "
                    + nvlsMinGroup + ", " + nvlsBaseUs);
        }
    }

    /** Grouped send/receive on LL at the ring LL's figures ({@link #llForP2p}). */
    public NcclModel(String id, String name, Protocol ll, Protocol simple, double nvlsFraction, int nvlsMinGroup, Protocol p2p, double nvlsBaseUs) {
        this(id, name, ll, simple, nvlsFraction, nvlsMinGroup, p2p, nvlsBaseUs, llForP2p(ll));
    }

    /** NVLS on Simple's latencies (its base and two of its steps), grouped send/receive on LL at the ring LL's figures. */
    public NcclModel(String id, String name, Protocol ll, Protocol simple, double nvlsFraction, int nvlsMinGroup, Protocol p2p) {
        this(id, name, ll, simple, nvlsFraction, nvlsMinGroup, p2p, simpleLatencyForNvls(simple));
    }

    /** Grouped send/receive on LL where a library has no figures of its own for it: the ring LL's base and one step, at its share. */
    public static Protocol llForP2p(Protocol ll) {
        return new Protocol(ll.baseUs() + ll.stepUs(), 0, ll.bandwidthFraction());
    }

    /** The bytes one send of an all-to-all carries: what each GPU sends ({@code linkBytes}) over its {@code group} - 1 peers. */
    public static double perPeerBytes(double linkBytes, int group) {
        return linkBytes / (group - 1);
    }

    /** What NVLS cost per call before it had a latency of its own: Simple's base and two steps (reduce, multicast). */
    public static double simpleLatencyForNvls(Protocol simple) {
        return simple.baseUs() + 2 * simple.stepUs();
    }

    /** One protocol: µs per call, µs per algorithm step, share of the link rate in (0, 1]. */
    public record Protocol(double baseUs, double stepUs, double bandwidthFraction) {
        public Protocol {
            if (!(baseUs >= 0) || !(stepUs >= 0) || !(bandwidthFraction > 0 && bandwidthFraction <= 1) || Double.isInfinite(baseUs)
                    || Double.isInfinite(stepUs)) {
                throw new IllegalArgumentException("protocol figures must be finite, latencies >= 0 and the share in (0, 1], got "
                        + baseUs + ", " + stepUs + ", " + bandwidthFraction);
            }
        }

        /** µs of {@code steps} steps moving {@code bytes} on links of {@code linkGBps}. */
        double us(double steps, double bytes, double linkGBps) {
            return baseUs + steps * stepUs + bytes / (bandwidthFraction * linkGBps * 1e3);
        }
    }

    /** The collectives NCCL times here. */
    public enum Collective { ALL_REDUCE, ALL_GATHER, REDUCE_SCATTER, ALL_TO_ALL }

    /** The algorithm steps of a call on {@code group} GPUs: a ring's 2(g-1) for an all-reduce, g-1 for a gather or scatter; an all-to-all's one. */
    public static double steps(Collective c, int group) {
        return switch (c) {
            case ALL_REDUCE -> 2.0 * (group - 1);
            case ALL_GATHER, REDUCE_SCATTER -> group - 1;
            case ALL_TO_ALL -> 1;
        };
    }

    /** Bytes each GPU moves one way in an NVLS all-reduce of {@code tensorBytes}: its buffer out, the reduced buffer back, (g+1)/g of it. */
    public static double nvlsBytes(int group, double tensorBytes) {
        return (group + 1.0) / group * tensorBytes;
    }

    /** The protocol of a call, its time and the bytes each GPU moves one way (L on a ring or to its peers; NVLS's (g+1)/g of T). */
    public record Call(String protocol, double us, double movedBytes) {
    }

    /**
     * One call of {@code collective} on {@code group} GPUs of one node.
     *
     * @param linkBytes   L: bytes each GPU sends on a ring
     * @param tensorBytes T: the operand's bytes (NVLS moves (g+1)/g of it)
     * @param linkGBps    the per-GPU link rate one direction (the system's peer bandwidth)
     */
    public Call call(Collective collective, double linkBytes, double tensorBytes, int group, double linkGBps) {
        if (group <= 1) {
            return new Call("none", 0, 0);
        }
        if (collective == Collective.ALL_TO_ALL) {
            // what one send carries: the bytes the GPU sends, over its g - 1 peers (nccl-tests: T / g; a MoE dispatch: the
            // rows that leave the GPU, not the ones that stay)
            double perPeer = perPeerBytes(linkBytes, group);
            return perPeer <= P2P_LL_THRESHOLD_BYTES ? new Call("p2p-ll", p2pLl.us(0, perPeer, linkGBps), linkBytes)
                    : new Call("p2p", p2p.us(0, linkBytes, linkGBps), linkBytes);
        }
        double steps = steps(collective, group);
        Call viaLl = new Call("ll", ll.us(steps, linkBytes, linkGBps), linkBytes);
        Call bulk = new Call("simple", simple.us(steps, linkBytes, linkGBps), linkBytes);
        if (collective == Collective.ALL_REDUCE && nvlsMinGroup > 0 && group >= nvlsMinGroup) {
            double moved = nvlsBytes(group, tensorBytes);
            Call viaNvls = new Call("nvls", nvlsBaseUs + moved / (nvlsFraction * linkGBps * 1e3), moved);
            bulk = bulk.us() < viaNvls.us() ? bulk : viaNvls; // a tie runs NVLS
        }
        return viaLl.us() < bulk.us() ? viaLl : bulk;
    }

    /** This library where the GPUs share no NVSwitch (a full mesh of links): NVLS needs the switch's reduction, so a ring always. */
    public NcclModel withoutNvls() {
        return withNvlsMinGroup(0);
    }

    /** This library running an all-reduce on NVLS from {@code group} GPUs (0: never). */
    public NcclModel withNvlsMinGroup(int group) {
        return new NcclModel(id, name, ll, simple, nvlsFraction, group, p2p, nvlsBaseUs, p2pLl);
    }

    /** This library with {@code protocol} as its grouped send/receive on LL. */
    public NcclModel withP2pLl(Protocol protocol) {
        return new NcclModel(id, name, ll, simple, nvlsFraction, nvlsMinGroup, p2p, nvlsBaseUs, protocol);
    }

    private static final Map<String, NcclModel> CACHE = new ConcurrentHashMap<>();

    public static List<String> ids() {
        return SpecSources.ids("collectives");
    }

    /** Loads a collective library by built-in id or file path; all problems in one {@link SpecException}. */
    public static NcclModel load(String idOrPath) {
        return SpecSources.load(CACHE, "collectives", "collective library", idOrPath, NcclModel::parse);
    }

    static NcclModel parse(String id, String file, ObjectNode tree, List<SpecProblem> problems) {
        SpecReader r = SpecReader.root(file, tree, problems);
        String name = r.text("name");
        r.optText("description");
        Optional<Protocol> ll = protocol(r, "ll", true);
        Optional<Protocol> simple = protocol(r, "simple", true);
        Optional<Protocol> p2p = protocol(r, "p2p", false);
        Optional<Protocol> p2pLl = r.has("p2p_ll") ? protocol(r, "p2p_ll", false) : Optional.empty();
        SpecReader nv = r.section("nvls");
        OptionalDouble nvFraction = share(nv, "bandwidth_fraction");
        OptionalDouble nvBase = nv.optNumber("base_us");
        int minGroup = nv.optCount("min_group").orElse(0);
        nv.finish();
        r.finish();
        if (ll.isEmpty() || simple.isEmpty() || p2p.isEmpty() || nvFraction.isEmpty() || !problems.isEmpty()) {
            return null;
        }
        return new NcclModel(id, name, ll.get(), simple.get(), nvFraction.getAsDouble(), minGroup, p2p.get(),
                nvBase.orElse(simpleLatencyForNvls(simple.get())), p2pLl.orElse(llForP2p(ll.get())));
    }

    /** A protocol's section; {@code base_us} and {@code step_us} may be absent (a latency the rows resolve as none: 0). */
    private static Optional<Protocol> protocol(SpecReader r, String key, boolean steps) {
        SpecReader s = r.section(key);
        double base = s.optNumber("base_us").orElse(0);
        double step = steps ? s.optNumber("step_us").orElse(0) : 0;
        OptionalDouble share = share(s, "bandwidth_fraction");
        s.finish();
        if (share.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new Protocol(base, step, share.getAsDouble()));
    }

    /** A share of the link's line rate: in (0, 1]. */
    private static OptionalDouble share(SpecReader s, String key) {
        OptionalDouble v = s.optNumber(key);
        if (v.isEmpty()) {
            if (!s.has(key)) {
                s.problem(key, "missing key");
            }
            return OptionalDouble.empty();
        }
        if (v.getAsDouble() > 1) {
            s.problem(key, "must be in (0, 1], got " + Suggest.num(v.getAsDouble()));
            return OptionalDouble.empty();
        }
        return v;
    }
}
