package io.moesim.sim.offload;

import io.moesim.compiler.CompileOptions;
import io.moesim.compiler.Compiler;
import io.moesim.compiler.cost.CostModel;
import io.moesim.hw.SystemSpec;
import io.moesim.ir.DType;
import io.moesim.ir.model.GraphGenerator;
import io.moesim.ir.model.GraphRequest;
import io.moesim.ir.model.ModelConfig;
import io.moesim.ir.model.Routing;
import io.moesim.sim.Simulator;
import io.moesim.sim.system.CollectiveAlgorithm;
import it.unimi.dsi.fastutil.longs.LongImmutableList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Read-ME's expert-aware batching (Cai et al., "Read-ME: Refactorizing LLMs as Router-Decoupled Mixture of
 * Experts with System Co-Design", NeurIPS 2024, arXiv 2410.19123): the router is decoupled from its layer, so
 * every queued token's experts are known before the step that runs it ("pre-gating"), and the scheduler
 * batches tokens by expert ahead of time (the paper's Fig. 1: the tokens of expert 1 at t = 0, of expert 2 at
 * t = 1).
 *
 * <p>The experiment: a pool of {@code pool} decoding sequences, each with its next token's experts drawn from the
 * routing (pre-gated: known now), is served by ceil(pool / batch) decode steps of at most {@code batch} tokens.
 * <ul>
 * <li><b>plain router</b>: the steps take the tokens in queue order (routing is unknown when the batch is formed);</li>
 * <li><b>expert-aware</b>: each step filled greedily with the waiting tokens that add the fewest experts to it
 * ({@link #awareSteps}), so each step's tokens share experts and it reads fewer experts' weights.</li>
 * </ul>
 * Each step is a decode iteration (its routing the exact copies of its tokens, {@link Routing.Fixed}) compiled and
 * simulated on the normal run path ({@link Simulator#execute}); the round's latency is the sum of its steps (every
 * sequence gets one token per round in both cases). Every MoE layer carries the step's routing (moesim's graph
 * gives one routing to all layers of a repeat block; Read-ME's pre-gating router also picks one expert set per
 * token for every layer).
 */
public final class PregatedBatching {
    private PregatedBatching() {
    }

    /** One decode step: its tokens, the copies per expert, the experts it activates, its simulated time. */
    public record Step(int tokens, long[] copies, int activeExperts, long expertWeightBytes, double us) {
        public Step {
            copies = copies.clone();
        }
    }

    /** The plain and the expert-aware rounds over the same pool. */
    public record Result(int pool, int batch, List<Step> plain, List<Step> aware) {
        public Result {
            plain = List.copyOf(plain);
            aware = List.copyOf(aware);
        }

        public static double roundUs(List<Step> steps) {
            return steps.stream().mapToDouble(Step::us).sum();
        }

        public static double meanActive(List<Step> steps) {
            return steps.stream().mapToInt(Step::activeExperts).average().orElse(0);
        }

        public static long expertBytes(List<Step> steps) {
            return steps.stream().mapToLong(Step::expertWeightBytes).sum();
        }

        /** 1 − aware / plain round latency. */
        public double latencySaving() {
            return 1 - roundUs(aware) / roundUs(plain);
        }

        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pool", (long) pool);
            m.put("batch", (long) batch);
            m.put("steps", (long) plain.size());
            for (String side : new String[] {"plain", "aware"}) {
                List<Step> s = side.equals("plain") ? plain : aware;
                m.put(side + "_round_us", roundUs(s));
                m.put(side + "_mean_active_experts", meanActive(s));
                m.put(side + "_expert_weight_bytes", expertBytes(s));
                m.put(side + "_step_us", s.stream().map(Step::us).toList());
                m.put(side + "_step_active_experts", s.stream().map(x -> (long) x.activeExperts()).toList());
            }
            m.put("latency_saving", latencySaving());
            return m;
        }
    }

    /**
     * Each of {@code tokens} tokens' top-k experts (ascending), dealt from the routing's copies for that many tokens:
     * the per-expert totals are exactly the routing's. Tokens are dealt one by one, each taking k distinct experts,
     * first any expert whose copies left equal the tokens left (it must appear in every remaining token), the rest
     * drawn in proportion to the copies left (seeded).
     */
    public static int[][] draw(int experts, int topK, int tokens, Routing routing, long seed) {
        long[] c = routing.counts(experts, topK, tokens, seed);
        SplittableRandom r = new SplittableRandom(seed ^ 0x5EED0F12EADL);
        int[][] sets = new int[tokens][topK];
        for (int t = 0; t < tokens; t++) {
            long rest = tokens - t;
            boolean[] taken = new boolean[experts];
            int k = 0;
            for (int e = 0; e < experts && k < topK; e++) {
                if (c[e] == rest) {
                    taken[e] = true;
                    sets[t][k++] = e;
                }
            }
            for (; k < topK; k++) {
                long avail = 0;
                for (int e = 0; e < experts; e++) {
                    avail += taken[e] ? 0 : c[e];
                }
                long u = r.nextLong(avail);
                int pick = -1;
                for (int e = 0; e < experts && pick < 0; e++) {
                    if (!taken[e]) {
                        u -= c[e];
                        pick = u < 0 ? e : -1;
                    }
                }
                taken[pick] = true;
                sets[t][k] = pick;
            }
            for (int x : sets[t]) {
                c[x]--;
            }
            Arrays.sort(sets[t]);
        }
        return sets;
    }

    /** Steps of at most {@code batch} tokens in queue order (the plain router). */
    public static List<int[]> plainSteps(int tokens, int batch) {
        List<int[]> out = new ArrayList<>();
        for (int s = 0; s < tokens; s += batch) {
            int n = Math.min(batch, tokens - s);
            int[] st = new int[n];
            for (int i = 0; i < n; i++) {
                st[i] = s + i;
            }
            out.add(st);
        }
        return out;
    }

    /**
     * Steps of at most {@code batch} tokens grouped by expert (expert-aware): each step is filled greedily with the
     * token that adds the fewest experts the step does not hold yet; ties go to the token whose experts have the most
     * tokens still waiting (a hot expert gathers its tokens), then to queue order.
     */
    public static List<int[]> awareSteps(int[][] sets, int batch) {
        int experts = 0;
        for (int[] s : sets) {
            for (int e : s) {
                experts = Math.max(experts, e + 1);
            }
        }
        long[] waiting = new long[experts];
        for (int[] s : sets) {
            for (int e : s) {
                waiting[e]++;
            }
        }
        boolean[] done = new boolean[sets.length];
        List<int[]> out = new ArrayList<>();
        for (int left = sets.length; left > 0;) {
            boolean[] held = new boolean[experts];
            int n = Math.min(batch, left);
            int[] st = new int[n];
            for (int i = 0; i < n; i++) {
                int best = -1;
                int bestNew = Integer.MAX_VALUE;
                long bestHeat = -1;
                for (int t = 0; t < sets.length; t++) {
                    if (done[t]) {
                        continue;
                    }
                    int fresh = 0;
                    long heat = 0;
                    for (int e : sets[t]) {
                        fresh += held[e] ? 0 : 1;
                        heat += waiting[e];
                    }
                    if (fresh < bestNew || fresh == bestNew && heat > bestHeat) {
                        best = t;
                        bestNew = fresh;
                        bestHeat = heat;
                    }
                }
                done[best] = true;
                st[i] = best;
                for (int e : sets[best]) {
                    held[e] = true;
                    waiting[e]--;
                }
            }
            left -= n;
            out.add(st);
        }
        return out;
    }

    /** Copies per expert of a step's tokens. */
    public static long[] copies(int[][] sets, int[] step, int experts) {
        long[] c = new long[experts];
        for (int t : step) {
            for (int e : sets[t]) {
                c[e]++;
            }
        }
        return c;
    }

    /** Both rounds over a pool of {@code pool} decoding sequences at {@code kvLen}, steps of {@code batch}. */
    public static Result run(ModelConfig m, DType dtype, SystemSpec sys, CompileOptions options, CostModel cost, CollectiveAlgorithm algorithm,
            int pool, int batch, long kvLen, Routing routing, long seed) {
        if (m.moe() == null) {
            throw new io.moesim.ir.model.ModelException("expert-aware batching needs a model with MoE layers; " + m.name() + " has none");
        }
        if (pool < 1 || batch < 1 || batch > pool) {
            throw new io.moesim.ir.model.ModelException("expert-aware batching needs 1 <= batch <= pool, got batch " + batch + ", pool " + pool);
        }
        int experts = m.moe().experts();
        int[][] sets = draw(experts, m.moe().topK(), pool, routing, seed);
        Map<String, Double> memo = new HashMap<>();
        long expertBytes = perExpertBytes(m, dtype);
        List<Step> plain = new ArrayList<>();
        List<Step> aware = new ArrayList<>();
        for (int side = 0; side < 2; side++) {
            for (int[] st : side == 0 ? plainSteps(pool, batch) : awareSteps(sets, batch)) {
                long[] c = copies(sets, st, experts);
                int active = (int) Arrays.stream(c).filter(x -> x > 0).count();
                GraphRequest req = new GraphRequest(m, io.moesim.ir.model.Phase.DECODE, st.length, 1, kvLen, 0, dtype,
                        new Routing.Fixed(LongImmutableList.of(c)), seed);
                double us = memo.computeIfAbsent(st.length + ":" + Arrays.toString(c), k -> Simulator.execute(
                        Compiler.compile(GraphGenerator.generate(req), sys, options, cost).plan(), sys, cost, algorithm).makespanPs() / 1e6);
                (side == 0 ? plain : aware).add(new Step(st.length, c, active, active * expertBytes, us));
            }
        }
        return new Result(pool, batch, plain, aware);
    }

    /** One routed expert's weight bytes summed over the MoE layers (each layer's format). */
    static long perExpertBytes(ModelConfig m, DType dtype) {
        return Arrays.stream(ExpertOffload.expertBytes(m, dtype)).sum();
    }
}
