package io.moesim.sim.tune;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntToDoubleFunction;

/**
 * A serving run simulated step by step from the pools' step times, for deployments no serving loop runs
 * (wide-EP pools): Poisson arrivals (seeded), prompts queued FIFO to the prefill instances, each step of
 * an instance taking up to {@code promptsPerStep} waiting prompts, spread over its {@code prefillRanks} ranks, for
 * {@code prefillS} x (the busiest rank's prompts / a full step's per rank); a prompt's first
 * token at the end of its step plus the KV transfer; then each request joins the decode instance with
 * the fewest sequences (disaggregated; up to the instance's max batch, else it waits), where every step
 * of {@code decodeS(per-rank batch)} emits one token per sequence; TPOT = (last token − first token) /
 * (L_out − 1). Aggregated: one instance runs a prefill step when prompts wait (its decodes stall) and
 * a decode step otherwise. Results are p90 over all requests (nearest rank), in seconds.
 */
final class StepServing {
    private StepServing() {
    }

    /** p90 TTFT, p90 TPOT, mean decode batch per rank over decode steps. */
    record Outcome(double ttftP90S, double tpotP90S, double meanBatchPerRank) {
    }

    /**
     * @param decodeS step time at a per-rank decode batch (1 ... maxPerRank)
     */
    static Outcome run(boolean disaggregated, int prefillInstances, int promptsPerStep, int prefillRanks, double prefillS, double transferS,
            int decodeInstances, int ranks, int maxPerRank, IntToDoubleFunction decodeS, int requests, int out, double qps, long seed) {
        // a step of n prompts spread over the ranks lasts as long as its busiest rank's share: prefillS for a full step
        int perRankFull = Math.max(1, promptsPerStep / prefillRanks);
        java.util.function.IntToDoubleFunction prefill = n -> prefillS * Math.min(perRankFull, (n + prefillRanks - 1) / prefillRanks) / perRankFull;
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] arrival = new double[requests];
        double t = 0;
        for (int i = 0; i < requests; i++) {
            t += -Math.log(1 - rnd.nextDouble()) / qps;
            arrival[i] = t;
        }
        double[] first = new double[requests];
        double[] last = new double[requests];
        double batchSum = 0;
        long steps = 0;
        if (disaggregated) {
            double[] free = new double[prefillInstances];
            int i = 0;
            while (i < requests) {
                int j = 0;
                for (int k = 1; k < free.length; k++) {
                    if (free[k] < free[j]) {
                        j = k;
                    }
                }
                double start = Math.max(free[j], arrival[i]);
                int n = 0;
                while (n < promptsPerStep && i + n < requests && arrival[i + n] <= start) {
                    n++;
                }
                double done = start + prefill.applyAsDouble(n);
                for (int k = 0; k < n; k++, i++) {
                    first[i] = done + transferS;
                }
                free[j] = done;
            }
            Integer[] order = new Integer[requests];
            for (int k = 0; k < requests; k++) {
                order[k] = k;
            }
            Arrays.sort(order, (a, b) -> Double.compare(first[a], first[b]));
            List<Deque<Integer>> queues = new ArrayList<>();
            for (int k = 0; k < decodeInstances; k++) {
                queues.add(new ArrayDeque<>());
            }
            for (int k = 0; k < requests; k++) {
                queues.get(k % decodeInstances).add(order[k]); // ready order, round robin: equal shares
            }
            for (Deque<Integer> q : queues) {
                double[] acc = decode(q, first, last, ranks, maxPerRank, decodeS, out);
                batchSum += acc[0];
                steps += (long) acc[1];
            }
        } else {
            // one instance: prefill steps take priority; decodes stall meanwhile
            int next = 0;
            double now = 0;
            List<int[]> active = new ArrayList<>(); // {request, tokens left}
            Deque<Integer> waiting = new ArrayDeque<>();
            int doneCount = 0;
            while (doneCount < requests) {
                while (next < requests && arrival[next] <= now) {
                    waiting.add(next++);
                }
                if (!waiting.isEmpty() && active.size() < (long) maxPerRank * ranks) {
                    int take = (int) Math.min(Math.min(promptsPerStep, waiting.size()), (long) maxPerRank * ranks - active.size());
                    double end = now + prefill.applyAsDouble(take);
                    for (int n = 0; n < take; n++) {
                        int r = waiting.poll();
                        first[r] = end;
                        if (out <= 1) {
                            last[r] = end;
                            doneCount++;
                        } else {
                            active.add(new int[] {r, out - 1});
                        }
                    }
                    now = end;
                } else if (!active.isEmpty()) {
                    int per = (active.size() + ranks - 1) / ranks;
                    now += decodeS.applyAsDouble(per);
                    batchSum += per;
                    steps++;
                    doneCount += emit(active, last, now);
                } else {
                    now = arrival[next];
                }
            }
        }
        double[] ttft = new double[requests];
        double[] tpot = new double[requests];
        for (int i = 0; i < requests; i++) {
            ttft[i] = first[i] - arrival[i];
            tpot[i] = out <= 1 ? 0 : (last[i] - first[i]) / (out - 1);
        }
        return new Outcome(p90(ttft), p90(tpot), steps == 0 ? 0 : batchSum / steps);
    }

    /** One decode instance serving {@code q} (in ready order); returns {sum of per-rank batches, steps}. */
    private static double[] decode(Deque<Integer> q, double[] first, double[] last, int ranks, int maxPerRank, IntToDoubleFunction decodeS, int out) {
        double now = 0;
        double sum = 0;
        long steps = 0;
        List<int[]> active = new ArrayList<>();
        while (!q.isEmpty() || !active.isEmpty()) {
            while (!q.isEmpty() && first[q.peek()] <= now && active.size() < (long) maxPerRank * ranks) {
                int r = q.poll();
                if (out <= 1) {
                    last[r] = first[r];
                } else {
                    active.add(new int[] {r, out - 1});
                }
            }
            if (active.isEmpty()) {
                if (!q.isEmpty()) {
                    now = Math.max(now, first[q.peek()]);
                }
                continue;
            }
            int per = (active.size() + ranks - 1) / ranks;
            now += decodeS.applyAsDouble(per);
            sum += per;
            steps++;
            emit(active, last, now);
        }
        return new double[] {sum, steps};
    }

    /** One decode step ending at {@code now}: a token for every active sequence {request, tokens left}; returns how many finished. */
    private static int emit(List<int[]> active, double[] last, double now) {
        int done = 0;
        for (int k = active.size() - 1; k >= 0; k--) {
            int[] a = active.get(k);
            if (--a[1] == 0) {
                last[a[0]] = now;
                active.remove(k);
                done++;
            }
        }
        return done;
    }

    /** The nearest-rank 90th percentile. */
    static double p90(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[Math.max(0, (int) Math.ceil(0.9 * s.length) - 1)];
    }
}
