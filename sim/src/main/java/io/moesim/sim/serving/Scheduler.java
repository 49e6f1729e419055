package io.moesim.sim.serving;

import io.moesim.sim.SimulationException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Continuous batching under a maximum batch (sequences in flight), a token budget per iteration
 * (chunked prefill) and the KV-cache capacity in tokens.
 *
 * <p>Each iteration: every running sequence past its prompt decodes one token (one new KV slot
 * each); if those slots do not fit, the most recently admitted sequence is preempted (recompute
 * policy: its KV is freed and it goes back to the head of the queue, to recompute its prompt plus
 * what it had generated) until they do. The rest of the token budget goes first to running
 * sequences still in their prompt, then to queued requests, admitted in arrival order while the
 * batch has room and the KV cache can hold their whole prompt beside what is already promised.
 * A prefill that completes its prompt yields a token in the same iteration (as engines sample it).
 *
 * <p>Without {@code chunked} prefill (TensorRT-LLM's default) a prompt runs whole in one iteration: one that
 * does not fit what is left of the token budget waits for the next iteration.
 *
 * <p>Under {@code noEvict} (TensorRT-LLM's GUARANTEED_NO_EVICT) a queued request is admitted only when
 * its whole prompt and output fit beside every running sequence's remaining growth, so the cache never
 * runs short and nothing is preempted.
 *
 * <p>Prefix caching: a sequence's {@link Sequence#shared} prompt tokens are already in the cache, so
 * its prefill starts after them and they take no KV of its own (the caller keeps the shared blocks
 * out of {@code kvCapacity}).
 *
 * <p>Speculative decoding ({@link #speculate}): a decode verifies k + 1 query tokens and keeps up to
 * k + 1 of them, so it holds k + 1 KV slots in the iteration instead of one; {@link #complete(Batch,
 * long, TokenSink, int[])} adds the tokens each decode emitted.
 *
 * <p>Without mixed iterations ({@link #separatePhases}) an iteration is either prefill or decode, never both, as SGLang
 * runs by default ({@code enable_mixed_chunk} off): a prefill iteration whenever the waiting prompts (and running ones
 * still in their prompt) can be admitted under the same KV and batch rules, its token budget all theirs, else a decode
 * iteration of every running sequence. SGLang's {@code Scheduler.get_next_batch_to_run}
 * (python/sglang/srt/managers/scheduler.py) forms a new prefill batch first and runs it if there is one ("Run prefill
 * first if possible"), else runs the decode batch. The running decodes keep their next KV slots out of what a prefill
 * iteration may admit, so that they are never preempted by it.
 */
final class Scheduler {
    private final int maxBatch;
    private final long tokenBudget;
    private final long kvCapacity;
    private final boolean noEvict;
    private final boolean chunked;
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> running = new ArrayList<>();
    private long kvUsed;
    private long peakKv;
    private long preemptions;
    /** KV slots a decode may fill in one iteration: 1, or k + 1 under speculation. */
    private int decodeSlots = 1;
    /** No mixed iterations: prefill or decode, prefill first when prompts can be admitted. */
    private boolean separate;

    Scheduler(int maxBatch, long tokenBudget, long kvCapacity) {
        this(maxBatch, tokenBudget, kvCapacity, false);
    }

    /**
     * @param noEvict admit a request only when the KV cache can hold it to its last token beside what the
     *        running sequences may still grow to (TensorRT-LLM's GUARANTEED_NO_EVICT capacity policy), so
     *        that no sequence is ever preempted
     */
    Scheduler(int maxBatch, long tokenBudget, long kvCapacity, boolean noEvict) {
        this(maxBatch, tokenBudget, kvCapacity, noEvict, true);
    }

    /**
     * @param chunked whether a prompt may be split over iterations; false schedules each prompt whole in one
     *        iteration (a prompt that does not fit what is left of the token budget waits for the next one;
     *        one longer than the whole budget still runs, in chunks, so that nothing stalls)
     */
    Scheduler(int maxBatch, long tokenBudget, long kvCapacity, boolean noEvict, boolean chunked) {
        this.noEvict = noEvict;
        this.chunked = chunked;
        if (maxBatch < 1 || tokenBudget < 1 || kvCapacity < 1) {
            throw new IllegalArgumentException("max batch, token budget and KV capacity must be >= 1");
        }
        this.maxBatch = maxBatch;
        this.tokenBudget = tokenBudget;
        this.kvCapacity = kvCapacity;
    }

    /** Each decode from now on verifies {@code k} proposed tokens (k + 1 KV slots per iteration). */
    void speculate(int k) {
        if (k < 0) {
            throw new IllegalArgumentException("speculation: k must be >= 0, got " + k);
        }
        decodeSlots = k + 1;
    }

    /** From now on every iteration is prefill-only or decode-only, prefill first when it can admit a prompt (SGLang's default). */
    void separatePhases() {
        separate = true;
    }

    void arrive(Sequence s) {
        if ((long) s.in + s.out - s.shared > kvCapacity) {
            throw new SimulationException(s.arrivalPs, "scheduler", "request " + s.id + " needs " + ((long) s.in + s.out)
                    + " KV tokens (L_in + L_out); the KV cache holds " + kvCapacity);
        }
        waiting.addLast(s);
    }

    Batch form(long now) {
        Batch b = new Batch();
        while (true) {
            long slots = 0;
            for (Sequence s : running) {
                if (s.decoding()) {
                    slots += slots(s);
                }
            }
            if (kvUsed + slots <= kvCapacity || running.isEmpty()) {
                break;
            }
            preempt(running.get(running.size() - 1));
        }
        long promised = 0;
        long decodeSlotsUsed = 0;
        for (Sequence s : running) {
            if (s.decoding()) {
                b.decodes.add(s);
                decodeSlotsUsed += slots(s);
                promised += noEvict ? s.out - s.generated : slots(s);
            } else {
                promised += s.prefillTarget - s.prefilled + (noEvict ? s.out - s.generated : 0);
            }
        }
        // a verifying decode computes k + 1 tokens; without mixed iterations the prompts get the whole budget or none
        long budget = separate ? tokenBudget : tokenBudget - decodeSlotsUsed;
        long free = kvCapacity - kvUsed - decodeSlotsUsed;
        for (Sequence s : running) {
            if (budget <= 0) {
                break;
            }
            if (!s.decoding()) {
                long chunk = Math.min(Math.min(s.prefillTarget - s.prefilled, budget), free);
                if (!chunked && chunk < s.prefillTarget - s.prefilled && s.prefillTarget - s.prefilled <= tokenBudget) {
                    continue; // whole prompts only: this one waits for an iteration with room
                }
                if (chunk > 0) {
                    b.prefills.add(s);
                    b.chunks.add(chunk);
                    budget -= chunk;
                    free -= chunk;
                }
            }
        }
        while (budget > 0 && running.size() < maxBatch && !waiting.isEmpty()) {
            Sequence s = waiting.peekFirst();
            long need = s.prefillTarget - s.prefilled;
            long reserve = need + (noEvict ? s.out - s.generated : 0);
            if (kvUsed + promised + reserve > kvCapacity) {
                break;
            }
            if (!chunked && need > budget && need <= tokenBudget) {
                break; // whole prompts only: the next one waits for an iteration with room
            }
            waiting.pollFirst();
            running.add(s);
            promised += reserve;
            long chunk = Math.min(need, budget);
            b.prefills.add(s);
            b.chunks.add(chunk);
            budget -= chunk;
        }
        if (separate && !b.prefills.isEmpty()) {
            b.decodes.clear(); // a prefill iteration: the decodes wait for the next one
        }
        if (b.isEmpty() && !running.isEmpty()) {
            throw new SimulationException(now, "scheduler", "no progress possible: " + running.size() + " running, KV "
                    + kvUsed + " of " + kvCapacity + " tokens");
        }
        return b;
    }

    /** KV slots a decode may fill this iteration: one, or k + 1 under speculation, never past its last token. */
    private long slots(Sequence s) {
        return Math.min(decodeSlots, s.out - s.generated);
    }

    private void preempt(Sequence s) {
        running.remove(s);
        kvUsed -= s.kvTokens - s.shared;
        s.kvTokens = s.shared;
        s.prefilled = s.shared;
        s.prefillTarget = s.in + s.generated;
        waiting.addFirst(s);
        preemptions++;
    }

    /** Applies an iteration that ended at {@code now}; returns the sequences it finished. */
    List<Sequence> complete(Batch b, long now, TokenSink sink) {
        return complete(b, now, sink, null);
    }

    /**
     * The same, decode i emitting {@code emitted[i]} tokens (1 + accepted proposals, at most what it
     * still has to produce; null: one each). The tokens one step emits share its gap evenly.
     */
    List<Sequence> complete(Batch b, long now, TokenSink sink, int[] emitted) {
        List<Sequence> done = new ArrayList<>();
        for (int i = 0; i < b.decodes.size(); i++) {
            Sequence s = b.decodes.get(i);
            int e = emitted == null ? 1 : emitted[i];
            if (e < 1 || e > slots(s)) {
                throw new IllegalStateException("decode of request " + s.id + " emits " + e + " tokens with " + (s.out - s.generated)
                        + " to go and " + decodeSlots + " slots");
            }
            s.kvTokens += e;
            kvUsed += e;
            if (e == 1) {
                token(s, now, sink, done);
            } else {
                long gap = (now - s.lastTokenPs) / e;
                for (int j = 0; j < e; j++) {
                    sink.gap(gap);
                }
                s.generated += e;
                s.lastTokenPs = now;
                if (s.generated >= s.out) {
                    s.finishPs = now;
                    done.add(s);
                }
            }
        }
        for (int i = 0; i < b.prefills.size(); i++) {
            Sequence s = b.prefills.get(i);
            long c = b.chunks.get(i);
            s.prefilled += c;
            s.kvTokens += c;
            kvUsed += c;
            if (s.decoding()) {
                token(s, now, sink, done);
            }
        }
        peakKv = Math.max(peakKv, kvUsed);
        if (kvUsed > kvCapacity) {
            throw new SimulationException(now, "scheduler", "KV cache over capacity: " + kvUsed + " > " + kvCapacity);
        }
        for (Sequence s : done) {
            running.remove(s);
            kvUsed -= s.kvTokens - s.shared;
            s.kvTokens = 0;
        }
        return done;
    }

    private static void token(Sequence s, long now, TokenSink sink, List<Sequence> done) {
        s.generated++;
        if (s.firstTokenPs < 0) {
            s.firstTokenPs = now;
        } else {
            sink.gap(now - s.lastTokenPs);
        }
        s.lastTokenPs = now;
        if (s.generated >= s.out) {
            s.finishPs = now;
            done.add(s);
        }
    }

    /** Receives every time-between-tokens gap. */
    interface TokenSink {
        void gap(long ps);
    }

    long peakKv() {
        return peakKv;
    }

    long preemptions() {
        return preemptions;
    }
}
