package io.moesim.sim.offload;

import io.moesim.ir.DType;
import io.moesim.ir.WeightFormat;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.Routing;
import it.unimi.dsi.fastutil.ints.IntArrayList;
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

    /**
     * The host CPU that runs cold experts under {@link OffloadSpec.Policy#CPU}, all devices together.
     *
     * @param flopsPerS        its matrix rate (bf16)
     * @param memoryBytesPerS  its memory bandwidth (it reads the expert's weights where they live)
     * @param flopsPerToken    per MoE layer: one expert's FLOPs per token (2 per weight)
     * @param activationBytes  one token's activation (hidden x dtype): sent to the host and its result sent back
     */
    public record HostCpu(double flopsPerS, double memoryBytesPerS, long[] flopsPerToken, long activationBytes) {
        public HostCpu {
            if (!(flopsPerS > 0) || !(memoryBytesPerS > 0) || activationBytes < 0) {
                throw new IllegalArgumentException("host CPU: rate and bandwidth must be > 0");
            }
            flopsPerToken = flopsPerToken.clone();
        }
    }

    private HostCpu cpu;
    private long cpuExperts;

    /** The same, with the host CPU that {@link OffloadSpec.Policy#CPU} runs cold experts on. */
    public ExpertOffload(OffloadSpec.Policy policy, int totalLayers, int experts, int topK, long[] bytes, double[][] popularity, long capacityBytes,
            double bandwidthBps, long latencyPs, long seed, HostCpu cpu) {
        this(policy, totalLayers, experts, topK, bytes, popularity, capacityBytes, bandwidthBps, latencyPs, seed);
        if (policy == OffloadSpec.Policy.CPU && (cpu == null || cpu.flopsPerToken().length != bytes.length)) {
            throw new IllegalArgumentException("expert offload: the cpu policy needs the host CPU's figures for every MoE layer");
        }
        this.cpu = cpu;
    }

    /** Experts run on the host CPU so far (policy cpu). */
    public long cpuExperts() {
        return cpuExperts;
    }

    /**
     * Layer stall under the cpu policy: the misses sorted by expected tokens ascending (the coldest first: the CPU's
     * case), and the prefix of them run on the CPU that gives the shortest layer; the empty prefix is on-demand fetching,
     * so this is never slower. The GPU's fetch and the CPU's work overlap each other and the layer's GPU compute:
     * stall = max(latency + fetched bytes / bandwidth, CPU time − window). The order does not depend on the tier, so a
     * faster tier or a larger cache never lengthens the best choice.
     */
    private long cpuLayer(int l, boolean[] act, long tokens, long window, long[] demandOut) {
        IntArrayList miss = new IntArrayList();
        for (int e = 0; e < experts; e++) {
            if (act[e] && !resident[l][e]) {
                miss.add(e);
            }
        }
        int n = miss.size();
        if (n == 0) {
            demandOut[0] = 0;
            return 0;
        }
        double[] tok = new double[experts];
        for (int k = 0; k < n; k++) {
            int e = miss.getInt(k);
            double q = Math.min(1.0, topK * popularity[l][e]);
            double pAct = 1 - Math.pow(1 - q, tokens);
            tok[e] = pAct > 0 ? tokens * q / pAct : 1; // expected tokens given that it is active
        }
        int[] sorted = miss.toIntArray();
        java.util.Arrays.sort(sorted); // ascending index first, then a stable sort by tokens
        Integer[] boxed = java.util.Arrays.stream(sorted).boxed().toArray(Integer[]::new);
        java.util.Arrays.sort(boxed, (a, b) -> Double.compare(tok[a], tok[b]));
        int best = 0;
        long bestStall = latencyPs + fetchPs((long) n * bytes[l]);
        double cpuPs = 0;
        for (int k = 0; k < n; k++) {
            int e = boxed[k];
            double compute = cpu.flopsPerToken()[l] * tok[e] / cpu.flopsPerS();
            double weights = bytes[l] / cpu.memoryBytesPerS();
            cpuPs += Math.max(compute, weights) * 1e12 + 2 * tok[e] * cpu.activationBytes() * psPerByte;
            long rest = (long) (n - k - 1) * bytes[l];
            long fetch = rest == 0 ? 0 : latencyPs + fetchPs(rest);
            long stall = Math.max(fetch, (long) Math.ceil(latencyPs + cpuPs) - window);
            if (stall < bestStall) {
                bestStall = stall;
                best = k + 1;
            }
        }
        cpuExperts += best;
        demandOut[0] = (long) (n - best) * bytes[l];
        for (int k = 0; k < n; k++) {
            count[l][boxed[k]]++;
        }
        misses += n; // not in HBM: fetched or run on the CPU
        return Math.max(0, bestStall);
    }

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
            if (policy == OffloadSpec.Policy.CPU) {
                long[] d = new long[1];
                long before = misses;
                for (int e = 0; e < experts; e++) {
                    if (act[e]) {
                        active++;
                        activeBytes += bytes[l];
                        if (resident[l][e]) {
                            hits++;
                            touch(l, e);
                        }
                    }
                }
                stall += cpuLayer(l, act, tokens, window, d);
                missed += misses - before;
                fetched += d[0];
                continue;
            }
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
        // with the CPU in play a non-resident expert's weights either cross the link or are read by the host CPU,
        // at best both at once: the bytes no policy can avoid move at no more than the two bandwidths together
        double perByte = policy == OffloadSpec.Policy.CPU ? 1e12 / (1e12 / psPerByte + cpu.memoryBytesPerS()) : psPerByte;
        long lower = (long) Math.floor(Math.max(0, activeBytes - capacityBytes) * perByte);
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
                if (m.moe().quant() != null && m.moe().quant().expertFormatsOf(l, m.moe().experts()) != null) {
                    throw new io.moesim.ir.model.ModelException("expert formats: per-expert formats (layer " + l
                            + ") are not modelled with --hbm-budget/--offload (the expert cache sizes experts per layer); give per-layer formats");
                }
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
