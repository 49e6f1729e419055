package io.moesim.sim.widep;

import io.moesim.sim.SimulationException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Which logical experts each EP rank holds: physical slots, each a replica of one logical expert.
 * A token routed to an expert with several replicas is served by one of them; the replicas share the
 * expert's tokens as evenly as whole tokens allow.
 *
 * <p>{@link #contiguous} is plain expert parallelism (rank r holds experts [r·E/R, (r+1)·E/R)).
 * {@link #eplb} is DeepSeek's EPLB (github.com/deepseek-ai/EPLB, {@code eplb.py}, global policy):
 * each redundant slot goes, one at a time, to the expert with the highest load per replica
 * ({@code replicate_experts}); then the replicas, heaviest first, are packed onto the ranks, each
 * to the least loaded rank that still has a free slot, every rank getting the same number of slots
 * ({@code balanced_packing}).
 *
 * <p>Greedy packing is not monotone in the slot count: one more round of redundant slots can leave a
 * slightly more loaded rank (DeepSeek-V3 prefill at EP 32: 96 slots gave max/mean 1.0010 where 64
 * gave 1.0005). {@link #eplbBest} therefore plans every feasible slot count up to the given one and
 * keeps the plan with the least loaded busiest rank, leaving the other slots empty ({@link #EMPTY}: memory
 * kept, no expert loaded). So more slots never raise the busiest rank's load.
 *
 * @param slots      slots[r] = the logical experts of rank r's physical slots ({@link #EMPTY}: none)
 * @param replicas   replicas[e] = how many slots hold expert e; its tokens are split evenly over them
 */
public record ExpertLayout(int experts, int[][] slots, int[] replicas) {
    /** A slot holding no expert. */
    public static final int EMPTY = -1;

    public int ranks() {
        return slots.length;
    }

    /** Redundant slots: physical slots beyond one per expert. */
    public int redundant() {
        int n = 0;
        for (int[] s : slots) {
            n += s.length;
        }
        return n - experts;
    }

    /** Slots that hold an expert, less one per expert: the redundant experts actually loaded. */
    public int usedRedundant() {
        int n = 0;
        for (int[] s : slots) {
            for (int e : s) {
                n += e == EMPTY ? 0 : 1;
            }
        }
        return n - experts;
    }

    /** Plain EP: contiguous blocks of experts, no replicas. */
    public static ExpertLayout contiguous(int experts, int ranks) {
        if (ranks < 1 || ranks > experts) {
            throw new SimulationException(0, "--moe-ep", "EP degree must be 1 to the expert count " + experts + " without redundant slots, got " + ranks);
        }
        int[][] slots = new int[ranks][];
        for (int r = 0; r < ranks; r++) {
            int lo = (int) ((long) r * experts / ranks);
            int hi = (int) ((long) (r + 1) * experts / ranks);
            slots[r] = new int[hi - lo];
            for (int e = lo; e < hi; e++) {
                slots[r][e - lo] = e;
            }
        }
        int[] rep = new int[experts];
        Arrays.fill(rep, 1);
        return new ExpertLayout(experts, slots, rep);
    }

    /**
     * EPLB from per-expert load statistics: {@code redundant} extra slots, (experts + redundant) a multiple of
     * {@code ranks}. With no redundant slots this still rebalances (packs whole experts by load).
     */
    public static ExpertLayout eplb(long[] load, int ranks, int redundant) {
        int experts = load.length;
        int physical = experts + redundant;
        if (redundant < 0 || ranks < 1 || physical % ranks != 0 || physical < ranks) {
            throw new SimulationException(0, "--eplb-slots", "experts (" + experts + ") + redundant slots (" + redundant
                    + ") must be a positive multiple of the EP degree " + ranks + " (every rank gets the same number of slots)");
        }
        int[] rep = new int[experts];
        Arrays.fill(rep, 1);
        for (int i = 0; i < redundant; i++) {
            int best = 0;
            for (int e = 1; e < experts; e++) {
                // load[e]/rep[e] > load[best]/rep[best], exactly
                if ((double) load[e] * rep[best] > (double) load[best] * rep[e]) {
                    best = e;
                }
            }
            rep[best]++;
        }
        record Item(int expert, double weight) {
        }
        List<Item> items = new ArrayList<>(physical);
        for (int e = 0; e < experts; e++) {
            for (int k = 0; k < rep[e]; k++) {
                items.add(new Item(e, (double) load[e] / rep[e]));
            }
        }
        items.sort(Comparator.comparingDouble(Item::weight).reversed().thenComparingInt(Item::expert));
        int per = physical / ranks;
        double[] packLoad = new double[ranks];
        int[] fill = new int[ranks];
        int[][] slots = new int[ranks][per];
        for (Item it : items) {
            int best = -1;
            for (int r = 0; r < ranks; r++) {
                if (fill[r] < per && (best < 0 || packLoad[r] < packLoad[best])) {
                    best = r;
                }
            }
            slots[best][fill[best]++] = it.expert();
            packLoad[best] += it.weight();
        }
        return new ExpertLayout(experts, slots, rep);
    }

    /**
     * EPLB with up to {@code redundant} slots: the greedy plan of every feasible slot count
     * (experts + n a multiple of ranks, n <= redundant) is made, the one whose busiest rank has the least
     * load wins (ties: fewer slots), and each rank's unused slots stay {@link #EMPTY}.
     */
    public static ExpertLayout eplbBest(long[] load, int ranks, int redundant) {
        int experts = load.length;
        if ((experts + redundant) % ranks != 0) {
            return eplb(load, ranks, redundant); // the one-line error
        }
        ExpertLayout best = null;
        long bestMax = Long.MAX_VALUE;
        for (int n = redundant % ranks; n <= redundant; n += ranks) {
            if ((experts + n) % ranks != 0 || experts + n < ranks) {
                continue;
            }
            ExpertLayout l = eplb(load, ranks, n);
            long max = 0;
            for (long x : l.rankLoads(load)) {
                max = Math.max(max, x);
            }
            if (max < bestMax) {
                bestMax = max;
                best = l;
            }
        }
        if (best == null) {
            return eplb(load, ranks, redundant);
        }
        int per = (experts + redundant) / ranks;
        int[][] slots = new int[ranks][];
        for (int r = 0; r < ranks; r++) {
            int[] s = best.slots()[r];
            slots[r] = java.util.Arrays.copyOf(s, per);
            java.util.Arrays.fill(slots[r], s.length, per, EMPTY);
        }
        return new ExpertLayout(experts, slots, best.replicas());
    }

    /**
     * Token copies each rank's slots receive: an expert's {@code tokens} split over its replicas, the
     * remainder one each to its first replicas (in rank order); an empty slot gets none.
     *
     * @return perSlot[r][i] = tokens of rank r's slot i
     */
    public long[][] slotTokens(long[] tokens) {
        if (tokens.length != experts) {
            throw new IllegalArgumentException("expected " + experts + " expert counts, got " + tokens.length);
        }
        int[] seen = new int[experts];
        long[][] out = new long[slots.length][];
        for (int r = 0; r < slots.length; r++) {
            out[r] = new long[slots[r].length];
            for (int i = 0; i < slots[r].length; i++) {
                int e = slots[r][i];
                if (e == EMPTY) {
                    continue;
                }
                long share = tokens[e] / replicas[e] + (seen[e] < tokens[e] % replicas[e] ? 1 : 0);
                seen[e]++;
                out[r][i] = share;
            }
        }
        return out;
    }

    /** Token copies per rank (the sum of its slots'). */
    public long[] rankLoads(long[] tokens) {
        long[][] s = slotTokens(tokens);
        long[] l = new long[s.length];
        for (int r = 0; r < s.length; r++) {
            for (long t : s[r]) {
                l[r] += t;
            }
        }
        return l;
    }

    /** max / mean of the per-rank loads (1 when there is no load). */
    public static double maxOverMean(long[] loads) {
        long max = 0;
        long sum = 0;
        for (long l : loads) {
            max = Math.max(max, l);
            sum += l;
        }
        return sum == 0 ? 1.0 : (double) max * loads.length / sum;
    }
}
