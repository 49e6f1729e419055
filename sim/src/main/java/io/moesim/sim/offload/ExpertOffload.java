package io.moesim.sim.offload;

import io.moesim.ir.DType;
import io.moesim.ir.WeightFormat;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.Routing;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * Routed experts kept partly in a slower tier and fetched into an HBM expert cache when tokens
 * activate them (EdgeMoE, SE-MoE, D²MoE, Fiddler and MoE-Lens's setting), iteration by iteration.
 *
 * <p><b>Units</b>: one expert of one MoE layer, all devices together: the whole system's HBM left for
 * experts is one cache of {@code capacityBytes}, fetched into at the sum of the devices' tier
 * bandwidths (each device fetches its share of an expert over its own link), with the tier's latency
 * once per layer that fetches anything. This is the balanced case (tensor- or expert-parallel slices of
 * equal size); a device that holds more than its share is not modelled.
 *
 * <p><b>Activation</b>: layer l's expert e has routing popularity p (uniform: 1/E; zipf:S: rank^−S over
 * a permutation seeded per layer, so a layer's hot experts stay hot). A token picks it with probability
 * q = min(1, k·p); with T tokens in the iteration it is active with probability 1 − (1 − q)^T, drawn
 * independently per expert from a seeded stream that does not depend on the budget, tier or policy.
 *
 * <p><b>Time</b>: an iteration's compute time (the simulated iteration without offloading) is spread
 * evenly over the model's layers; a layer's fetch on demand stalls it by latency + bytes / bandwidth.
 * Prefetching (policy PREFETCH) streams layer l's predicted experts during layer l−1, only as many as
 * finish in that time, so it never stalls; what was not predicted is fetched on demand. Pre-gated routing
 * (PREGATED, Read-ME) does the same with the experts layer l will actually activate.
 *
 * <p><b>Upper bound</b> (MoE-Lens style: the larger of the compute time and the transfer time no policy
 * can avoid): an iteration cannot take less than max(compute, (active expert bytes − cache bytes) /
 * bandwidth), since at most the cache's bytes can be resident when it starts. Every policy here takes
 * at least that long (see {@link Step#boundPs}), so the bound's throughput is never below the simulated one.
 */
public final class ExpertOffload {
    private final OffloadSpec.Policy policy;
    private final int totalLayers;
    private final int experts;
    private final int topK;
    private final long[] bytes;          // per MoE layer: one expert's bytes
    private final double[][] popularity; // per MoE layer, per expert
    private final int[][] order;         // per MoE layer: experts by popularity, descending
    private final long capacityBytes;
    private final double psPerByte;
    private final long latencyPs;
    private final SplittableRandom rnd;
    private final boolean[][] resident;
    private final long[][] count;
    private final long[][] stamp;
    private final TreeSet<long[]> victims = new TreeSet<>(ExpertOffload::compareKeys);
    private long used;
    private long clock;
    private long hits;
    private long misses;
    private long fetchedBytes;
    private long stallPs;
    private long prefetched;
    private long iterations;

    /** One iteration: its stall, the bytes it fetched, and the least time any policy could take for it. */
    public record Step(long stallPs, long fetchedBytes, long activeExperts, long missedExperts, long boundPs) {
    }

    /**
     * @param totalLayers   the model's layers (the compute time is spread over them)
     * @param bytes         per MoE layer, the bytes of one of its experts
     * @param popularity    per MoE layer, each expert's routing share (sums to 1)
     * @param capacityBytes HBM for the expert cache, all devices together
     * @param bandwidthBps  fetch bandwidth into HBM, all devices together (bytes/s)
     * @param latencyPs     start-up cost of one layer's fetch
     */
    public ExpertOffload(OffloadSpec.Policy policy, int totalLayers, int experts, int topK, long[] bytes, double[][] popularity, long capacityBytes,
            double bandwidthBps, long latencyPs, long seed) {
        if (bytes.length == 0 || bytes.length != popularity.length || totalLayers < bytes.length || capacityBytes < 0 || !(bandwidthBps > 0)
                || latencyPs < 0 || topK < 1 || topK > experts) {
            throw new IllegalArgumentException("expert offload: inconsistent figures");
        }
        this.policy = policy;
        this.totalLayers = totalLayers;
        this.experts = experts;
        this.topK = topK;
        this.bytes = bytes.clone();
        this.popularity = new double[bytes.length][];
        this.order = new int[bytes.length][];
        for (int l = 0; l < bytes.length; l++) {
            double[] p = popularity[l].clone();
            if (p.length != experts) {
                throw new IllegalArgumentException("expert offload: layer " + l + " has " + p.length + " shares for " + experts + " experts");
            }
            this.popularity[l] = p;
            this.order[l] = java.util.stream.IntStream.range(0, experts).boxed()
                    .sorted((a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a]) : Integer.compare(a, b)).mapToInt(Integer::intValue).toArray();
        }
        this.capacityBytes = capacityBytes;
        this.psPerByte = 1e12 / bandwidthBps;
        this.latencyPs = latencyPs;
        this.rnd = new SplittableRandom(seed);
        this.resident = new boolean[bytes.length][experts];
        this.count = new long[bytes.length][experts];
        this.stamp = new long[bytes.length][experts];
        fill();
    }

    /** The most popular experts first (ties: earlier layer, lower index), up to the first that does not fit. */
    private void fill() {
        List<int[]> all = new ArrayList<>();
        for (int l = 0; l < bytes.length; l++) {
            for (int e = 0; e < experts; e++) {
                all.add(new int[] {l, e});
            }
        }
        all.sort((a, b) -> {
            int c = Double.compare(popularity[b[0]][b[1]], popularity[a[0]][a[1]]);
            return c != 0 ? c : a[0] != b[0] ? Integer.compare(a[0], b[0]) : Integer.compare(a[1], b[1]);
        });
        // a prefix of the popularity order, so that a larger cache holds a superset
        for (int[] x : all) {
            if (used + bytes[x[0]] > capacityBytes) {
                break;
            }
            resident[x[0]][x[1]] = true;
            used += bytes[x[0]];
            victims.add(key(x[0], x[1]));
        }
    }

    private long[] key(int l, int e) {
        long c = policy == OffloadSpec.Policy.LFU ? count[l][e] : 0;
        return new long[] {c, stamp[l][e], l, e};
    }

    private static int compareKeys(long[] a, long[] b) {
        for (int i = 0; i < 4; i++) {
            int c = Long.compare(a[i], b[i]);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    private long fetchPs(long n) {
        return (long) Math.ceil(n * psPerByte);
    }

    /** One iteration of {@code tokens} tokens whose compute takes {@code computePs}. */
    public Step next(long tokens, long computePs) {
        iterations++;
        long window = computePs / totalLayers;
        long stall = 0;
        long fetched = 0;
        long active = 0;
        long missed = 0;
        long activeBytes = 0;
        boolean[] act = new boolean[experts];
        for (int l = 0; l < bytes.length; l++) {
            // activation: drawn for every expert whatever the policy, so the stream is the same for all
            for (int e = 0; e < experts; e++) {
                double q = Math.min(1.0, topK * popularity[l][e]);
                double pActive = tokens <= 0 ? 0 : 1 - Math.pow(1 - q, tokens);
                act[e] = rnd.nextDouble() < pActive;
            }
            boolean[] pre = new boolean[experts];
            long preBytes = 0;
            if (policy == OffloadSpec.Policy.PREFETCH || policy == OffloadSpec.Policy.PREGATED) {
                // prefetch: the most popular non-resident experts; pre-gated: the ones this iteration activates (the router ran ahead)
                boolean known = policy == OffloadSpec.Policy.PREGATED;
                long n = 0;
                for (int e : order[l]) {
                    if (!resident[l][e] && (!known || act[e])) {
                        if (latencyPs + fetchPs((n + 1) * bytes[l]) > window) {
                            break;
                        }
                        pre[e] = true;
                        n++;
                    }
                }
                preBytes = n * bytes[l];
                prefetched += n;
            }
            long demand = 0;
            for (int e = 0; e < experts; e++) {
                if (!act[e]) {
                    continue;
                }
                active++;
                activeBytes += bytes[l];
                if (resident[l][e]) {
                    hits++;
                    touch(l, e);
                } else if (pre[e]) {
                    hits++;
                    count[l][e]++;
                } else {
                    count[l][e]++;
                    misses++;
                    missed++;
                    demand += bytes[l];
                }
            }
            if ((policy == OffloadSpec.Policy.LRU || policy == OffloadSpec.Policy.LFU) && demand > 0) {
                for (int e = 0; e < experts; e++) {
                    if (act[e] && !resident[l][e]) {
                        admit(l, e, act);
                    }
                }
            }
            if (demand > 0) {
                stall += latencyPs + fetchPs(demand);
            }
            fetched += demand + preBytes;
        }
        long lower = (long) Math.floor(Math.max(0, activeBytes - capacityBytes) * psPerByte);
        fetchedBytes += fetched;
        stallPs += stall;
        return new Step(stall, fetched, active, missed, Math.max(computePs, lower));
    }

    private void touch(int l, int e) {
        victims.remove(key(l, e));
        count[l][e]++;
        stamp[l][e] = ++clock;
        victims.add(key(l, e));
    }

    /** Puts a fetched expert into the cache, evicting others not needed by this layer now (or streams it through if it cannot stay). */
    private void admit(int l, int e, boolean[] act) {
        if (bytes[l] > capacityBytes) {
            stamp[l][e] = ++clock;
            return;
        }
        List<long[]> skipped = new ArrayList<>();
        while (used + bytes[l] > capacityBytes && !victims.isEmpty()) {
            long[] v = victims.pollFirst();
            int vl = (int) v[2];
            int ve = (int) v[3];
            if (vl == l && act[ve]) {
                skipped.add(v);
                continue;
            }
            resident[vl][ve] = false;
            used -= bytes[vl];
        }
        victims.addAll(skipped);
        stamp[l][e] = ++clock;
        if (used + bytes[l] <= capacityBytes) {
            resident[l][e] = true;
            used += bytes[l];
            victims.add(key(l, e));
        }
    }

    public long hits() {
        return hits;
    }

    public long misses() {
        return misses;
    }

    public long fetchedBytes() {
        return fetchedBytes;
    }

    public long stallPs() {
        return stallPs;
    }

    public long prefetched() {
        return prefetched;
    }

    public long iterations() {
        return iterations;
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    /** Experts resident now (all layers). */
    public long residentExperts() {
        long n = 0;
        for (boolean[] r : resident) {
            for (boolean b : r) {
                n += b ? 1 : 0;
            }
        }
        return n;
    }

    /** Bytes of every routed expert of the model (all MoE layers). */
    public long allExpertBytes() {
        long s = 0;
        for (long b : bytes) {
            s += b * experts;
        }
        return s;
    }

    /** Per MoE layer of {@code m}: one routed expert's bytes in its format (the serving dtype where none). */
    public static long[] expertBytes(ModelConfig m, DType dtype) {
        List<Long> out = new ArrayList<>();
        long params = (long) m.activation().matrices() * m.hidden() * m.moe().expertFfn();
        for (int l = 0; l < m.layers(); l++) {
            if (m.isMoeLayer(l)) {
                WeightFormat f = m.moe().quant() == null ? null : m.moe().quant().formatOf(l);
                out.add(f == null ? dtype.bytesFor(params) : f.bytesFor(params));
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    /** Per MoE layer: each expert's routing share under {@code routing} (uniform or zipf; a trace's shares are not per layer). */
    public static double[][] popularity(ModelConfig m, Routing routing, long seed) {
        int layers = (int) java.util.stream.IntStream.range(0, m.layers()).filter(m::isMoeLayer).count();
        int e = m.moe().experts();
        double[][] p = new double[layers][e];
        for (int l = 0; l < layers; l++) {
            if (routing instanceof Routing.Zipf z) {
                SplittableRandom r = new SplittableRandom(seed * 1_000_003L + l);
                int[] perm = java.util.stream.IntStream.range(0, e).toArray();
                for (int i = e - 1; i > 0; i--) {
                    int j = r.nextInt(i + 1);
                    int t = perm[i];
                    perm[i] = perm[j];
                    perm[j] = t;
                }
                double sum = 0;
                for (int k = 0; k < e; k++) {
                    sum += Math.pow(k + 1, -z.s());
                }
                for (int k = 0; k < e; k++) {
                    p[l][perm[k]] = Math.pow(k + 1, -z.s()) / sum;
                }
            } else if (routing instanceof Routing.Uniform) {
                Arrays.fill(p[l], 1.0 / e);
            } else {
                throw new IllegalArgumentException("expert offloading takes uniform or zipf:S routing, not " + routing);
            }
        }
        return p;
    }
}
